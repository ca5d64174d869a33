package engine

import (
	"context"
	"errors"
	"net"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

// Messages Cognito (and moto) put on errors whose type alone says too little
// (docs/cognito-rules.md, R8, R10, R1, R20, R35).
const (
	msgNoVerifiedContact  = "cannot reset password for the user as there is no registered/verified email or phone_number"
	msgUserDisabled       = "user is disabled"
	msgUserState          = "user password cannot be reset in the current state"
	msgAdminOnly          = "contact administrator to reset password"
	msgDailyEmailLimit    = "exceeded daily email limit"                            // R20
	msgDailyLimitAccount  = "exceeded daily limit for the operation of the account" // R20, a variant
	msgSESError           = "cognito received the following error from amazon ses"  // R35
	msgNoSMSConfiguration = "does not have sms configuration"                       // R61
	// A custom message trigger's message refused (R54, R58): empty, or
	// failing the pattern or length of the field named.
	msgEmptyMessage     = "the message is empty"
	msgEmailBodyRefused = "at 'emailbody' failed to satisfy constraint"
	msgSubjectRefused   = "at 'emailsubject' failed to satisfy constraint"
	msgSMSRefused       = "at 'smsmessage' failed to satisfy constraint"
)

// messageRule maps an error code and message to a kind.
type messageRule struct {
	code    string
	message string // normalised; "" matches any message
	kind    Kind
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
	{"InvalidParameterException", msgSESError, ErrDeliveryConfig},
	{"InvalidParameterException", msgNoSMSConfiguration, ErrDeliveryConfig},
	{"InvalidParameterException", msgEmptyMessage, ErrTrigger},
	{"InvalidParameterException", msgEmailBodyRefused, ErrTrigger},
	{"InvalidParameterException", msgSubjectRefused, ErrTrigger},
	{"InvalidParameterException", msgSMSRefused, ErrTrigger},
	{"InvalidParameterException", "", ErrInvalidInput},
	{"TooManyRequestsException", "", ErrThrottled},
	{"LimitExceededException", msgDailyEmailLimit, ErrDeliveryConfig},
	{"LimitExceededException", msgDailyLimitAccount, ErrDeliveryConfig},
	{"LimitExceededException", "", ErrAttemptLimit},
	{"InvalidSmsRoleAccessPolicyException", "", ErrDeliveryConfig},
	{"InvalidSmsRoleTrustRelationshipException", "", ErrDeliveryConfig},
	{"InvalidEmailRoleAccessPolicyException", "", ErrDeliveryConfig},
	{"CodeDeliveryFailureException", "", ErrDeliveryConfig}, // R62
	{"UnexpectedLambdaException", "", ErrTrigger},
	{"InvalidLambdaResponseException", "", ErrTrigger},
	{"UserLambdaValidationException", "", ErrTrigger},
	// The ways out's answers that say nothing was done (R40, R42): the
	// user left FORCE_CHANGE_PASSWORD before the invitation; the password
	// broke the pool's policy or its history.
	{"UnsupportedUserStateException", "", ErrUserState},
	{"InvalidPasswordException", "", ErrConfig},
	{"PasswordHistoryPolicyViolationException", "", ErrConfig},
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

// classify returns the kind of err, as a Resetter would report it: anything
// unknown is ErrUnavailable.
func classify(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != (Kind{}) {
		return e.Kind
	}
	var k Kind
	if errors.As(err, &k) && k != (Kind{}) {
		return k
	}
	if PublicKind != nil {
		if k, ok := PublicKind(err); ok {
			return k
		}
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
		if k, ok := classifyAPI(apiErr.ErrorCode(), apiErr.ErrorMessage()); ok {
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

func classifyAPI(code, message string) (Kind, bool) {
	msg := normalizeMessage(message)
	for _, r := range classifyRules {
		if r.code == code && (r.message == "" || strings.Contains(msg, r.message)) {
			return r.kind, true
		}
	}
	return Kind{}, false
}

// isCodeDeliveryFailure reports whether err is Cognito's answer that the
// code failed to deliver (R62).
func isCodeDeliveryFailure(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "CodeDeliveryFailureException"
}

// isInvalidPassword reports whether err is Cognito's answer that a
// password breaks the pool's policy (R42).
func isInvalidPassword(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "InvalidPasswordException"
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
