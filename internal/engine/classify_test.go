package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

// classifyCases: the Cognito errors of the README's error table and
// docs/cognito-rules.md ("Errors") with the kind each is given, then
// messages in other cases, SNS's codes, HTTP statuses, transport failures
// and the errors of packages alias and metadata.
var classifyCases = []struct {
	name string
	err  error
	want Kind
}{
	{"no verified contact", &types.InvalidParameterException{Message: aws.String("Cannot reset password for the user as there is no registered/verified email or phone_number")}, ErrNoVerifiedContact},
	{"no verified contact, other case, stop", &types.InvalidParameterException{Message: aws.String("CANNOT RESET PASSWORD FOR THE USER AS THERE IS NO REGISTERED/VERIFIED EMAIL OR PHONE_NUMBER.")}, ErrNoVerifiedContact},
	{"other invalid parameter", &types.InvalidParameterException{Message: aws.String("1 validation error detected")}, ErrInvalidInput},
	{"a trigger's empty message", &types.InvalidParameterException{Message: aws.String("The message is empty.")}, ErrTrigger},
	{"a trigger's email body refused", &types.InvalidParameterException{Message: aws.String("1 validation error detected: Value 'x' at 'emailBody' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}]*")}, ErrTrigger},
	{"a trigger's subject refused", &types.InvalidParameterException{Message: aws.String("1 validation error detected: Value 'x' at 'emailSubject' failed to satisfy constraint: Member must have length less than or equal to 140")}, ErrTrigger},
	{"a trigger's SMS refused", &types.InvalidParameterException{Message: aws.String("1 validation error detected: Value 'x' at 'smsMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: .*")}, ErrTrigger},
	{"user disabled", &types.NotAuthorizedException{Message: aws.String("User is disabled.")}, ErrUserDisabled},
	{"user disabled, no stop", &types.NotAuthorizedException{Message: aws.String("user is disabled")}, ErrUserDisabled},
	{"user state", &types.NotAuthorizedException{Message: aws.String("User password cannot be reset in the current state.")}, ErrUserState},
	{"admin only", &types.NotAuthorizedException{Message: aws.String("Contact administrator to reset password.")}, ErrRecoveryNotConfigured},
	{"other not authorized", &types.NotAuthorizedException{Message: aws.String("Access to this resource is denied")}, ErrAccessDenied},
	{"attempt limit", &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")}, ErrAttemptLimit},
	{"daily email limit is the account's, not the user's", &types.LimitExceededException{Message: aws.String("Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.")}, ErrDeliveryConfig},
	{"daily email limit, other case", &types.LimitExceededException{Message: aws.String("EXCEEDED DAILY EMAIL LIMIT for the operation or the account")}, ErrDeliveryConfig},
	{"sns authorization", &smithy.GenericAPIError{Code: "AuthorizationError", Message: "User is not authorized to perform sns:GetSMSSandboxAccountStatus"}, ErrAccessDenied},
	{"sns throttled", &smithy.GenericAPIError{Code: "Throttled"}, ErrThrottled},
	{"sns internal", &smithy.GenericAPIError{Code: "InternalError"}, ErrUnavailable},
	{"throttled rate", &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}, ErrThrottled},
	{"throttled too many", &types.TooManyRequestsException{Message: aws.String("Too many requests")}, ErrThrottled},
	{"sms role policy", &types.InvalidSmsRoleAccessPolicyException{}, ErrDeliveryConfig},
	{"sms role trust", &types.InvalidSmsRoleTrustRelationshipException{}, ErrDeliveryConfig},
	{"email role policy", &types.InvalidEmailRoleAccessPolicyException{}, ErrDeliveryConfig},
	{"code delivery failure", &types.CodeDeliveryFailureException{Message: aws.String("Unable to deliver the code")}, ErrDeliveryConfig},
	{"no SMS configuration", &types.InvalidParameterException{Message: aws.String("Unable to send the message. User pool does not have SMS configuration to send messages.")}, ErrDeliveryConfig},
	{"no SMS configuration, the observed message as a code delivery failure", &types.CodeDeliveryFailureException{Message: aws.String("Invalid phone number provided/Unable to send the message. User pool does not have SMS configuration to send messages.")}, ErrDeliveryConfig},
	{"no SMS configuration, the observed message as an invalid parameter", &types.InvalidParameterException{Message: aws.String("Invalid phone number provided/Unable to send the message. User pool does not have SMS configuration to send messages.")}, ErrDeliveryConfig},
	{"daily limit, the account wording", &types.LimitExceededException{Message: aws.String("Exceeded daily limit for the operation of the account. Please configure your user pool to use your own Amazon SES config")}, ErrDeliveryConfig},
	{"a user no longer invitable", &types.UnsupportedUserStateException{Message: aws.String("Resend not possible. User status is not FORCE_CHANGE_PASSWORD.")}, ErrUserState},
	{"a password the policy refuses", &types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: Password not long enough")}, ErrConfig},
	{"a password the history refuses", &types.PasswordHistoryPolicyViolationException{Message: aws.String("x")}, ErrConfig},
	{"unexpected lambda", &types.UnexpectedLambdaException{}, ErrTrigger},
	{"invalid lambda response", &types.InvalidLambdaResponseException{}, ErrTrigger},
	{"lambda validation", &types.UserLambdaValidationException{}, ErrTrigger},
	{"pool not found", &types.ResourceNotFoundException{Message: aws.String("User pool us-west-2_x does not exist.")}, ErrPoolNotFound},
	{"user not found", &types.UserNotFoundException{Message: aws.String("User does not exist.")}, ErrUserNotFound},
	{"internal error", &types.InternalErrorException{}, ErrUnavailable},
	{"import in progress", &types.UserImportInProgressException{}, ErrUnavailable},
	{"operation not enabled is not IAM", &types.OperationNotEnabledException{Message: aws.String("Operation not enabled in this region")}, ErrNotEnabled},
	{"unrecognized client", &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}, ErrAccessDenied},
	{"bad signature", &smithy.GenericAPIError{Code: "InvalidSignatureException"}, ErrAccessDenied},
	{"unknown code 500", responseErr(500, &smithy.GenericAPIError{Code: "Weird"}), ErrUnavailable},
	{"unknown code 403", responseErr(403, &smithy.GenericAPIError{Code: "Weird"}), ErrAccessDenied},
	{"unknown code 429", responseErr(429, &smithy.GenericAPIError{Code: "Weird"}), ErrThrottled},
	{"wrapped in response error", responseErr(400, &types.UserNotFoundException{Message: aws.String("User does not exist.")}), ErrUserNotFound},
	{"deserialization", &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}, ErrUnavailable},
	{"transport", &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, ErrUnavailable},
	{"net error", &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}, ErrUnavailable},
	{"canceled", fmt.Errorf("operation error: %w", context.Canceled), ErrUnavailable},
	{"deadline", context.DeadlineExceeded, ErrUnavailable},
	{"credentials", errors.New("operation error Cognito Identity Provider: AdminGetUser, failed to retrieve credentials: no creds"), ErrAccessDenied},
	{"alias not found", fmt.Errorf("x: %w", alias.ErrNotFound), ErrUserNotFound},
	{"alias ambiguous", alias.ErrAmbiguous, ErrAmbiguousAlias},
	{"alias invalid", alias.ErrInvalid, ErrInvalidInput},
	{"metadata invalid", &metadata.ValidationError{}, ErrInvalidInput},
	{"already classified", &Error{Kind: ErrTrigger}, ErrTrigger},
	{"anything else", errors.New("something odd"), ErrUnavailable},
}

