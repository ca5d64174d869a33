package wayout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// target is the Fake itself, or the Server through the real SDK client.
type target struct {
	name string
	api  func(t *testing.T, f *resetpwtest.Fake) wayout.API
}

var targets = []target{
	{"fake", func(_ *testing.T, f *resetpwtest.Fake) wayout.API { return f }},
	{"server", func(t *testing.T, f *resetpwtest.Fake) wayout.API {
		srv := resetpwtest.NewServer(f)
		t.Cleanup(srv.Close)
		return srv.Client()
	}},
}

func user(name string, status types.UserStatusType, enabled bool, attrs ...string) types.UserType {
	u := resetpwtest.User(name, attrs...)
	u.UserStatus, u.Enabled = status, enabled
	return u
}

// The twin cases of a reset (R32), for each way: the identifier is one
// user's username and another user's email or phone number, both users in
// a state the action takes; the action reaches the user whose username it
// is, and leaves the other alone.
func TestWays_ReachTheUserTheUsernameNames(t *testing.T) {
	twins := []struct {
		name, id string
		other    []string
	}{
		{"email-shaped username", "bob@example.com", []string{"email", "bob@example.com", "email_verified", "true"}},
		{"phone-shaped username", "+12065550100", []string{"phone_number", "+12065550100", "phone_number_verified", "true"}},
	}
	for _, tg := range targets {
		for _, tw := range twins {
			for _, action := range []string{"invite again", "temporary password"} {
				t.Run(tg.name+"/"+tw.name+"/"+action, func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{})
					status := types.UserStatusTypeConfirmed
					if action == "invite again" {
						status = types.UserStatusTypeForceChangePassword
					}
					_, err := f.AddUser(pool, user("yuser", status, true, tw.other...))
					require.NoError(t, err)
					_, err = f.AddUser(pool, user(tw.id, status, true, "email", "owner@example.com"))
					require.NoError(t, err)
					w, err := newWays(tg.api(t, f))
					require.NoError(t, err)
					req := resetpw.Request{UserPoolID: pool, Username: tw.id}
					var res *resetpw.Result
					if action == "invite again" {
						res, err = w.InviteAgain(t.Context(), req)
					} else {
						res, err = w.SetTemporaryPassword(t.Context(), req)
					}
					require.NoError(t, err)
					assert.Equal(t, tw.id, res.Username, "the name sent is the username's")
					_, _, touched := f.TemporaryPassword(pool, tw.id)
					assert.True(t, touched, "the username's user has a new temporary password")
					before, _, _ := f.TemporaryPassword(pool, "yuser")
					assert.Empty(t, before, "yuser has none")
					other, err := f.User(pool, "yuser")
					require.NoError(t, err)
					assert.Equal(t, status, other.UserStatus, "yuser untouched")
					for _, d := range f.Deliveries() {
						assert.Equal(t, tw.id, d.Username)
					}
				})
			}
		}
	}
}

// Each way refuses, with nothing sent, the users it can't take, and names
// the way out of a reset's refusal.
func TestWays_Refusals(t *testing.T) {
	tests := []struct {
		name, action string
		user         types.UserType
		pool         types.UserPoolType
		want         error
	}{
		{"invite: confirmed", "invite", user("u", "CONFIRMED", true, "email", "u@example.com", "email_verified", "true"), types.UserPoolType{}, resetpw.ErrUserState},
		{"invite: disabled", "invite", user("u", "FORCE_CHANGE_PASSWORD", false, "email", "u@example.com"), types.UserPoolType{}, resetpw.ErrUserDisabled},
		{"invite: no contact", "invite", user("u", "FORCE_CHANGE_PASSWORD", true), types.UserPoolType{}, resetpw.ErrNoVerifiedContact},
		{"invite: template without the password", "invite", user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com"),
			types.UserPoolType{AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Hi {username}")}}},
			resetpw.ErrDeliveryConfig},
		{"temporary: disabled", "temporary", user("u", "CONFIRMED", false), types.UserPoolType{}, resetpw.ErrUserDisabled},
		{"temporary: federated", "temporary", user("Google_1", "EXTERNAL_PROVIDER", true), types.UserPoolType{}, resetpw.ErrUserState},
		{"temporary: unconfirmed", "temporary", user("u", "UNCONFIRMED", true), types.UserPoolType{}, resetpw.ErrUserState},
		{"temporary: unknown", "temporary", user("someone.else", "CONFIRMED", true), types.UserPoolType{}, resetpw.ErrUserNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(tt.pool)
			_, err := f.AddUser(pool, tt.user)
			require.NoError(t, err)
			w, err := newWays(f)
			require.NoError(t, err)
			name := aws.ToString(tt.user.Username)
			if tt.want == resetpw.ErrUserNotFound {
				name = "ghost"
			}
			req := resetpw.Request{UserPoolID: pool, Username: name}
			var res *resetpw.Result
			if tt.action == "invite" {
				res, err = w.InviteAgain(t.Context(), req)
			} else {
				res, err = w.SetTemporaryPassword(t.Context(), req)
			}
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, res)
			assert.False(t, resetpw.MaybeSent(err))
			assert.Zero(t, f.Calls("AdminCreateUser")+f.Calls("AdminSetUserPassword"), "nothing sent")
		})
	}
}

