package resetpwtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
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
// message trigger and sends email through SES (DEVELOPER, which a trigger's
// email message needs), with a user holding the contact given.
func triggerPool(t *testing.T, attrs ...types.AttributeType) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(triggerARN)},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper},
		SmsConfiguration:   smsRole}) // an SMS role: the pool can send SMS (R61)
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
	f.SetTrigger(triggerARN, lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		got = ev
		ev.Response.EmailMessage, ev.Response.EmailSubject = "Code {####}", "Reset"
		return ev, nil
	}))
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

// rawTrigger is a Lambda that answers with the JSON it returns.
type rawTrigger func(ctx context.Context, payload []byte) ([]byte, error)

func (f rawTrigger) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

func TestFake_SetTriggerAnswerBecomesTheDelivery(t *testing.T) {
	answer := func(subject, email, sms string) lambda.Handler {
		return lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
			ev.Response.EmailSubject, ev.Response.EmailMessage, ev.Response.SMSMessage = subject, email, sms
			return ev, nil
		})
	}
	// response answers with the event, its response replaced by r.
	response := func(r string) lambda.Handler {
		return rawTrigger(func(_ context.Context, payload []byte) ([]byte, error) {
			var ev map[string]any
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			ev["response"] = json.RawMessage(r)
			return json.Marshal(ev)
		})
	}
	invalid := new(*types.InvalidParameterException)
	tests := []struct {
		name             string
		contact          []types.AttributeType
		fn               lambda.Handler
		subject, message string // with CODE for the code
		err              any
		errText          string // in the error's message
	}{
		{name: "email", contact: verifiedEmail, fn: answer("Code {####}", "<a href=\"x#code={####}\">go</a>", "sms {####}"),
			subject: "Code CODE", message: "<a href=\"x#code=CODE\">go</a>"},
		{name: "SMS", contact: verifiedPhone, fn: answer("s", "e {####}", "Your link x#code={####}"),
			message: "Your link x#code=CODE"},
		{name: "null messages are Cognito's default", contact: verifiedEmail,
			fn:      response(`{"emailMessage":null,"emailSubject":null,"smsMessage":null}`),
			message: "Your password reset code is CODE."},
		{name: "the event returned as it came is Cognito's default", contact: verifiedPhone,
			fn:      rawTrigger(func(_ context.Context, payload []byte) ([]byte, error) { return payload, nil }),
			message: "Your password reset code is CODE."},
		{name: "a null subject is no subject", contact: verifiedEmail,
			fn:      response(`{"emailMessage":"Code {####}","emailSubject":null}`),
			message: "Code CODE"},
		{name: "empty messages are refused, not Cognito's default", contact: verifiedEmail, fn: answer("", "", ""),
			err: invalid, errText: "The message is empty."},
		{name: "an empty subject is refused", contact: verifiedEmail, fn: answer("", "Code {####}", ""),
			err: invalid, errText: "The message is empty."},
		{name: "an empty SMS is refused", contact: verifiedPhone, fn: answer("s", "e {####}", ""),
			err: invalid, errText: "The message is empty."},
		{name: "an SMS without the code", contact: verifiedPhone, fn: answer("", "", "no code"),
			err: invalid, errText: `at 'smsMessage' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\{####\}.*`},
		{name: "an email body without the code", contact: verifiedEmail, fn: answer("s", "no code here", ""),
			err: invalid, errText: `at 'emailBody' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*`},
		{name: "a no-break space in the body", contact: verifiedEmail, fn: answer("s", "Code\u00a0{####}", ""),
			err: invalid, errText: "at 'emailBody' failed to satisfy constraint"},
		{name: "a zero-width space in the body", contact: verifiedEmail, fn: answer("s", "Code {####}\u200b", ""),
			err: invalid, errText: "at 'emailBody'"},
		{name: "a soft hyphen in the subject", contact: verifiedEmail, fn: answer("Re\u00adset", "Code {####}", ""),
			err: invalid, errText: `at 'emailSubject' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}\s]+`},
		{name: "a subject longer than 140 characters", contact: verifiedEmail, fn: answer(strings.Repeat("s", 141), "Code {####}", ""),
			err: invalid, errText: "Member must have length less than or equal to 140"},
		{name: "an SMS of 140 UTF-16 units is within the limit", contact: verifiedPhone,
			fn: answer("", "", "{####}"+strings.Repeat("é", 134)), message: "CODE" + strings.Repeat("é", 134)},
		{name: "an SMS over 140 UTF-16 units, under 140 runes", contact: verifiedPhone,
			fn:  answer("", "", "{####}"+strings.Repeat("😀", 68)),
			err: invalid, errText: "Member must have length less than or equal to 140"},
		{name: "an answer that isn't the event", contact: verifiedEmail, fn: rawTrigger(func(context.Context, []byte) ([]byte, error) {
			return []byte(`"hello"`), nil
		}), err: new(*types.InvalidLambdaResponseException)},
		{name: "a failing trigger", contact: verifiedEmail,
			fn: lambda.NewHandler(func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
				return events.CognitoEventUserPoolsCustomMessage{}, errors.New("boom")
			}),
			err: new(*types.UserLambdaValidationException), errText: "CustomMessage failed with error boom."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := triggerPool(t, tt.contact...)
			f.SetTrigger(triggerARN, tt.fn)
			_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
			if tt.err != nil {
				require.ErrorAs(t, err, tt.err)
				assert.Contains(t, err.Error(), tt.errText)
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

func TestFake_SetTriggerTimesOutAfterFiveSecondsThreeTimes(t *testing.T) {
	tests := []struct {
		name     string
		slow     int // attempts that answer after the timeout
		attempts int
		err      any
	}{
		{name: "in time", slow: 0, attempts: 1},
		{name: "late once, then in time", slow: 1, attempts: 2},
		{name: "late twice, then in time", slow: 2, attempts: 3},
		{name: "late three times", slow: 3, attempts: 3, err: new(*types.UnexpectedLambdaException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := triggerPool(t, verifiedEmail...)
				var mu sync.Mutex
				attempts := 0
				var waited []time.Duration
				f.SetTrigger(triggerARN, lambda.NewHandler(func(ctx context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
					mu.Lock()
					attempts++
					n := attempts
					mu.Unlock()
					if n <= tt.slow {
						start := time.Now()
						<-ctx.Done() // never answers: Cognito gives up on it
						mu.Lock()
						waited = append(waited, time.Since(start))
						mu.Unlock()
						return ev, ctx.Err()
					}
					ev.Response.EmailMessage, ev.Response.EmailSubject = "Code {####}", "Reset"
					return ev, nil
				}))
				_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
				synctest.Wait()
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, tt.attempts, attempts)
				for _, w := range waited {
					assert.Equal(t, 5*time.Second, w, "each attempt has five seconds")
				}
				if tt.err != nil {
					require.ErrorAs(t, err, tt.err)
					assert.Empty(t, f.Deliveries())
					return
				}
				require.NoError(t, err)
				assert.Len(t, f.Deliveries(), 1)
			})
		})
	}
}