func responseErr(status int, err error) error {
	return &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err},
		RequestID:     "rid-42",
	}
}

func TestKindOf(t *testing.T) {
	assert.Equal(t, Kind{}, KindOf(nil))
	for _, tt := range classifyCases {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, KindOf(tt.err))
		})
	}
}

// With preflight off, Cognito's own errors give the kinds preflight would
// have given, and the SDK's type stays reachable.
func TestReset_PreflightOffMapsCognitoErrors(t *testing.T) {
	for _, tt := range classifyCases {
		if _, ok := tt.err.(smithy.APIError); !ok {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub()
			stub.errs["AdminResetUserPassword"] = []error{responseErr(400, tt.err)}
			r := newTestResetter(t, stub, WithPreflight(PreflightOff.String()), WithRetries(0, 100*time.Millisecond, 2*time.Second))
			_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
			require.ErrorIs(t, err, tt.want)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, OpReset, e.Op)
			assert.Equal(t, "rid-42", e.RequestID)
			assert.Contains(t, e.Error(), "request rid-42")
			target := tt.err
			assert.ErrorAs(t, err, &target)
		})
	}
}

func TestReset_ErrorsAsSDKType(t *testing.T) {
	stub := newStub()
	r := newTestResetter(t, stub)
	_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "ghost"})
	require.ErrorIs(t, err, ErrUserNotFound)
	var unf *types.UserNotFoundException
	assert.ErrorAs(t, err, &unf)
}

