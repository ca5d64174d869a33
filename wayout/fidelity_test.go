package wayout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// A RESEND whose message fails (CodeDeliveryFailureException) has acted
// anyway: the old temporary password is replaced (R40, R62). The error
// says so: it may have been sent, and its text says the old password may
// no longer work.
func TestInviteAgain_FailedDeliveryMayHaveReplacedThePassword(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, user("diego", "FORCE_CHANGE_PASSWORD", true, "email", "diego@example.com"))
			require.NoError(t, err)
			_, err = f.AdminCreateUser(t.Context(), &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("diego"),
				MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
			require.NoError(t, err)
			before, _, ok := f.TemporaryPassword(pool, "diego")
			require.True(t, ok)
			f.FailNext("AdminCreateUser", 1, &types.CodeDeliveryFailureException{Message: aws.String("Unable to deliver message")})
			w, err := newWays(tg.api(t, f))
			require.NoError(t, err)
			res, err := w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
			assert.Nil(t, res)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.FateAnswered, e.Fate)
			assert.True(t, resetpw.MaybeSent(err), "not reported as nothing sent")
			assert.Contains(t, err.Error(), "old temporary password may no longer work")
			after, _, ok := f.TemporaryPassword(pool, "diego")
			require.True(t, ok)
			assert.NotEqual(t, before, after, "the Fake acted before the message failed")
			d := f.Deliveries()
			require.Len(t, d, 2)
			assert.True(t, d[1].Dropped)
		})
	}
}

// invitesSent records the TemporaryPassword of each AdminCreateUser
// request, then hands it to the Fake.
type invitesSent struct {
	*resetpwtest.Fake
	mu   sync.Mutex
	sent []*string
}

func (p *invitesSent) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, o ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	p.mu.Lock()
	p.sent = append(p.sent, in.TemporaryPassword)
	p.mu.Unlock()
	return p.Fake.AdminCreateUser(ctx, in, o...)
}

// RESEND carries a temporary password the library made (R44: HTML-safe,
// never ending in a symbol, meeting the policy), not one Cognito makes,
// and the Result does not hold it: the invitation does.
func TestInviteAgain_SendsAnHTMLSafePasswordOfItsOwn(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
		MinimumLength: aws.Int32(30), RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true}}})
	_, err := f.AddUser(pool, user("diego", "FORCE_CHANGE_PASSWORD", true, "email", "diego@example.com"))
	require.NoError(t, err)
	api := &invitesSent{Fake: f}
	w, err := newWays(api)
	require.NoError(t, err)
	for range 20 {
		res, err := w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err)
		assert.Empty(t, res.TemporaryPassword.Reveal(), "the invitation carries it, not the Result")
	}
	require.Len(t, api.sent, 20)
	for _, sent := range api.sent {
		require.NotNil(t, sent, "a TemporaryPassword of the library's")
		pw := *sent
		assert.GreaterOrEqual(t, len(pw), 30)
		assert.False(t, strings.ContainsAny(pw, `<>&"'`), "HTML-safe")
		assert.Regexp(t, `[A-Za-z0-9]$`, pw, "no trailing symbol")
	}
	last, _, ok := f.TemporaryPassword(pool, "diego")
	require.True(t, ok)
	assert.Equal(t, *api.sent[len(api.sent)-1], last)
}

// A temporary password's expiry (R43): the policy's
// TemporaryPasswordValidityDays; when 0, the legacy
// UnusedAccountValidityDays; else 7. The result says what the Fake keeps.
func TestWays_PasswordExpiresFallsBackToUnusedAccountValidity(t *testing.T) {
	tests := []struct {
		name           string
		policy, unused int32
		days           int
	}{
		{"neither: 7", 0, 0, 7},
		{"the legacy setting", 0, 4, 4},
		{"the policy first", 3, 4, 3},
	}
	for _, tt := range tests {
		for _, action := range []string{"invite again", "temporary password"} {
			t.Run(tt.name+"/"+action, func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{
					Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8),
						RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, TemporaryPasswordValidityDays: tt.policy}},
					AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: tt.unused}})
				status := types.UserStatusTypeConfirmed
				if action == "invite again" {
					status = types.UserStatusTypeForceChangePassword
				}
				_, err := f.AddUser(pool, user("diego", status, true, "email", "diego@example.com", "email_verified", "true"))
				require.NoError(t, err)
				w, err := newWays(f)
				require.NoError(t, err)
				start := time.Now()
				req := resetpw.Request{UserPoolID: pool, Username: "diego"}
				var res *resetpw.Result
				if action == "invite again" {
					res, err = w.InviteAgain(t.Context(), req)
				} else {
					res, err = w.SetTemporaryPassword(t.Context(), req)
				}
				require.NoError(t, err)
				assert.WithinDuration(t, start.AddDate(0, 0, tt.days), res.PasswordExpires, time.Minute)
				_, expires, ok := f.TemporaryPassword(pool, "diego")
				require.True(t, ok)
				assert.WithinDuration(t, expires, res.PasswordExpires, time.Minute)
			})
		}
	}
}

