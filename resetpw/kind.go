package resetpw

import "github.com/cognitoreset/cognitoreset/internal/engine"

// Kind is the kind of a failure. The Err… values are the kinds, and every
// error of a Resetter is an *Error of one of them, so that
// errors.Is(err, resetpw.ErrUserNotFound) works on it. Kinds compare with
// ==. A Kind is an error whose Error is its message; Code is its stable
// code, for metrics, logs and exit codes. The zero Kind is no kind.
type Kind struct{ k engine.Kind }

// Error returns the kind's message, such as "resetpw: user not found".
func (k Kind) Error() string { return k.k.Error() }

// Code returns the kind's short, stable code, such as "user_not_found";
// "" for the zero Kind.
func (k Kind) Code() string { return k.k.Code() }

// HTTPStatus suggests the status a service answers its own caller with when
// an action fails with this kind (the README's error table lists them):
// 4xx where the caller or the user can act, 5xx where the service or AWS
// must; 0 for the zero Kind. (*Error).HTTPStatus adds one rule.
func (k Kind) HTTPStatus() int { return k.k.Status() }

// The kinds of failure, with their HTTPStatus. The Cognito causes of each
// are in the README's error table and docs/cognito-rules.md. A new kind may
// be added in a minor release; existing codes never change.
var (
	ErrInvalidInput          = Kind{engine.ErrInvalidInput}          // 400: the Username or ClientMetadata failed validation (Field says which; WithCustomMessage's check too; a bulk Input's Way or UnchangedSince, Field empty), or Cognito refused the request (502)
	ErrConfig                = Kind{engine.ErrConfig}                // 500: an invalid option (the text names it), or a malformed pool ID
	ErrPoolNotFound          = Kind{engine.ErrPoolNotFound}          // 500: no such user pool
	ErrUserNotFound          = Kind{engine.ErrUserNotFound}          // 404: no such user, or an alias that names nobody (R23)
	ErrAmbiguousAlias        = Kind{engine.ErrAmbiguousAlias}        // 409: an email or phone matches several users; a username is another's sub
	ErrUserDisabled          = Kind{engine.ErrUserDisabled}          // 409: the user is disabled (R10)
	ErrUserState             = Kind{engine.ErrUserState}             // 409: the user's status allows no reset (R10, R11)
	ErrRecoveryNotConfigured = Kind{engine.ErrRecoveryNotConfigured} // 500: the pool's account recovery is admin_only (R1)
	ErrNoVerifiedContact     = Kind{engine.ErrNoVerifiedContact}     // 422: no verified email or phone qualifies for the code (R2 to R8)
	ErrSMSSandbox            = Kind{engine.ErrSMSSandbox}            // 500: the SNS SMS sandbox would drop the code (R15, R16, R18)
	ErrSESSandbox            = Kind{engine.ErrSESSandbox}            // 500: the SES sandbox would drop the code (R34)
	ErrDeliveryConfig        = Kind{engine.ErrDeliveryConfig}        // 500: the pool can't send on the medium, or the daily email cap is reached (R16, R20, R35, R36)
	ErrTrigger               = Kind{engine.ErrTrigger}               // 502: a Lambda trigger failed, or Cognito refused its message; the user's state is unknown (MaybeSent): ForgotPassword is the user's way out (R57)
	ErrThrottled             = Kind{engine.ErrThrottled}             // 429: Cognito throttled, and retries were spent
	ErrAttemptLimit          = Kind{engine.ErrAttemptLimit}          // 429: the user's reset attempts are spent for now (R21); never retried
	ErrAccessDenied          = Kind{engine.ErrAccessDenied}          // 500: IAM, or missing or rejected credentials
	ErrUnavailable           = Kind{engine.ErrUnavailable}           // 503: Cognito unreachable or failing (5xx), a Limiter failed, or the context ended
	ErrNotEnabled            = Kind{engine.ErrNotEnabled}            // 500: the operation is not enabled in this Region or pool (R22)
	ErrRunStopped            = Kind{engine.ErrRunStopped}            // 503: a bulk run stopped before this input was sent; the error wraps the cause
)

// Kinds returns every kind, in a fixed order; each call returns a new slice.
func Kinds() []Kind {
	ks := engine.Kinds()
	out := make([]Kind, len(ks))
	for i, k := range ks {
		out[i] = Kind{k}
	}
	return out
}

// KindOf returns the kind of err, as a Resetter reports it: the Kind of an
// *Error, or else the kind its cause would be given (an SDK exception, a
// transport failure, an alias or metadata error; anything unknown is
// ErrUnavailable). It returns the zero Kind only for a nil err.
func KindOf(err error) Kind {
	return Kind{engine.KindOf(err)}
}