func TestReset_Retries(t *testing.T) {
	throttle := func() error { return &types.TooManyRequestsException{Message: aws.String("Rate exceeded")} }
	limit := &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")}
	internal := &types.InternalErrorException{}
	tests := []struct {
		name      string
		op        string
		errs      []error
		want      error
		wantCalls int
	}{
		{"throttled then sent", "AdminResetUserPassword", []error{throttle(), nil}, nil, 2},
		{"throttled past retries", "AdminResetUserPassword", []error{throttle()}, ErrThrottled, 4},
		{"attempt limit never retried", "AdminResetUserPassword", []error{limit}, ErrAttemptLimit, 1},
		{"internal error on reset not retried", "AdminResetUserPassword", []error{internal, nil}, ErrUnavailable, 1},
		{"internal error on read retried", "AdminGetUser", []error{internal, nil}, nil, 2},
		{"throttled read retried", "DescribeUserPool", []error{throttle(), throttle(), nil}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub()
			stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
			stub.errs[tt.op] = tt.errs
			r := newTestResetter(t, stub)
			_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Equal(t, tt.wantCalls, stub.count(tt.op))
		})
	}
}

func TestReset_BackoffRespectsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := newStub()
		stub.errs["AdminResetUserPassword"] = []error{&types.TooManyRequestsException{}}
		r, err := New(stub, WithPreflight(PreflightOff.String()), WithRetries(3, 10*time.Second, 20*time.Second))
		require.NoError(t, err)
		// The throttled answer comes at once; the context ends during the
		// 5–10 s backoff that follows it (on the bubble's clock).
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err = r.Reset(ctx, Request{UserPoolID: testPool, Username: "diego"})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, err, ErrUnavailable)
		assert.Equal(t, 200*time.Millisecond, time.Since(start), "it returned when the context ended, not after the backoff")
		assert.Equal(t, 1, stub.count("AdminResetUserPassword"), "no retry after the context ended")
	})
}

// The backoff is equal jitter: each delay lies in [d/2, d] for d = base·2ⁿ
// capped at max, so retries are spaced as documented.
func TestReset_BackoffIsEqualJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := newStub()
		stub.errs["AdminResetUserPassword"] = []error{&types.TooManyRequestsException{}, &types.TooManyRequestsException{},
			&types.TooManyRequestsException{}, nil}
		r, err := New(stub, WithPreflight(PreflightOff.String()), WithRetries(3, time.Second, 3*time.Second))
		require.NoError(t, err)
		start := time.Now()
		_, err = r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
		require.NoError(t, err)
		took := time.Since(start) // 1s, 2s, 3s (capped), each halved and jittered up to whole
		assert.GreaterOrEqual(t, took, 3*time.Second)
		assert.LessOrEqual(t, took, 6*time.Second)
		assert.Equal(t, 4, stub.count("AdminResetUserPassword"))
	})
}

func FuzzClassify(f *testing.F) {
	for _, r := range classifyRules {
		f.Add(r.code, r.message, 400)
	}
	f.Add("", "", 500)
	f.Add("NotAuthorizedException", "USER IS DISABLED.", 400)
	// The daily email cap's observed wordings (R20), and a near miss.
	f.Add("LimitExceededException", "Exceeded daily limit for the operation of the account. Please configure your user pool to use your own Amazon SES config", 400)
	f.Add("LimitExceededException", "Exceeded daily email limit, Number of allowed operation has exceeded.", 400)
	f.Add("LimitExceededException", "Attempt limit exceeded, please try after some time.", 400)
	f.Add("CodeDeliveryFailureException", "", 400)
	f.Add("UnsupportedUserStateException", "Resend not possible. User status is not FORCE_CHANGE_PASSWORD.", 400)
	f.Add("InvalidPasswordException", "Password did not conform with policy: Password not long enough", 400)
	f.Add("PasswordHistoryPolicyViolationException", "", 400)
	f.Fuzz(func(t *testing.T, code, message string, status int) {
		errs := []error{
			&smithy.GenericAPIError{Code: code, Message: message},
			responseErr(status, &smithy.GenericAPIError{Code: code, Message: message}),
			errors.New(message),
		}
		for _, err := range errs {
			k := KindOf(err)
			require.NotEmpty(t, k.Code(), "a kind, never the zero Kind")
			require.Contains(t, Kinds(), k)
			if isDailyEmailLimit(err) {
				// The cap is filled only for what the classifier calls the
				// account's quota (R20).
				require.Equal(t, ErrDeliveryConfig, k)
			}
		}
	})
}
