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

// The operations an *Error can come from.
const (
	OpValidate  = "validate"
	OpPreflight = "preflight"
	OpResolve   = "resolve"
	OpReset     = "reset"
	// OpBulk: a bulk run or plan (Bulk, Plan, PlanPool) stopped, or held
	// an input back; the kind is ErrRunStopped and the error wraps the
	// cause. It is the error a stopped run returns, and the outcome of
	// each input it did not send: one read after the stop (its context
	// ended, the circuit breaker tripped, BeforeSend failed, a ListUsers
	// page of PlanPool failed) or over its pool's daily email cap. Nothing
	// was sent for such an input.
	OpBulk = "bulk"
	// OpPace: the Limiter failed before the reset could go out (such as a
	// shared limiter whose Redis is down); nothing was sent.
	OpPace = "pace"
	// OpSignOut: AdminUserGlobalSignOut, after a reset that was sent.
	OpSignOut = "sign_out"
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
	Kind Kind   // one of the Err… kinds
	Op   string // OpValidate, OpPreflight, OpResolve, OpReset, OpBulk, OpPace or OpSignOut
	// Field, for OpValidate: FieldUserPoolID, FieldUsername or
	// FieldClientMetadata; for an invalid option, the option
	// ("WithBackoff", "API") or BulkOptions field
	// ("BulkOptions.Concurrency", "BulkOptions.Rates[UserRead]").
	Field      string
	UserPoolID string
	Username   string // as the caller gave it, kept whole; Error() masks it
	RequestID  string // Cognito's request ID, when Cognito answered
	// Fate is what happened on the wire to the Cognito request whose
	// failure this is (for OpReset, the AdminResetUserPassword), recorded
	// where the request goes out: FateNotSent, FateAnswered or
	// FateUnknown. An error that came from no request (validation, an
	// option, a preflight refusal) is FateNotSent. "" when not recorded
	// (an *Error built by hand); MaybeSent then judges by Op and Kind.
	Fate Fate
	Err  error // the cause

	redact []string // further private strings to mask in Error()
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("resetpw: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.text)
	if e.UserPoolID == "" && e.Username == "" { // an option, a limiter: no request
		if e.Field != "" {
			b.WriteString(" (")
			b.WriteString(e.Field)
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
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k != (Kind{}) && k == e.Kind
}

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
// (docs/cognito-rules.md, R8, R10, R1, R20, R35).
const (
	msgNoVerifiedContact = "cannot reset password for the user as there is no registered/verified email or phone_number"
	msgUserDisabled      = "user is disabled"
	msgUserState         = "user password cannot be reset in the current state"
	msgAdminOnly         = "contact administrator to reset password"
	msgDailyEmailLimit   = "exceeded daily email limit"
	msgSESError          = "cognito received the following error from amazon ses" // R35
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
