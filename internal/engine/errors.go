package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

// Op is the step of a reset (or of a bulk run, a pool check, a plan) that an
// *Error comes from (Error.Op). It prints its code; the codes are stable.
type Op string

// The operations an *Error can come from.
const (
	// OpValidate: local validation of a request (Error.Field says which
	// field) or of an option (Error.Field names the option) failed, or
	// the context ended right after it (ErrUnavailable); nothing was sent.
	OpValidate Op = "validate"
	// OpPreflight: the preflight (steps 2 to 5 of Reset, CheckPool,
	// PlanPool): reading the pool or the user, or judging from them (the
	// daily email cap included), refused the reset or failed; no code was
	// sent.
	OpPreflight Op = "preflight"
	// OpResolve: reading an email or phone number as the user it names
	// (AdminGetUser, ListUsers) failed, or the user found no longer holds
	// it; no code was sent.
	OpResolve Op = "resolve"
	// OpReset: the AdminResetUserPassword request; Error.Fate says whether
	// it may have sent a code (MaybeSent).
	OpReset Op = "reset"
	// OpBulk: a bulk run or plan (bulk.Run, Plan, PlanPool) stopped, or held
	// an input back; the kind is ErrRunStopped and the error wraps the
	// cause. It is the error a stopped run returns, and the outcome of
	// each input it did not send: one read after the stop (its context
	// ended, the circuit breaker tripped, BeforeSend failed, a ListUsers
	// page of PlanPool failed) or over its pool's daily email cap. Nothing
	// was sent for such an input.
	OpBulk Op = "bulk"
	// OpPace: the Limiter failed before the reset could go out (such as a
	// shared limiter whose Redis is down); nothing was sent.
	OpPace Op = "pace"
	// OpSignOut: AdminUserGlobalSignOut, after a reset that was sent.
	OpSignOut Op = "sign_out"
	// OpInvite: the AdminCreateUser request with MessageAction RESEND
	// (InviteAction); Error.Fate says whether it may have been sent.
	OpInvite Op = "invite"
	// OpSetPassword: the AdminSetUserPassword request
	// (TemporaryPasswordAction); Error.Fate says whether it may have been
	// sent.
	OpSetPassword Op = "set_password"
)

// Field names the Request field that failed validation (Error.Field).
type Field string

// The fields of a Request that local validation names in Error.Field.
const (
	FieldUserPoolID     Field = "UserPoolID"
	FieldUsername       Field = "Username"
	FieldClientMetadata Field = "ClientMetadata"
)

// Error is the error of every failed reset. Match its kind with errors.Is
// (errors.Is(err, resetpw.ErrUserDisabled)), read its fields with errors.As,
// and reach the cause (an SDK exception such as *types.UserNotFoundException,
// a *metadata.ValidationError, context.Canceled) with errors.As or errors.Is
// too.
//
// Error() prints the kind, the operation, the pool, the masked username and
// the request ID, then the cause with the username masked. It never prints
// ClientMetadata.
type Error struct {
	Kind Kind // one of the Err… kinds
	Op   Op   // OpValidate, OpPreflight, OpResolve, OpReset, OpBulk, OpPace or OpSignOut
	// Field, for OpValidate: FieldUserPoolID, FieldUsername or
	// FieldClientMetadata.
	Field Field
	// MetadataKey, for FieldClientMetadata, is the first key of
	// ClientMetadata that failed the policy (metadata.ValidationError,
	// in its order), as the caller gave it: never a value. "" when the
	// map as a whole failed (too many pairs, too large). A key is the
	// caller's own, but may hold any bytes the policy refused: quote it
	// before printing it.
	MetadataKey string
	UserPoolID  string
	Username    string // as the caller gave it, kept whole; Error() masks it
	// User is the user's own username, once the preflight read the user
	// (the user the action was for), kept whole; "" before.
	User      string
	RequestID string // Cognito's request ID, when Cognito answered
	// Fate is what happened on the wire to the Cognito request whose
	// failure this is (for OpReset, the AdminResetUserPassword), recorded
	// where the request goes out: FateNotSent, FateAnswered or
	// FateUnknown. An error that came from no request (validation, an
	// option, a preflight refusal) is FateNotSent. "" when not recorded
	// (an *Error built by hand); MaybeSent then judges by Op and Kind.
	Fate Fate
	// WayOut, for a refusal, is the action that would reach the user
	// instead (R45); "" when there is none.
	WayOut WayOut
	// RetryAfter is the least wait before trying again, where it is
	// known (retryAfter): 0 otherwise. The throttle's is the same for
	// every caller; add jitter before passing it on (R73).
	RetryAfter time.Duration
	// Action is the action's Name when it is not a reset, for telemetry.
	Action string
	Err    error // the cause

	Redact []string // further private strings to mask in Error()
}

