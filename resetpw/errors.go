package resetpw

import (
	"errors"
	"net/http"
	"time"

	"github.com/cognitoreset/cognitoreset/internal/engine"
)

// Op is the stage of an action that an *Error comes from (Error.Op), the
// same code in log lines ("op") and spans ("cognitoreset.op").
type Op string

// The stages an *Error can come from. Nothing was sent for any but OpReset
// (Error.Fate says) and OpSignOut (after a reset that was sent).
const (
	OpValidate  Op = "validate"  // local validation of the request or of the options
	OpPreflight Op = "preflight" // reading the pool or the user, or judging from them, the email cap included
	OpResolve   Op = "resolve"   // reading an email or phone number as the user it names
	OpPace      Op = "pace"      // the Limiter failed before the request could go out
	OpReset     Op = "reset"     // the AdminResetUserPassword request: see MaybeSent
	OpSignOut   Op = "sign_out"  // AdminUserGlobalSignOut, after a reset that was sent (Result.SignOutErr)
	OpBulk      Op = "bulk"      // a bulk run stopped before this input (ErrRunStopped)
)

// Fate is what happened on the wire to the request of the stage an *Error
// names, as the one layer that sends requests saw it
// (docs/cognito-rules.md, R33). For OpReset it says whether a code may have
// gone out; MaybeSent reads it.
type Fate string

const (
	// FateNotSent: the request provably never reached Cognito (validation,
	// a refusal, the Limiter, a context that ended first, a connection
	// refused or failed before the request was written).
	FateNotSent  Fate = "not_sent"
	FateAnswered Fate = "answered" // Cognito answered; the kind says what the answer means
	FateUnknown  Fate = "unknown"  // the request was, or may have been, written and no answer was read
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
	Kind        Kind   // one of the Err… kinds
	Op          Op     // the stage that failed
	Field       string // the Request field that failed validation: "UserPoolID", "Username" or "ClientMetadata"
	MetadataKey string // for "ClientMetadata", the first key that failed (never a value; quote it to print it)
	UserPoolID  string
	Username    string        // as the caller gave it, kept whole; Error() masks it
	User        string        // the user's own username once the preflight read the user, kept whole; or ""
	RequestID   string        // Cognito's request ID, when Cognito answered
	Fate        Fate          // what became of the request; "" in an *Error built by hand
	WayOut      WayOut        // of a refusal: what reaches the user instead (package wayout), or ""
	RetryAfter  time.Duration // 0, or the least wait before retrying: ErrThrottled's backoff, unjittered (R73); an hour for OpReset's ErrAttemptLimit (R74)
	Err         error         // the cause

	redact []string // further private strings to mask in Error()
}

// WayOut is what reaches a user a refusal can't (R45; package wayout).
type WayOut string

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

// MaybeSent reports whether a failed reset may still have sent a code
// (R33): its request (OpReset, or wayout's) was written and no answer read
// (FateUnknown), or the answer does not say nothing was done (ErrUnavailable,
// ErrTrigger, CodeDeliveryFailureException: R40, R62). A retry would send
// again. An *Error with no Fate is judged by Op, Kind and Err.
func MaybeSent(err error) bool {
	var e *Error
	return errors.As(err, &e) && engine.MaybeSent(e.engine())
}

// engine is e as the engine prints it.
func (e *Error) engine() *engine.Error {
	return &engine.Error{Kind: e.Kind.k, Op: engine.Op(e.Op), Field: engine.Field(e.Field), MetadataKey: e.MetadataKey,
		UserPoolID: e.UserPoolID, Username: e.Username, User: e.User, RequestID: e.RequestID, Fate: engine.Fate(e.Fate), RetryAfter: e.RetryAfter,
		Err: e.Err, Redact: e.redact}
}

// publicError converts the engine's *Error at err's top to an *Error, and
// returns any other error as it is.
func publicError(err error) error {
	ee, ok := err.(*engine.Error)
	if !ok {
		return err
	}
	return &Error{Kind: Kind{ee.Kind}, Op: Op(ee.Op), Field: string(ee.Field), MetadataKey: ee.MetadataKey,
		UserPoolID: ee.UserPoolID, Username: ee.Username, User: ee.User, RequestID: ee.RequestID, Fate: Fate(ee.Fate), WayOut: WayOut(ee.WayOut),
		RetryAfter: ee.RetryAfter, Err: publicCause(ee.Err), redact: ee.Redact}
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