func TestReset_RefusalNamesItsWayOut(t *testing.T) {
	adminOnly := types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)}}}}
	tests := []struct {
		name string
		pool types.UserPoolType
		user types.UserType
		kind error
		way  resetpw.WayOut
	}{
		{"invitation expired", types.UserPoolType{}, user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com", "email_verified", "true"), resetpw.ErrUserState, wayout.InviteAgain},
		{"unverified email", types.UserPoolType{}, user("u", "CONFIRMED", true, "email", "u@example.com", "email_verified", "false"), resetpw.ErrNoVerifiedContact, wayout.VerifyContact},
		{"no contact at all", types.UserPoolType{}, user("u", "CONFIRMED", true), resetpw.ErrNoVerifiedContact, wayout.TemporaryPassword},
		{"admin_only", adminOnly, user("u", "CONFIRMED", true, "email", "u@example.com", "email_verified", "true"), resetpw.ErrRecoveryNotConfigured, wayout.TemporaryPassword},
		{"disabled: none", types.UserPoolType{}, user("u", "CONFIRMED", false, "email", "u@example.com", "email_verified", "true"), resetpw.ErrUserDisabled, ""},
		{"unconfirmed: none", types.UserPoolType{}, user("u", "UNCONFIRMED", true, "email", "u@example.com"), resetpw.ErrUserState, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(tt.pool)
			_, err := f.AddUser(pool, tt.user)
			require.NoError(t, err)
			var logs bytes.Buffer
			r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "u"})
			require.ErrorIs(t, err, tt.kind)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.way, e.WayOut)
			if tt.way != "" {
				assert.Contains(t, logs.String(), `"way_out":"`+string(tt.way)+`"`)
			}
		})
	}
}

// failingActions answers the ways' requests with answer and serves every
// other request from the Fake, counting the ways' requests.
func failingActions(t *testing.T, f *resetpwtest.Fake, answer http.HandlerFunc) (url string, count func(op string) int) {
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	counts := map[string]int{}
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Header.Get("X-Amz-Target")
		op = op[strings.LastIndexByte(op, '.')+1:]
		if op == "AdminCreateUser" || op == "AdminSetUserPassword" {
			counts[op]++
			answer(w, r)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(h.Close)
	return h.URL, func(op string) int { return counts[op] }
}

func answer500(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-ErrorType", "InternalErrorException")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, `{"__type":"InternalErrorException","message":"An internal error occurred."}`)
}

func sdkClient(url string, optFns ...func(*cip.Options)) *cip.Client {
	return cip.New(cip.Options{Region: "us-west-2", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, optFns...)
}

// No client setting makes a way send its request twice: against an
// endpoint that answers its request with 500, each retry knob, on the
// client and through WithClientOptions, gives one request.
func TestWays_OneRequestUnderEveryRetryKnob(t *testing.T) {
	knobs := []struct {
		name string
		opt  func(*cip.Options)
	}{
		{"RetryMaxAttempts 5", func(o *cip.Options) { o.RetryMaxAttempts = 5 }},
		{"RetryMode adaptive", func(o *cip.Options) {
			o.RetryMode = aws.RetryModeAdaptive
			o.Retryer = retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
				a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) { s.MaxAttempts = 5 })
			})
		}},
		{"custom Retryer, 10 attempts", func(o *cip.Options) {
			o.Retryer = retry.NewStandard(func(s *retry.StandardOptions) { s.MaxAttempts = 10 })
		}},
	}
	for _, action := range []string{"AdminCreateUser", "AdminSetUserPassword"} {
		for _, k := range knobs {
			for _, where := range []string{"client", "WithClientOptions"} {
				t.Run(action+"/"+k.name+"/"+where, func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{})
					status := types.UserStatusTypeForceChangePassword
					if action == "AdminSetUserPassword" {
						status = types.UserStatusTypeConfirmed
					}
					_, err := f.AddUser(pool, user("diego", status, true, "email", "diego@example.com", "email_verified", "true"))
					require.NoError(t, err)
					url, count := failingActions(t, f, answer500)
					opts := []resetpw.Option{resetpw.WithRetries(3, time.Millisecond, time.Millisecond)}
					var client *cip.Client
					if where == "client" {
						client = sdkClient(url, k.opt)
					} else {
						client = sdkClient(url)
						opts = append(opts, resetpw.WithClientOptions(k.opt))
					}
					w, err := newWays(client, opts...)
					require.NoError(t, err)
					req := resetpw.Request{UserPoolID: pool, Username: "diego"}
					if action == "AdminCreateUser" {
						_, err = w.InviteAgain(t.Context(), req)
					} else {
						_, err = w.SetTemporaryPassword(t.Context(), req)
					}
					require.ErrorIs(t, err, resetpw.ErrUnavailable)
					assert.Equal(t, 1, count(action), "one request")
					var e *resetpw.Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, resetpw.FateAnswered, e.Fate)
					assert.True(t, resetpw.MaybeSent(err), "a 5xx may have been processed")
				})
			}
		}
	}
}