// Error prints the kind's text, the operation, the pool, the masked
// username and the request ID, then the cause (see Error).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("resetpw: ")
	b.WriteString(string(e.Op))
	b.WriteString(": ")
	b.WriteString(e.Kind.text)
	if e.UserPoolID == "" && e.Username == "" { // an option, a limiter: no request
		if e.Field != "" {
			b.WriteString(" (")
			b.WriteString(string(e.Field))
			b.WriteString(")")
		}
		if e.Err != nil {
			b.WriteString(": ")
			b.WriteString(e.Err.Error())
		}
		return b.String()
	}
	b.WriteString(" (pool ")
	b.WriteString(shortPoolID(e.UserPoolID))
	b.WriteString(", user ")
	b.WriteString(alias.Mask(e.Username))
	if e.RequestID != "" {
		b.WriteString(", request ")
		b.WriteString(e.RequestID)
	}
	b.WriteString(")")
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.CauseText())
	}
	return b.String()
}

// valueRE finds the value that a validation error of Cognito quotes ("1
// validation error detected: Value '…' at 'emailBody' failed to satisfy
// constraint"), greedily: up to the last field named.
var valueRE = regexp.MustCompile(`(?s)Value '.*' at '`)

// CauseText is the cause as Error() and the log line print it: its text
// with the username masked, except what may hold ClientMetadata. For
// ErrTrigger, Cognito relays the Lambda's own error text (R57), which may
// quote the event: only the exception's code is printed. A validation
// error that quotes a value (the message a trigger built, refused by a
// pattern: R54) has the value withheld.
func (e *Error) CauseText() string {
	if e.Err == nil {
		return ""
	}
	s := e.Err.Error()
	if e.Kind == ErrTrigger {
		var api smithy.APIError
		if !errors.As(e.Err, &api) {
			return "(the trigger's error is not shown: it may hold ClientMetadata)"
		}
		if m := api.ErrorMessage(); m != "" {
			s = strings.ReplaceAll(s, m, "(its message is not shown: it may hold ClientMetadata)")
		}
	}
	s = valueRE.ReplaceAllLiteralString(s, "Value (not shown) at '")
	return e.RedactText(s)
}

// RedactText masks the username and any other private string in s.
func (e *Error) RedactText(s string) string {
	for _, p := range append([]string{e.Username, strings.TrimSpace(e.Username)}, e.Redact...) {
		if len(p) >= 3 {
			s = strings.ReplaceAll(s, p, alias.Mask(p))
		}
	}
	return s
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k != (Kind{}) && k == e.Kind
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// metadataKeyOf returns the first key a *metadata.ValidationError in err
// names, or "".
func metadataKeyOf(err error) string {
	var ve *metadata.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			if v.Key != "" {
				return v.Key
			}
		}
	}
	return ""
}

func shortPoolID(id string) string {
	if checkPoolID(id) != nil {
		// Not a pool ID: it may be anything, a swapped-in email included.
		return fmt.Sprintf("%q", alias.Mask(id))
	}
	return id
}

// MaybeSent reports whether a failed reset may still have sent a code, from
// the fate recorded where the request went out (Error.Fate; R33): the
// AdminResetUserPassword request (Op OpReset) was written and no answer was
// read (FateUnknown: a cut connection, a timeout while waiting), or it was
// answered with an answer that does not say nothing was done (FateAnswered
// with ErrUnavailable: a 5xx, InternalErrorException, a body that could not
// be read; or ErrTrigger: a Lambda trigger failed during it, which AWS does
// not document either way; or, for OpReset and OpInvite,
// CodeDeliveryFailureException: the message failed, but the action may
// have taken effect, the password reset with no code to follow, or the old
// temporary password gone, R40, R62). A retry then sends a second code, which
// may invalidate the first, and spends one of the user's attempts. It is false
// for FateNotSent (nothing reached Cognito: refused connection, DNS or TLS
// failure, limiter refusal, a context that ended before the call or in a
// backoff, even after a throttled attempt), for every other failure, and
// for a nil err. An *Error with no recorded fate (an *Error literal that
// sets no Fate) is judged by Op, Kind and Err: a way's or a reset's
// ErrUnavailable or ErrTrigger, or a CodeDeliveryFailureException as above.
func MaybeSent(err error) bool {
	var e *Error
	if !errors.As(err, &e) || (e.Op != OpReset && e.Op != OpInvite && e.Op != OpSetPassword) {
		return false
	}
	switch e.Fate {
	case FateNotSent:
		return false
	case FateUnknown:
		return true
	}
	if (e.Op == OpReset || e.Op == OpInvite) && isCodeDeliveryFailure(e.Err) {
		return true // the action may have taken effect, then its message failed (R40, R62)
	}
	return e.Kind == ErrUnavailable || e.Kind == ErrTrigger
}
