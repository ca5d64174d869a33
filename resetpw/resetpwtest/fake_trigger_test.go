package resetpwtest_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const triggerARN = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"

// triggerPool returns a Fake whose pool names triggerARN as its custom
// message trigger, with a user holding the contact given.
func triggerPool(t *testing.T, attrs ...types.AttributeType) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(triggerARN)},
		SmsConfiguration: smsRole}) // an SMS role: the pool can send SMS (R61)
	_, err := f.AddUser(pool, types.UserType{Username: aws.String("ana"), Attributes: attrs,
		Enabled: true, UserStatus: types.UserStatusTypeConfirmed})
	require.NoError(t, err)
	return f, pool
}

var (
	verifiedEmail = []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ana@example.com")},
		{Name: aws.String("email_verified"), Value: aws.String("true")}}
	verifiedPhone = []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+12065550100")},
		{Name: aws.String("phone_number_verified"), Value: aws.String("true")}}
)

func TestFake_SetTriggerSendsTheEventCognitoSends(t *testing.T) {
	f, pool := triggerPool(t, verifiedEmail...)
	var got events.CognitoEventUserPoolsCustomMessage
	f.SetTrigger(triggerARN, func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		got = ev
		return ev, nil
	})
	_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana"),
		ClientMetadata: map[string]string{"ticket": "T-1"}})
	require.NoError(t, err)

	assert.Equal(t, "CustomMessage_ForgotPassword", got.TriggerSource)
	assert.Equal(t, "1", got.Version)
	assert.Equal(t, "us-west-2", got.Region)
	assert.Equal(t, pool, got.UserPoolID)
	assert.Equal(t, "ana", got.UserName)
	assert.Equal(t, "{####}", got.Request.CodeParameter)
	assert.Equal(t, map[string]string{"ticket": "T-1"}, got.Request.ClientMetadata)
	assert.Equal(t, "ana@example.com", got.Request.UserAttributes["email"])
	assert.Equal(t, "CONFIRMED", got.Request.UserAttributes["cognito:user_status"])
}

func TestFake_SetTriggerAnswerBecomesTheDelivery(t *testing.T) {
	answer := func(subject, email, sms string) func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		return func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
			ev.Response.EmailSubject, ev.Response.EmailMessage, ev.Response.SMSMessage = subject, email, sms
			return ev, nil
		}
	}
	tests := []struct {
		name             string
		contact          []types.AttributeType
		fn               func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error)
		subject, message string // with CODE for the code
		err              any
	}{
		{name: "email", contact: verifiedEmail, fn: answer("Code {####}", "<a href=\"x#code={####}\">go</a>", "sms {####}"),
			subject: "Code CODE", message: "<a href=\"x#code=CODE\">go</a>"},
		{name: "SMS", contact: verifiedPhone, fn: answer("s", "e {####}", "Your link x#code={####}"),
			message: "Your link x#code=CODE"},
		{name: "an empty answer is Cognito's default", contact: verifiedEmail, fn: answer("", "", ""),
			message: "Your password reset code is CODE."},
		{name: "a message without the code", contact: verifiedPhone, fn: answer("", "", "no code"),
			err: new(*types.InvalidLambdaResponseException)},
		{name: "a failing trigger", contact: verifiedEmail,
			fn: func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
				return events.CognitoEventUserPoolsCustomMessage{}, errors.New("boom")
			},
			err: new(*types.UserLambdaValidationException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := triggerPool(t, tt.contact...)
			f.SetTrigger(triggerARN, tt.fn)
			_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
			if tt.err != nil {
				require.ErrorAs(t, err, tt.err)
				assert.Empty(t, f.Deliveries(), "no code is sent")
				return
			}
			require.NoError(t, err)
			d := f.Deliveries()[0]
			assert.Regexp(t, regexp.MustCompile(`^[0-9]{6}$`), d.Code)
			code := regexp.MustCompile("CODE")
			assert.Equal(t, code.ReplaceAllLiteralString(tt.subject, d.Code), d.Subject)
			assert.Equal(t, code.ReplaceAllLiteralString(tt.message, d.Code), d.Message)
		})
	}
}

func TestFake_WithoutTriggerFunctionSendsNoMessage(t *testing.T) {
	f, pool := triggerPool(t, verifiedEmail...)
	f.SetTrigger(triggerARN, func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		return events.CognitoEventUserPoolsCustomMessage{}, errors.New("removed, never called")
	})
	f.SetTrigger(triggerARN, nil)
	_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
	require.NoError(t, err)
	d := f.Deliveries()[0]
	assert.Equal(t, resetpw.MediumEmail, d.Medium)
	assert.Empty(t, d.Code+d.Subject+d.Message, "the Fake models no message without a trigger function")
}
