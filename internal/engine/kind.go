package engine

import "net/http"

// Kind is the kind of a failure: resetpw.Kind's value, which the engine
// uses to build errors before resetpw converts them. The zero Kind is no kind.
type Kind struct {
	code, text string
	status     int
}

// Error returns the kind's text, such as "resetpw: user not found".
func (k Kind) Error() string { return "resetpw: " + k.text }

// Code returns the kind's stable code, such as "user_not_found".
func (k Kind) Code() string { return k.code }

// Text returns the kind's message without the package's prefix.
func (k Kind) Text() string { return k.text }

// Status returns the HTTP status of the README's error table.
func (k Kind) Status() int { return k.status }

// The kinds of failure, with the Cognito causes of each in the README's error
// table and docs/cognito-rules.md. A new kind may be added in a minor
// release; existing codes never change.
var (
	// ErrInvalidInput: the request can't be sent as it is. Found locally
	// (Op OpValidate; Field says which: the username or ClientMetadata a
	// caller gave, or a pool ID from the service's own configuration; a
	// ClientMetadata that the check of WithCustomMessage refuses, once the
	// pool is read; a bulk Input's Way or UnchangedSince, Field empty), or
	// by Cognito (InvalidParameterException, with any other Op).
	ErrInvalidInput = Kind{"invalid_input", "invalid input", http.StatusBadRequest}
	// ErrConfig: the service's own configuration is invalid: an option
	// given to New or to a bulk run, or a pool ID from its configuration
	// that is malformed. Nothing was sent.
	ErrConfig = Kind{"config", "invalid configuration", http.StatusInternalServerError}
	// ErrPoolNotFound: no such user pool (ResourceNotFoundException): the
	// service's configuration.
	ErrPoolNotFound = Kind{"pool_not_found", "user pool not found", http.StatusInternalServerError}
	// ErrUserNotFound: no such user (UserNotFoundException), an alias that
	// resolves to nobody, or a ListUsers index that named a user who no
	// longer holds the alias (docs/cognito-rules.md, R23).
	ErrUserNotFound = Kind{"user_not_found", "user not found", http.StatusNotFound}
	// ErrAmbiguousAlias: an email or phone number matches several users, or
	// a UUID-shaped string is one user's username and another's sub (R26).
	ErrAmbiguousAlias = Kind{"ambiguous_alias", "alias matches several users", http.StatusConflict}
	// ErrUserDisabled: the user is disabled (R10).
	ErrUserDisabled = Kind{"user_disabled", "user is disabled", http.StatusConflict}
	// ErrUserState: the user's status does not allow a reset
	// (FORCE_CHANGE_PASSWORD, UNCONFIRMED, EXTERNAL_PROVIDER; R10, R11).
	ErrUserState = Kind{"user_state", "user state does not allow a reset", http.StatusConflict}
	// ErrRecoveryNotConfigured: the pool's account recovery is admin_only
	// (R1).
	ErrRecoveryNotConfigured = Kind{"recovery_not_configured", "account recovery not configured", http.StatusInternalServerError}
	// ErrNoVerifiedContact: the user has no verified email or phone number
	// that the pool's recovery settings would send the code to (R2 to R8).
	ErrNoVerifiedContact = Kind{"no_verified_contact", "no verified contact for the code", http.StatusUnprocessableEntity}
	// ErrSMSSandbox: the code would go by SMS, the account is in the SNS SMS
	// sandbox, and the number is not verified there (R15, R16, R18).
	ErrSMSSandbox = Kind{"sms_sandbox", "SMS sandbox would drop the code", http.StatusInternalServerError}
	// ErrSESSandbox: the code would go by email through the pool's own
	// Amazon SES (EmailSendingAccount DEVELOPER), the account is in the SES
	// sandbox, and the recipient is not a verified identity there (R34;
	// WithSES).
	ErrSESSandbox = Kind{"ses_sandbox", "SES sandbox would drop the code", http.StatusInternalServerError}
	// ErrDeliveryConfig: the pool can't send on the chosen medium: its SMS
	// configuration is failing, a messaging role is wrong, the account has
	// spent the daily quota of Cognito's built-in email (account-wide, not
	// the user's; R16, R20, R36), or SES says its sending is paused, its
	// quota is spent or the pool's sending identity is unverified (R35).
	ErrDeliveryConfig = Kind{"delivery_config", "delivery not configured", http.StatusInternalServerError}
	// ErrTrigger: a Lambda trigger failed or answered badly, or Cognito
	// refused the message a custom message trigger built (R54, R58).
	// Whether Cognito had already moved the user to RESET_REQUIRED is
	// unknown (R57): the user's way out is ForgotPassword, which invokes
	// the trigger again.
	ErrTrigger = Kind{"trigger", "Lambda trigger failed", http.StatusBadGateway}
	// ErrThrottled: Cognito throttled the request and retries were spent.
	ErrThrottled = Kind{"throttled", "throttled", http.StatusTooManyRequests}
	// ErrAttemptLimit: the user's reset attempts are spent for now
	// (LimitExceededException other than the daily email limit; R21).
	// Never retried.
	ErrAttemptLimit = Kind{"attempt_limit", "attempt limit exceeded", http.StatusTooManyRequests}
	// ErrAccessDenied: the service may not do this: IAM, or missing,
	// expired or rejected credentials.
	ErrAccessDenied = Kind{"access_denied", "access denied", http.StatusInternalServerError}
	// ErrUnavailable: Cognito could not be reached or answered with an
	// error of its own (InternalErrorException, HTTP 5xx, a transport
	// failure, a body that can't be read), or the context ended first.
	ErrUnavailable = Kind{"unavailable", "service unavailable", http.StatusServiceUnavailable}
	// ErrNotEnabled: the operation is not available in this Region or for
	// this pool's configuration, such as a secondary replica Region
	// (OperationNotEnabledException; R22). Not a permission problem.
	ErrNotEnabled = Kind{"not_enabled", "operation not enabled for this Region or pool", http.StatusInternalServerError}
	// ErrRunStopped: a bulk run or plan stopped before this input was sent:
	// its context ended, its circuit breaker tripped on an account-wide
	// failure, its pool's daily email cap was reached, or BeforeSend
	// failed. The error wraps the cause. Nothing was sent for the input.
	ErrRunStopped = Kind{"run_stopped", "bulk run stopped", http.StatusServiceUnavailable}
)

// Kinds returns every kind, in a fixed order; each call returns a new slice.
func Kinds() []Kind {
	return []Kind{
		ErrInvalidInput, ErrConfig, ErrPoolNotFound, ErrUserNotFound, ErrAmbiguousAlias, ErrUserDisabled, ErrUserState,
		ErrRecoveryNotConfigured, ErrNoVerifiedContact, ErrSMSSandbox, ErrSESSandbox, ErrDeliveryConfig, ErrTrigger,
		ErrThrottled, ErrAttemptLimit, ErrAccessDenied, ErrUnavailable, ErrNotEnabled, ErrRunStopped,
	}
}

// KindOf returns the kind of err, as a Resetter reports it: the Kind of a
// *Error, or else the kind its cause would be given (an SDK exception, a
// transport failure, an alias or metadata error; anything unknown is
// ErrUnavailable). It returns the zero Kind only for a nil err.
func KindOf(err error) Kind {
	if err == nil {
		return Kind{}
	}
	return classify(err)
}
