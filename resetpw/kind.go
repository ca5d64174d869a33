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

// The kinds of failure, with the Cognito causes of each in the README's
// error table and docs/cognito-rules.md. A new kind may be added in a minor
// release; existing codes never change.
var (
	// ErrInvalidInput (400): the request can't be sent as it is: its
	// Username or ClientMetadata failed local validation (Op OpValidate;
	// Error.Field says which), or Cognito refused it
	// (InvalidParameterException, any other Op; HTTPStatus 502).
	ErrInvalidInput = Kind{engine.ErrInvalidInput}
	// ErrConfig (500): the service's own configuration: an invalid option
	// of New or of a bulk run (the error's text names it), or a malformed
	// pool ID (Field "UserPoolID"). Nothing was sent.
	ErrConfig = Kind{engine.ErrConfig}
	// ErrPoolNotFound (500): no such user pool (ResourceNotFoundException).
	ErrPoolNotFound = Kind{engine.ErrPoolNotFound}
	// ErrUserNotFound (404): no such user, an alias that resolves to
	// nobody, or a ListUsers index that named a user who no longer holds
	// the alias (R23).
	ErrUserNotFound = Kind{engine.ErrUserNotFound}
	// ErrAmbiguousAlias (409): an email or phone number matches several
	// users.
	ErrAmbiguousAlias = Kind{engine.ErrAmbiguousAlias}
	// ErrUserDisabled (409): the user is disabled (R10).
	ErrUserDisabled = Kind{engine.ErrUserDisabled}
	// ErrUserState (409): the user's status does not allow a reset
	// (FORCE_CHANGE_PASSWORD, UNCONFIRMED, EXTERNAL_PROVIDER; R10, R11).
	ErrUserState = Kind{engine.ErrUserState}
	// ErrRecoveryNotConfigured (500): the pool's account recovery is
	// admin_only (R1).
	ErrRecoveryNotConfigured = Kind{engine.ErrRecoveryNotConfigured}
	// ErrNoVerifiedContact (422): the user has no verified email or phone
	// number that the pool's recovery settings would send the code to (R2
	// to R8).
	ErrNoVerifiedContact = Kind{engine.ErrNoVerifiedContact}
	// ErrSMSSandbox (500): the code would go by SMS, the account is in the
	// SNS SMS sandbox, and the number is not verified there (R15, R16,
	// R18).
	ErrSMSSandbox = Kind{engine.ErrSMSSandbox}
	// ErrSESSandbox (500): the code would go by email through the pool's
	// own SES, the account is in the SES sandbox, and the recipient is not
	// verified there (R34; groundtruth.WithSES).
	ErrSESSandbox = Kind{engine.ErrSESSandbox}
	// ErrDeliveryConfig (500): the pool can't send on the chosen medium: a
	// failing SMS configuration, a wrong messaging role, the account's
	// daily quota of Cognito's built-in email spent (R16, R20, R36), or SES
	// paused, over quota or with an unverified sending identity (R35).
	ErrDeliveryConfig = Kind{engine.ErrDeliveryConfig}
	// ErrTrigger (502): a Lambda trigger failed or answered badly.
	ErrTrigger = Kind{engine.ErrTrigger}
	// ErrThrottled (429): Cognito throttled the request and retries were
	// spent.
	ErrThrottled = Kind{engine.ErrThrottled}
	// ErrAttemptLimit (429): the user's reset attempts are spent for now
	// (LimitExceededException other than the daily email limit; R21).
	// Never retried.
	ErrAttemptLimit = Kind{engine.ErrAttemptLimit}
	// ErrAccessDenied (500): IAM, or missing, expired or rejected
	// credentials.
	ErrAccessDenied = Kind{engine.ErrAccessDenied}
	// ErrUnavailable (503): Cognito could not be reached or answered with
	// an error of its own (InternalErrorException, HTTP 5xx, a transport
	// failure), a Limiter failed, or the context ended first.
	ErrUnavailable = Kind{engine.ErrUnavailable}
	// ErrNotEnabled (500): the operation is not available in this Region
	// or for this pool (OperationNotEnabledException; R22).
	ErrNotEnabled = Kind{engine.ErrNotEnabled}
	// ErrRunStopped (503): a bulk run or plan stopped before this input
	// was sent (package bulk); the error wraps the cause. Nothing was sent
	// for the input.
	ErrRunStopped = Kind{engine.ErrRunStopped}
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
