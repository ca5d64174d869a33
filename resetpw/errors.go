package resetpw

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

// The kinds of failure. Every error that a Resetter returns is a *Error whose
// Kind is one of these, so errors.Is(err, ErrUserNotFound) works on it.
var (
	// ErrInvalidInput: the request can't be sent as it is: a bad pool ID,
	// username or ClientMetadata, found locally (nothing was sent) or by
	// Cognito (InvalidParameterException).
	ErrInvalidInput = errors.New("resetpw: invalid input")
	// ErrPoolNotFound: no such user pool (ResourceNotFoundException).
	ErrPoolNotFound = errors.New("resetpw: user pool not found")
	// ErrUserNotFound: no such user (UserNotFoundException), or an alias
	// that resolves to nobody.
	ErrUserNotFound = errors.New("resetpw: user not found")
	// ErrAmbiguousAlias: an email or phone number matches several users.
	ErrAmbiguousAlias = errors.New("resetpw: alias matches several users")
	// ErrUserDisabled: the user is disabled.
	ErrUserDisabled = errors.New("resetpw: user is disabled")
	// ErrUserState: the user's status does not allow a reset
	// (FORCE_CHANGE_PASSWORD, UNCONFIRMED, EXTERNAL_PROVIDER, ...).
	ErrUserState = errors.New("resetpw: user state does not allow a reset")
	// ErrRecoveryNotConfigured: the pool's account recovery is admin_only.
	ErrRecoveryNotConfigured = errors.New("resetpw: account recovery not configured")
	// ErrNoVerifiedContact: the user has no verified email or phone number
	// that the pool's recovery settings would send the code to.
	ErrNoVerifiedContact = errors.New("resetpw: no verified contact for the code")
	// ErrSMSSandbox: the code would go by SMS, the account is in the SNS SMS
	// sandbox, and the number is not one listed as verified there.
	ErrSMSSandbox = errors.New("resetpw: SMS sandbox would drop the code")
	// ErrDeliveryConfig: the pool can't send on the chosen medium: its SMS
	// configuration is failing, a messaging role is wrong, or the account
	// has spent the daily quota of Cognito's built-in email (account-wide,
	// not the user's; docs/cognito-rules.md, R16, R20).
	ErrDeliveryConfig = errors.New("resetpw: delivery not configured")
	// ErrTrigger: a Lambda trigger failed or answered badly.
	ErrTrigger = errors.New("resetpw: Lambda trigger failed")
	// ErrThrottled: Cognito throttled the request and retries were spent.
	ErrThrottled = errors.New("resetpw: throttled")
	// ErrAttemptLimit: the user's reset attempts are spent for now
	// (LimitExceededException other than the daily email limit; R21).
	// Never retried.
	ErrAttemptLimit = errors.New("resetpw: attempt limit exceeded")
	// ErrAccessDenied: the caller may not do this: IAM, or missing,
	// expired or rejected credentials.
	ErrAccessDenied = errors.New("resetpw: access denied")
	// ErrUnavailable: Cognito could not be reached or answered with an
	// error of its own (InternalErrorException, HTTP 5xx, a transport
	// failure, a body that can't be read), or the context ended first.
	ErrUnavailable = errors.New("resetpw: service unavailable")
	// ErrNotEnabled: the operation is not available in this Region or for
	// this pool's configuration, such as a secondary replica Region
	// (OperationNotEnabledException; R22). Not a permission problem.
	ErrNotEnabled = errors.New("resetpw: operation not enabled for this Region or pool")
)

// Kinds lists every kind, in a fixed order.
var Kinds = []error{
	ErrInvalidInput, ErrPoolNotFound, ErrUserNotFound, ErrAmbiguousAlias, ErrUserDisabled, ErrUserState,
	ErrRecoveryNotConfigured, ErrNoVerifiedContact, ErrSMSSandbox, ErrDeliveryConfig, ErrTrigger,
	ErrThrottled, ErrAttemptLimit, ErrAccessDenied, ErrUnavailable, ErrNotEnabled,
}

var kindCodes = map[error]string{
	ErrInvalidInput: "invalid_input", ErrPoolNotFound: "pool_not_found", ErrUserNotFound: "user_not_found",
	ErrAmbiguousAlias: "ambiguous_alias", ErrUserDisabled: "user_disabled", ErrUserState: "user_state",
	ErrRecoveryNotConfigured: "recovery_not_configured", ErrNoVerifiedContact: "no_verified_contact",
	ErrSMSSandbox: "sms_sandbox", ErrDeliveryConfig: "delivery_config", ErrTrigger: "trigger",
	ErrThrottled: "throttled", ErrAttemptLimit: "attempt_limit", ErrAccessDenied: "access_denied",
	ErrUnavailable: "unavailable", ErrNotEnabled: "not_enabled",
}