// printedForms are the ways a password could show in printed text: as
// it is, escaped by JSON (<, >, &, quote and backslash) and quoted by %q.
func printedForms(pw string) []string {
	j, _ := json.Marshal(pw)
	return []string{pw, strings.Trim(string(j), `"`), strings.Trim(strconv.Quote(pw), `"`)}
}

// passwordsSent records the passwords of the AdminSetUserPassword
// requests, then hands them to the Fake.
type passwordsSent struct {
	*resetpwtest.Fake
	sent []string
}

func (p *passwordsSent) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	p.sent = append(p.sent, aws.ToString(in.Password))
	return p.Fake.AdminSetUserPassword(ctx, in, o...)
}

// A temporary password never appears in an error, a log line at Debug, a
// span, a metric, fmt's verbs or JSON of any value the library returns;
// the user is signed out, and the result says when it expires.
func TestSetTemporaryPassword_TheSecretStaysSecret(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
		MinimumLength: aws.Int32(12), RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3}}})
	_, err := f.AddUser(pool, user("diego", "CONFIRMED", true, "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	var logs bytes.Buffer
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	api := &passwordsSent{Fake: f}
	w, err := newWays(api, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		otelreset.WithTelemetry(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	require.NoError(t, err)
	start := time.Now()
	res, err := w.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	var held wayout.Password = res.TemporaryPassword
	pw := held.Reveal()
	require.GreaterOrEqual(t, len(pw), 20)
	assert.Empty(t, wayout.Password{}.Reveal(), "the zero Password reveals nothing")
	set, expires, ok := f.TemporaryPassword(pool, "diego")
	require.True(t, ok)
	assert.Equal(t, pw, set, "the password the caller holds is the user's")
	assert.WithinDuration(t, start.AddDate(0, 0, 3), res.PasswordExpires, time.Minute)
	assert.WithinDuration(t, expires, res.PasswordExpires, time.Minute)
	assert.True(t, res.SignedOut)
	require.Len(t, f.SignOuts(), 1)
	u, err := f.User(pool, "diego")
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeForceChangePassword, u.UserStatus)

	// An error after it: a failure of the same user's next request.
	f.FailNext("AdminSetUserPassword", 1, &types.InternalErrorException{Message: aws.String("boom")})
	_, failed := w.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.Error(t, failed)

	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, fmt.Sprintf(verb, res), fmt.Sprintf(verb, *res), fmt.Sprintf(verb, res.TemporaryPassword), fmt.Sprintf(verb, failed))
	}
	j, err := json.Marshal(res)
	require.NoError(t, err)
	je, err := json.Marshal(failed)
	require.NoError(t, err)
	out = append(out, string(j), string(je), failed.Error(), logs.String())
	for _, s := range spans.Ended() {
		out = append(out, fmt.Sprint(s.Name(), s.Attributes(), s.Events(), s.Status()))
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	out = append(out, fmt.Sprintf("%+v", rm))
	assert.Contains(t, out[len(out)-1], "cognitoreset.action", "the way is counted as its own action")
	assert.Contains(t, out[len(out)-1], "temporary_password")
	assert.Contains(t, out[len(out)-1], "AdminSetUserPassword", "its request counted under its own operation")
	require.NotEmpty(t, spans.Ended())
	require.Len(t, api.sent, 2, "the password set, and the one of the failed request")
	assert.Equal(t, pw, api.sent[0])
	for _, s := range out {
		for _, sent := range api.sent {
			for _, form := range printedForms(sent) {
				assert.NotContains(t, s, form)
			}
		}
	}
	assert.Contains(t, logs.String(), "temporary password sent")
	assert.NotContains(t, logs.String(), "diego@example.com")
}

// An identifier that is no user's username but one user's verified email
// or phone number names that user, as it does for a reset (R32): each way
// acts on that user, under its own username.
func TestWays_ReadAnAliasAsCognitoDoes(t *testing.T) {
	aliases := []struct {
		name, id string
		attrs    []string
	}{
		{"email", "carol@example.com", []string{"email", "carol@example.com", "email_verified", "true"}},
		{"phone", "+12065550111", []string{"phone_number", "+12065550111", "phone_number_verified", "true"}},
	}
	for _, tg := range targets {
		for _, al := range aliases {
			for _, action := range []string{"invite again", "temporary password"} {
				t.Run(tg.name+"/"+al.name+"/"+action, func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail, types.AliasAttributeTypePhoneNumber},
						// An SMS role: without one, Cognito sends no SMS (R61).
						SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}})
					status := types.UserStatusTypeConfirmed
					if action == "invite again" {
						status = types.UserStatusTypeForceChangePassword
					}
					_, err := f.AddUser(pool, user("carol", status, true, al.attrs...))
					require.NoError(t, err)
					_, err = f.AddUser(pool, user("other", status, true, "email", "other@example.com", "email_verified", "true"))
					require.NoError(t, err)
					w, err := newWays(tg.api(t, f))
					require.NoError(t, err)
					req := resetpw.Request{UserPoolID: pool, Username: al.id}
					var res *resetpw.Result
					if action == "invite again" {
						res, err = w.InviteAgain(t.Context(), req)
					} else {
						res, err = w.SetTemporaryPassword(t.Context(), req)
					}
					require.NoError(t, err)
					assert.Equal(t, "carol", res.Username, "the user the alias names, under its username")
					_, _, touched := f.TemporaryPassword(pool, "carol")
					assert.True(t, touched)
					_, _, other := f.TemporaryPassword(pool, "other")
					assert.False(t, other, "nobody else")
				})
			}
		}
	}
}

