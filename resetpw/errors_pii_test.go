package resetpw_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// PII-shaped identifiers and a marker for metadata values: none may appear in
// an error string, its %v or %+v rendering, or a log line.
const (
	leakEmail  = "leaky.person@example.com"
	leakPhone  = "+14155550123"
	leakSub    = "5b0c8a9e-3f1d-4e2a-9c7b-1a2b3c4d5e6f"
	leakName   = "leaky.person"
	leakMarker = "ZZ-METADATA-MARKER-ZZ"
)

var leakSecrets = []string{leakEmail, leakPhone, strings.TrimPrefix(leakPhone, "+"), leakSub, leakName, leakMarker, "4155550123"}

func TestNoPIIInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	f := resetpwtest.NewFake()
	insensitive := &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	plain := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole(), SmsConfigurationFailure: aws.String("SNSSandbox"), UsernameConfiguration: insensitive})
	aliased := f.AddPool(types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"email", "phone_number"}})
	adminOnly := f.AddPool(types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{
		RecoveryMechanisms: []types.RecoveryOptionType{{Name: "admin_only", Priority: aws.Int32(1)}}}})
	add := func(pool string, u types.UserType) {
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	md := map[string]string{"note": leakMarker}
	add(plain, resetpwtest.User(leakName, "sub", leakSub, "phone_number", leakPhone, "phone_number_verified", "true"))
	add(plain, resetpwtest.User("twin1", "email", leakEmail, "email_verified", "true"))
	add(plain, resetpwtest.User("twin2", "email", leakEmail, "email_verified", "true"))
	add(aliased, types.UserType{Username: aws.String(leakName), Enabled: false, Attributes: resetpwtest.User("x", "email", leakEmail, "email_verified", "true").Attributes})
	add(aliased, types.UserType{Username: aws.String("temp." + leakName), Enabled: true, UserStatus: types.UserStatusTypeForceChangePassword,
		Attributes: resetpwtest.User("x", "phone_number", leakPhone, "phone_number_verified", "true").Attributes})
	add(adminOnly, resetpwtest.User(leakName, "email", leakEmail, "email_verified", "true"))

	srv := resetpwtest.NewServer(f)
	defer srv.Close()
	rec, tel := newRecorders(t)
	opts := append([]resetpw.Option{resetpw.WithLogger(logger), resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond)}, tel...)
	full, err := resetpw.New(srv.Client(), opts...)
	require.NoError(t, err)
	off, err := resetpw.New(srv.Client(), append(opts, resetpw.WithPreflight(resetpw.PreflightOff))...)
	require.NoError(t, err)
	down, err := resetpw.New(moto.NewClient("http://127.0.0.1:1", "000000000000"), opts...)
	require.NoError(t, err)

	limitNext := func() {
		f.FailNext("AdminResetUserPassword", 1, &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")})
	}
	cases := []struct {
		name   string
		r      *resetpw.Resetter
		req    resetpw.Request
		kind   error
		before func()
	}{
		{"invalid pool", full, resetpw.Request{UserPoolID: "bad pool " + leakEmail, Username: leakEmail, ClientMetadata: md}, resetpw.ErrConfig, nil},
		{"invalid username", full, resetpw.Request{UserPoolID: plain, Username: leakEmail + " " + leakPhone, ClientMetadata: md}, resetpw.ErrInvalidInput, nil},
		{"sensitive metadata", full, resetpw.Request{UserPoolID: plain, Username: leakEmail, ClientMetadata: map[string]string{"password": leakMarker, "x": leakMarker + strings.Repeat("y", 2000)}}, resetpw.ErrInvalidInput, nil},
		{"metadata value is a phone", full, resetpw.Request{UserPoolID: plain, Username: leakPhone, ClientMetadata: map[string]string{"token": leakPhone}}, resetpw.ErrInvalidInput, nil},
		{"unknown pool", full, resetpw.Request{UserPoolID: "us-west-2_nope", Username: leakEmail, ClientMetadata: md}, resetpw.ErrPoolNotFound, nil},
		{"ambiguous email", full, resetpw.Request{UserPoolID: plain, Username: leakEmail, ClientMetadata: md}, resetpw.ErrAmbiguousAlias, nil},
		{"unknown sub", full, resetpw.Request{UserPoolID: aliased, Username: leakSub, ClientMetadata: md}, resetpw.ErrUserNotFound, nil},
		{"unknown phone", full, resetpw.Request{UserPoolID: adminOnly, Username: "+14155550199", ClientMetadata: md}, resetpw.ErrRecoveryNotConfigured, nil},
		{"sms sandbox by sub", full, resetpw.Request{UserPoolID: plain, Username: leakSub, ClientMetadata: md}, resetpw.ErrSMSSandbox, nil},
		{"sms sandbox by name, any case", full, resetpw.Request{UserPoolID: plain, Username: strings.ToUpper(leakName), ClientMetadata: md}, resetpw.ErrSMSSandbox, nil},
		{"disabled by email alias", full, resetpw.Request{UserPoolID: aliased, Username: leakEmail, ClientMetadata: md}, resetpw.ErrUserDisabled, nil},
		{"state by phone alias", full, resetpw.Request{UserPoolID: aliased, Username: leakPhone, ClientMetadata: md}, resetpw.ErrUserState, nil},
		{"admin only", full, resetpw.Request{UserPoolID: adminOnly, Username: leakName, ClientMetadata: md}, resetpw.ErrRecoveryNotConfigured, nil},
		{"cognito: disabled", off, resetpw.Request{UserPoolID: aliased, Username: leakEmail, ClientMetadata: md}, resetpw.ErrUserDisabled, nil},
		{"cognito: state", off, resetpw.Request{UserPoolID: aliased, Username: leakPhone, ClientMetadata: md}, resetpw.ErrUserState, nil},
		{"cognito: unknown user", off, resetpw.Request{UserPoolID: aliased, Username: leakSub, ClientMetadata: md}, resetpw.ErrUserNotFound, nil},
		{"cognito: admin only", off, resetpw.Request{UserPoolID: adminOnly, Username: leakName, ClientMetadata: md}, resetpw.ErrRecoveryNotConfigured, nil},
		{"unreachable", down, resetpw.Request{UserPoolID: plain, Username: leakEmail, ClientMetadata: md}, resetpw.ErrUnavailable, nil},
		{"attempt limit", off, resetpw.Request{UserPoolID: plain, Username: leakName, ClientMetadata: md}, resetpw.ErrAttemptLimit, limitNext},
	}

	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			_, err := tt.r.Reset(context.Background(), tt.req)
			require.ErrorIs(t, err, tt.kind)
			for _, rendering := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprint(err)} {
				for _, s := range leakSecrets {
					assert.NotContains(t, rendering, s)
				}
			}
		})
	}

	// The bulk path, too.
	_, err = bulk.Run(context.Background(), full, bulk.Requests(requests(plain, leakEmail, leakSub, leakName)), bulk.Options{}, func(o bulk.Outcome) {
		require.Error(t, o.Err)
		for _, s := range leakSecrets {
			assert.NotContains(t, o.Err.Error(), s)
		}
	})
	require.NoError(t, err)

	require.NotEmpty(t, logs.String())
	assert.Equal(t, len(cases)+3, strings.Count(logs.String(), "password reset"), "one line per reset")
	assert.Contains(t, logs.String(), "cognito call retried", "retries are logged too, and checked for leaks")
	for _, s := range leakSecrets {
		assert.NotContains(t, logs.String(), s)
	}

	assertNoPIIInTelemetry(t, rec, full, plain, aliased, md)
}

