package resetpw

import (
	"errors"
	"net/http"

	"github.com/cognitoreset/cognitoreset/internal/engine"
)

// Op is the stage of an action that an *Error comes from (Error.Op), the
// same code in log lines ("op") and spans ("cognitoreset.op").
type Op string

// The stages an *Error can come from.
const (
	// OpValidate: local validation of the request, or of the options (kind
	// ErrConfig), failed, or the context ended right after it; nothing was
	// sent.
	OpValidate Op = "validate"
	// OpPreflight: reading the pool or the user, or judging from them (the
	// daily email cap included), refused the action or failed; nothing was
	// sent.
	OpPreflight Op = "preflight"
	// OpResolve: reading an email or phone number as the user it names
	// (AdminGetUser, ListUsers) failed, or the user found no longer holds
	// it; nothing was sent.
	OpResolve Op = "resolve"
	// OpPace: the Limiter failed before the request could go out; nothing
	// was sent.
	OpPace Op = "pace"
	// OpReset: the AdminResetUserPassword request; Error.Fate says whether
	// it may have sent a code (MaybeSent).
	OpReset Op = "reset"
	// OpSignOut: AdminUserGlobalSignOut, after a reset that was sent
	// (Result.SignOutErr).
	OpSignOut Op = "sign_out"
	// OpBulk: a bulk run or plan stopped, or held an input back; the kind
	// is ErrRunStopped and the error wraps the cause. Nothing was sent for
	// the input.
	OpBulk Op = "bulk"
)

// Fate is what happened on the wire to the request of the stage an *Error
// names, as the one layer that sends requests saw it
// (docs/cognito-rules.md, R33). For OpReset it says whether a code may have
// gone out; MaybeSent reads it.
type Fate string

const (
	// FateNotSent: the request provably never reached Cognito: the stage
	// failed before anything was sent (validation, a preflight refusal),
	// the Limiter refused, the context ended before the call or during a
	// backoff, or the connection failed before the request was written
	// (refused, DNS, TLS). It may be sent again.
	FateNotSent Fate = "not_sent"
	// FateAnswered: Cognito answered; the kind says what the answer means.
	FateAnswered Fate = "answered"
	// FateUnknown: the request was written, or may have been, and no
	// answer was read (a cut connection, a context that ended while
	// waiting, an API that gave no sign).
	FateUnknown Fate = "unknown"
)

// Error is the error of every failed action. Match its kind with errors.Is
// (errors.Is(err, resetpw.ErrUserDisabled)), read its fields with
// errors.As, and reach the cause (an SDK exception such as
// *types.UserNotFoundException, a *metadata.ValidationError,
// context.Canceled) with errors.As or errors.Is too.
//
// Error() prints the operation, the kind's message, the pool, the masked
// username and the request ID, then the cause with the username masked. It
// never prints ClientMetadata.
type Error struct {
	Kind Kind // one of the Err… kinds
	Op   Op
	// Field, for ErrInvalidInput or ErrConfig from OpValidate, is the
	// Request field that failed: "UserPoolID", "Username" or
	// "ClientMetadata"; "" otherwise.
	Field string
	// MetadataKey, for Field "ClientMetadata", is the first key that failed
	// the policy, as the caller gave it (never a value); quote it before
	// printing it.
	MetadataKey string
	UserPoolID  string
	Username    string // as the caller gave it, kept whole; Error() masks it
	RequestID   string // Cognito's request ID, when Cognito answered
	// Fate is what happened on the wire to the request whose failure this
	// is; FateNotSent for an error that came from no request. "" when not
	// recorded (an *Error built by hand): MaybeSent then judges by Op and
	// Kind.
	Fate Fate
	Err  error // the cause

	redact []string // further private strings to mask in Error()
}

// Error prints the error (see Error).
func (e *Error) Error() string { return e.engine().Error() }

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k != (Kind{}) && k == e.Kind
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus suggests the status a service answers its own caller with for
// e: its Kind's HTTPStatus, except for one rule: ErrInvalidInput that
// Cognito returned (InvalidParameterException: any Op but OpValidate) is
// 502, since the service sent what Cognito refused. 0 for a nil e or the
// zero Kind.
func (e *Error) HTTPStatus() int {
	if e == nil {
		return 0
	}
	if e.Kind == ErrInvalidInput && e.Op != OpValidate {
		return http.StatusBadGateway
	}
	return e.Kind.HTTPStatus()
}

// MaybeSent reports whether a failed reset may still have sent a code, from
// the fate recorded where the request went out (Error.Fate; R33): the
// AdminResetUserPassword request (Op OpReset) was written and no answer was
// read (FateUnknown), or it was answered with an answer that does not say
// nothing was done (FateAnswered with ErrUnavailable: a 5xx; or ErrTrigger).
// A retry then sends a second code, which invalidates the first. It is
// false for FateNotSent, for every other failure, and for a nil err. An
// *Error with no recorded fate is judged by Op and Kind alone: OpReset and
// ErrUnavailable or ErrTrigger.
func MaybeSent(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Op != OpReset {
		return false
	}
	switch e.Fate {
	case FateNotSent:
		return false
	case FateUnknown:
		return true
	}
	return e.Kind == ErrUnavailable || e.Kind == ErrTrigger
}

// engine is e as the engine prints it.
func (e *Error) engine() *engine.Error {
	return &engine.Error{Kind: e.Kind.k, Op: engine.Op(e.Op), Field: engine.Field(e.Field), MetadataKey: e.MetadataKey,
		UserPoolID: e.UserPoolID, Username: e.Username, RequestID: e.RequestID, Fate: engine.Fate(e.Fate), Err: e.Err, Redact: e.redact}
}

// publicError converts the engine's *Error at err's top to an *Error, and
// returns any other error as it is.
func publicError(err error) error {
	ee, ok := err.(*engine.Error)
	if !ok {
		return err
	}
	return &Error{Kind: Kind{ee.Kind}, Op: Op(ee.Op), Field: string(ee.Field), MetadataKey: ee.MetadataKey,
		UserPoolID: ee.UserPoolID, Username: ee.Username, RequestID: ee.RequestID, Fate: Fate(ee.Fate), Err: publicCause(ee.Err), redact: ee.Redact}
}

// publicCause converts an engine *Error that is a cause (a bulk run's stop
// wraps the failure that stopped it), so that errors.As finds an *Error all
// the way down.
func publicCause(err error) error {
	if _, ok := err.(*engine.Error); ok {
		return publicError(err)
	}
	return err
}

// publicKind returns the kind of an *Error or a Kind in err's chain, for the
// engine's classifier.
func publicKind(err error) (engine.Kind, bool) {
	var e *Error
	if errors.As(err, &e) && e.Kind != (Kind{}) {
		return e.Kind.k, true
	}
	var k Kind
	if errors.As(err, &k) && k != (Kind{}) {
		return k.k, true
	}
	return engine.Kind{}, false
}