// categories records the quota category of every call a Limiter paces.
type categories struct {
	mu  sync.Mutex
	got []quota.Category
}

func (c *categories) Wait(_ context.Context, cat quota.Category) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, cat)
	return nil
}

// AdminSetUserPassword changes a user's password: it is paced in
// UserAccountRecovery ("operations that … change or update a user's
// password", R49), its sign-out in UserUpdate; RESEND in UserCreation.
func TestWays_ArePacedInTheirQuotaCategories(t *testing.T) {
	for _, tt := range []struct {
		action string
		want   []quota.Category
	}{
		{"invite again", []quota.Category{quota.CategoryUserCreation}},
		{"temporary password", []quota.Category{quota.CategoryUserAccountRecovery, quota.CategoryUserUpdate}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			status := types.UserStatusTypeConfirmed
			if tt.action == "invite again" {
				status = types.UserStatusTypeForceChangePassword
			}
			_, err := f.AddUser(pool, user("diego", status, true, "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			lim := &categories{}
			w, err := newWays(f, resetpw.WithLimiter(lim))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "diego"}
			if tt.action == "invite again" {
				_, err = w.InviteAgain(t.Context(), req)
			} else {
				_, err = w.SetTemporaryPassword(t.Context(), req)
			}
			require.NoError(t, err)
			var writes []quota.Category
			for _, c := range lim.got {
				switch c {
				case quota.CategoryUserRead, quota.CategoryUserList, quota.CategoryUserPoolRead:
				default:
					writes = append(writes, c)
				}
			}
			assert.Equal(t, tt.want, writes)
		})
	}
}

// In a pool with a custom message trigger, the trigger's message replaces
// the template's (R38): a template without {####} does not refuse the
// invitation, which carries the trigger's caveat (R14), and the Fake sends
// the trigger's message.
func TestInviteAgain_ACustomMessageTriggerSuppliesTheMessage(t *testing.T) {
	const arn = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(arn)},
		// DEVELOPER: a trigger's email message needs it (R54).
		EmailConfiguration:    &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Hi {username}")}}})
	_, err := f.AddUser(pool, user("diego", "FORCE_CHANGE_PASSWORD", true, "email", "diego@example.com"))
	require.NoError(t, err)
	f.SetTrigger(arn, lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		ev.Response.EmailSubject = "Welcome"
		ev.Response.EmailMessage = "Hi " + ev.Request.UsernameParameter + ", your password is " + ev.Request.CodeParameter
		return ev, nil
	}))
	w, err := newWays(f)
	require.NoError(t, err)
	res, err := w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	var codes []resetpw.CaveatCode
	for _, c := range res.Caveats {
		codes = append(codes, c.Code)
	}
	assert.Contains(t, codes, resetpw.CaveatCustomMessage)
	require.Len(t, f.Deliveries(), 1)
	assert.False(t, f.Deliveries()[0].Dropped)
	assert.Equal(t, "Hi diego, your password is {####}", f.Deliveries()[0].Message)
}

// The temporary password InviteAgain sends appears in no log line at
// Debug, span, error, fmt verb or JSON of what it returns, whether the
// request succeeds or fails.
func TestInviteAgain_ItsPasswordAppearsNowhere(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("diego", "FORCE_CHANGE_PASSWORD", true, "email", "diego@example.com"))
	require.NoError(t, err)
	var logs bytes.Buffer
	spans := tracetest.NewSpanRecorder()
	api := &invitesSent{Fake: f}
	w, err := newWays(api, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		otelreset.WithTelemetry(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), sdkmetric.NewMeterProvider()))
	require.NoError(t, err)
	req := resetpw.Request{UserPoolID: pool, Username: "diego"}
	res, err := w.InviteAgain(t.Context(), req)
	require.NoError(t, err)
	f.FailNext("AdminCreateUser", 1, &types.CodeDeliveryFailureException{Message: aws.String("Unable to deliver message")})
	_, failed := w.InviteAgain(t.Context(), req)
	require.Error(t, failed)

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, fmt.Sprintf(verb, res), fmt.Sprintf(verb, *res), fmt.Sprintf(verb, failed))
	}
	j, err := json.Marshal(res)
	require.NoError(t, err)
	out = append(out, string(j), failed.Error(), logs.String())
	for _, s := range spans.Ended() {
		out = append(out, fmt.Sprint(s.Name(), s.Attributes(), s.Events(), s.Status()))
	}
	require.Len(t, api.sent, 2)
	for _, sent := range api.sent {
		require.NotNil(t, sent)
		for _, s := range out {
			for _, form := range printedForms(*sent) {
				assert.NotContains(t, s, form)
			}
		}
	}
}