func TestFake_WithoutTriggerFunctionSendsNoMessage(t *testing.T) {
	f, pool := triggerPool(t, verifiedEmail...)
	f.SetTrigger(triggerARN, lambda.NewHandler(func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		return events.CognitoEventUserPoolsCustomMessage{}, errors.New("removed, never called")
	}))
	f.SetTrigger(triggerARN, nil)
	_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
	require.NoError(t, err)
	d := f.Deliveries()[0]
	assert.Equal(t, resetpw.MediumEmail, d.Medium)
	assert.Empty(t, d.Subject+d.Message, "the Fake models no message without a trigger function")
	assert.Regexp(t, `^[0-9]{6}$`, d.Code, "the code sent, which ConfirmForgotPassword takes (R63)")
}

func TestFake_SetTriggerEmailMessageNeedsADeveloperPool(t *testing.T) {
	tests := []struct {
		name    string
		contact []types.AttributeType
		answer  string // the response
		err     bool
	}{
		{"an email message", verifiedEmail, `{"emailMessage":"Code {####}","emailSubject":null,"smsMessage":null}`, true},
		{"an email subject", verifiedEmail, `{"emailMessage":null,"emailSubject":"Reset","smsMessage":null}`, true},
		{"an email message, the code going by SMS", verifiedPhone, `{"emailMessage":"Code {####}","smsMessage":"Code {####}"}`, true},
		{"an SMS only", verifiedPhone, `{"emailMessage":null,"emailSubject":null,"smsMessage":"Code {####}"}`, false},
		{"nothing: Cognito's own email", verifiedEmail, `{"emailMessage":null,"emailSubject":null,"smsMessage":null}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(triggerARN)},
				SmsConfiguration: smsRole}) // Cognito's own email, an SMS role (R61)
			_, err := f.AddUser(pool, types.UserType{Username: aws.String("ana"), Attributes: tt.contact,
				Enabled: true, UserStatus: types.UserStatusTypeConfirmed})
			require.NoError(t, err)
			f.SetTrigger(triggerARN, rawTrigger(func(_ context.Context, payload []byte) ([]byte, error) {
				var ev map[string]any
				if err := json.Unmarshal(payload, &ev); err != nil {
					return nil, err
				}
				ev["response"] = json.RawMessage(tt.answer)
				return json.Marshal(ev)
			}))
			_, err = f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana")})
			if tt.err {
				require.ErrorAs(t, err, new(*types.InvalidLambdaResponseException))
				assert.Empty(t, f.Deliveries())
				return
			}
			require.NoError(t, err)
			assert.Len(t, f.Deliveries(), 1)
		})
	}
}