// assertNoPIIInTelemetry runs the other operations too (Check, a sent
// Reset, Plan, PlanPool, CheckPool), then finds none of the secrets,
// masked or not, in any span name, attribute, event, status or metric
// label that rec recorded.
func assertNoPIIInTelemetry(t *testing.T, rec *recorders, full *resetpw.Resetter, plain, aliased string, md map[string]string) {
	t.Helper()
	_, err := full.Check(context.Background(), resetpw.Request{UserPoolID: aliased, Username: leakEmail, ClientMetadata: md})
	require.Error(t, err)
	sent, err := full.Reset(context.Background(), resetpw.Request{UserPoolID: plain, Username: "twin1", ClientMetadata: md})
	require.NoError(t, err)
	require.NotNil(t, sent.Delivery, "a masked destination the spans must not hold")
	_, err = bulk.Plan(context.Background(), full, bulk.Requests(requests(plain, leakEmail, leakSub, leakName)), bulk.Options{}, nil)
	require.NoError(t, err)
	_, err = bulk.PlanPool(context.Background(), full, plain, bulk.Options{}, nil)
	require.NoError(t, err)
	_, err = full.CheckPool(context.Background(), plain)
	require.NoError(t, err)
	telemetry := recordedText(t, rec)
	assert.Contains(t, telemetry, "cognitoreset.PlanPool", "every span is rendered")
	assert.Contains(t, telemetry, "cognitoreset.cognito.calls", "every metric is rendered")
	for _, line := range strings.Split(telemetry, "\n") {
		for _, s := range append(leakSecrets, alias.Mask(leakEmail), alias.Mask(leakPhone), "@") {
			assert.NotContains(t, line, s, "no personal data, masked or not")
		}
	}
}

// recordedText renders every recorded span (name, attributes, events,
// status, links) and every metric point with its attributes.
func recordedText(t *testing.T, rec *recorders) string {
	t.Helper()
	var b strings.Builder
	for _, s := range rec.ended() {
		fmt.Fprintf(&b, "%s %v %v %v %v\n", s.Name(), s.Attributes(), s.Events(), s.Status(), s.Links())
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, rec.reader.Collect(context.Background(), &rm))
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Fprintf(&b, "%s %s %+v\n", m.Name, m.Description, m.Data)
			for _, set := range pointSets(m.Data) {
				b.WriteString(attrString(set) + "\n")
			}
		}
	}
	return b.String()
}

// pointSets are the attribute sets of a metric's points.
func pointSets(data metricdata.Aggregation) []attribute.Set {
	var sets []attribute.Set
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			sets = append(sets, p.Attributes)
		}
	}
	return sets
}