// An invitation's log line, span and metrics hold nothing personal: the
// username and the contact masked in the line, absent from the span and
// the metrics; the line and the span name the action.
func TestInviteAgain_NothingPersonal(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("mariana.lopez", "FORCE_CHANGE_PASSWORD", true, "phone_number", "+12065550177", "email", "mariana@example.com"))
	require.NoError(t, err)
	var logs bytes.Buffer
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	w, err := newWays(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		otelreset.WithTelemetry(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	require.NoError(t, err)
	res, err := w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "mariana.lopez",
		ClientMetadata: map[string]string{"ticket": "T-secret-4471"}})
	require.NoError(t, err)
	assert.Equal(t, resetpw.MediumEmail, res.Delivery.Medium, "the email first (R38)")
	require.Len(t, f.Deliveries(), 1)
	assert.Equal(t, "mariana@example.com", f.Deliveries()[0].Destination)

	var telemetry []string
	for _, s := range spans.Ended() {
		telemetry = append(telemetry, fmt.Sprint(s.Name(), s.Attributes(), s.Events(), s.Status()))
	}
	require.NotEmpty(t, telemetry)
	assert.Contains(t, telemetry[len(telemetry)-1], "cognitoreset.InviteAgain")
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	telemetry = append(telemetry, fmt.Sprintf("%+v", rm))
	assert.Contains(t, telemetry[len(telemetry)-1], "AdminCreateUser", "its request counted under its own operation")
	for _, s := range append(telemetry, logs.String()) {
		for _, private := range []string{"mariana", "example.com", "2065550177", "T-secret-4471"} {
			assert.NotContains(t, s, private)
		}
	}
	assert.Contains(t, logs.String(), `"msg":"invitation sent"`)
	assert.Contains(t, logs.String(), `"user":"m***"`)
}

// newWays returns the Ways of a Resetter made with api and opts.
func newWays(api wayout.API, opts ...resetpw.Option) (*wayout.Ways, error) {
	r, err := resetpw.New(api, opts...)
	if err != nil {
		return nil, err
	}
	return wayout.New(r)
}