// KindOf returns the kind of err: the sentinel it matches, or nil.
func KindOf(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	for _, k := range Kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// Code returns a short, stable name for a kind, such as "user_not_found",
// for metrics and exit codes; "" for anything else. Code(KindOf(err)) names
// the kind of any error.
func Code(kind error) string { return kindCodes[kind] }

// The operations an *Error can come from.
const (
	OpValidate  = "validate"
	OpPreflight = "preflight"
	OpResolve   = "resolve"
	OpReset     = "reset"
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
	Kind       error  // one of the Err… sentinels
	Op         string // OpValidate, OpPreflight, OpResolve or OpReset
	UserPoolID string
	Username   string // as the caller gave it, kept whole; Error() masks it
	RequestID  string // Cognito's request ID, when Cognito answered
	Err        error  // the cause

	redact []string // further private strings to mask in Error()
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("resetpw: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(fmt.Sprint(e.Kind), "resetpw: "))
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
		b.WriteString(e.redactText(e.Err.Error()))
	}
	return b.String()
}

// redactText masks the username and any other private string in s.
func (e *Error) redactText(s string) string {
	for _, p := range append([]string{e.Username, strings.TrimSpace(e.Username)}, e.redact...) {
		if len(p) >= 3 {
			s = strings.ReplaceAll(s, p, alias.Mask(p))
		}
	}
	return s
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target != nil && target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func shortPoolID(id string) string {
	if checkPoolID(id) != nil {
		// Not a pool ID: it may be anything, a swapped-in email included.
		return fmt.Sprintf("%q", alias.Mask(id))
	}
	return id
}

// Messages Cognito (and moto) put on errors whose type alone says too little
// (docs/cognito-rules.md, R8, R10, R1, R20).
const (
	msgNoVerifiedContact = "cannot reset password for the user as there is no registered/verified email or phone_number"
	msgUserDisabled      = "user is disabled"
	msgUserState         = "user password cannot be reset in the current state"
	msgAdminOnly         = "contact administrator to reset password"
	msgDailyEmailLimit   = "exceeded daily email limit"
)

// messageRule maps an error code and message to a kind.
type messageRule struct {
	code    string
	message string // normalised; "" matches any message
	kind    error
}

// classifyRules is the classifier's table, first match wins. Codes not in it
// fall back to their HTTP status. Each mapping's source is in
// docs/cognito-rules.md ("Errors").
var classifyRules = []messageRule{
	{"ResourceNotFoundException", "", ErrPoolNotFound},
	{"UserNotFoundException", "", ErrUserNotFound},
	{"NotAuthorizedException", msgUserDisabled, ErrUserDisabled},
	{"NotAuthorizedException", msgUserState, ErrUserState},
	{"NotAuthorizedException", msgAdminOnly, ErrRecoveryNotConfigured},
	{"NotAuthorizedException", "", ErrAccessDenied},
	{"InvalidParameterException", msgNoVerifiedContact, ErrNoVerifiedContact},
	{"InvalidParameterException", "", ErrInvalidInput},
	{"TooManyRequestsException", "", ErrThrottled},
	{"LimitExceededException", msgDailyEmailLimit, ErrDeliveryConfig},
	{"LimitExceededException", "", ErrAttemptLimit},
	{"InvalidSmsRoleAccessPolicyException", "", ErrDeliveryConfig},
	{"InvalidSmsRoleTrustRelationshipException", "", ErrDeliveryConfig},
	{"InvalidEmailRoleAccessPolicyException", "", ErrDeliveryConfig},
	{"UnexpectedLambdaException", "", ErrTrigger},
	{"InvalidLambdaResponseException", "", ErrTrigger},
	{"UserLambdaValidationException", "", ErrTrigger},
	{"InternalErrorException", "", ErrUnavailable},
	{"UserImportInProgressException", "", ErrUnavailable},
	{"OperationNotEnabledException", "", ErrNotEnabled},
	{"AccessDeniedException", "", ErrAccessDenied},
	{"UnrecognizedClientException", "", ErrAccessDenied},
	{"InvalidSignatureException", "", ErrAccessDenied},
	{"IncompleteSignature", "", ErrAccessDenied},
	{"MissingAuthenticationToken", "", ErrAccessDenied},
	{"ExpiredTokenException", "", ErrAccessDenied},
	{"InvalidClientTokenId", "", ErrAccessDenied},
	{"SignatureDoesNotMatch", "", ErrAccessDenied},
	{"ThrottlingException", "", ErrThrottled},
	// Amazon SNS's codes, for WithSNS's reads.
	{"AuthorizationError", "", ErrAccessDenied},
	{"Throttled", "", ErrThrottled},
	{"InternalError", "", ErrUnavailable},
}

// normalizeMessage folds case and drops spaces and a trailing full stop.
func normalizeMessage(m string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(m)), ".")
}

// Classify returns the kind of err, as a Resetter would report it. It never
// returns nil for a non-nil err: anything unknown is ErrUnavailable.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if k := KindOf(err); k != nil {
		return k
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return ErrUnavailable
	case errors.Is(err, alias.ErrNotFound):
		return ErrUserNotFound
	case errors.Is(err, alias.ErrAmbiguous):
		return ErrAmbiguousAlias
	case errors.Is(err, alias.ErrInvalid), errors.Is(err, metadata.ErrInvalid), errors.Is(err, metadata.ErrPolicy):
		return ErrInvalidInput
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if k := classifyAPI(apiErr.ErrorCode(), apiErr.ErrorMessage()); k != nil {
			return k
		}
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		switch s := re.HTTPStatusCode(); {
		case s == 401 || s == 403:
			return ErrAccessDenied
		case s == 429:
			return ErrThrottled
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return ErrUnavailable
	}
	if isCredentialsError(err) {
		return ErrAccessDenied
	}
	return ErrUnavailable
}

func classifyAPI(code, message string) error {
	msg := normalizeMessage(message)
	for _, r := range classifyRules {
		if r.code == code && (r.message == "" || strings.Contains(msg, r.message)) {
			return r.kind
		}
	}
	return nil
}

// isCredentialsError spots the SDK's failure to find or load credentials,
// which carries no type of its own.
func isCredentialsError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "failed to retrieve credentials") ||
		strings.Contains(s, "failed to refresh cached credentials") ||
		strings.Contains(s, "no EC2 IMDS role found")
}

// requestIDOf returns the request ID of a failed call, if Cognito answered.
func requestIDOf(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}
