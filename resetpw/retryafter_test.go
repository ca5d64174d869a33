package resetpw_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// hintTargets are the Fake itself, and the Fake behind a Server through
// the real SDK client: the hint must be the same on both.
func hintTargets(t *testing.T, f *resetpwtest.Fake) map[string]resetpw.API {
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	return map[string]resetpw.API{"fake": f, "server": srv.Client()}
}

func retryAfterOf(t *testing.T, err error) time.Duration {
	t.Helper()
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	return e.RetryAfter
}

// A reset throttled past its retries says how long to wait: the longest
// wait of the retry it would have made next, base·2ⁿ capped at max (R73).
func TestReset_ThrottledRetryAfterIsTheNextBackoff(t *testing.T) {
	tests := []struct {
		name      string
		retries   int
		base, max time.Duration
		want      time.Duration
	}{
		{name: "no retries: the base", retries: 0, base: 3 * time.Millisecond, max: time.Second, want: 3 * time.Millisecond},
		{name: "two retries: base·4", retries: 2, base: time.Millisecond, max: time.Second, want: 4 * time.Millisecond},
		{name: "capped at max", retries: 3, base: time.Millisecond, max: 5 * time.Millisecond, want: 5 * time.Millisecond},
	}
	for _, tt := range tests {
		for _, name := range []string{"fake", "server"} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				f, pool := bulkWorld(t, 1)
				api := hintTargets(t, f)[name]
				f.FailNext("AdminResetUserPassword", tt.retries+1, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
				r, err := resetpw.New(api, resetpw.WithRetries(tt.retries, tt.base, tt.max))
				require.NoError(t, err)
				_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "user0000"})
				require.ErrorIs(t, err, resetpw.ErrThrottled)
				assert.Equal(t, tt.want, retryAfterOf(t, err))
				assert.Equal(t, tt.retries+1, f.Calls("AdminResetUserPassword"))
			})
		}
	}
}

// A reset refused for the user's attempt limit says to wait an hour, the
// window AWS counts the attempts in (R74).
func TestReset_AttemptLimitRetryAfterIsAnHour(t *testing.T) {
	for _, name := range []string{"fake", "server"} {
		t.Run(name, func(t *testing.T) {
			f, pool := bulkWorld(t, 1)
			f.SetAttemptLimit(1)
			r, err := resetpw.New(hintTargets(t, f)[name])
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "user0000"}
			_, err = r.Reset(context.Background(), req)
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), req)
			require.ErrorIs(t, err, resetpw.ErrAttemptLimit)
			assert.Equal(t, time.Hour, retryAfterOf(t, err))
			assert.Equal(t, time.Hour, resetpwtest.Fail(resetpw.ErrAttemptLimit).RetryAfter, "Fail agrees with the Resetter")
		})
	}
}

// Where no wait is known, RetryAfter is 0: a refusal, an unknown user, the
// daily email cap (the counter does not say when its oldest email ages
// out), an outage.
func TestError_RetryAfterZeroWhenUnknown(t *testing.T) {
	f, pool := bulkWorld(t, 2)
	f.FailNext("AdminGetUser", 1, &types.InternalErrorException{Message: aws.String("boom")})
	r, err := resetpw.New(f, resetpw.WithRetries(0, time.Millisecond, time.Millisecond), resetpw.WithEmailCap(1, quota.NewLocalEmailCounter()))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "user0000"})
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.Zero(t, retryAfterOf(t, err))
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "ghost"})
	require.ErrorIs(t, err, resetpw.ErrUserNotFound)
	assert.Zero(t, retryAfterOf(t, err))
	pool2 := f.AddPool(types.UserPoolType{AccountRecoverySetting: recoveryOf("verified_email")})
	for _, u := range []string{"a", "b"} {
		_, err := f.AddUser(pool2, resetpwtest.User(u, "email", u+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool2, Username: "a"})
	require.NoError(t, err)
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool2, Username: "b"})
	require.ErrorIs(t, err, resetpw.ErrDeliveryConfig, "over the daily email cap")
	assert.Zero(t, retryAfterOf(t, err))
	for _, k := range resetpw.Kinds() {
		if k != resetpw.ErrThrottled && k != resetpw.ErrAttemptLimit {
			assert.Zero(t, resetpwtest.Fail(k).RetryAfter, k.Code())
		}
	}
}

// resetpwtest.Fail's throttled hint is the one a Resetter with
// WithRetries' defaults gives.
func TestFail_ThrottledRetryAfterAgreesWithDefaults(t *testing.T) {
	f, pool := bulkWorld(t, 1)
	f.FailNext("AdminResetUserPassword", 4, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "user0000"})
	require.ErrorIs(t, err, resetpw.ErrThrottled)
	assert.Equal(t, resetpwtest.Fail(resetpw.ErrThrottled).RetryAfter, retryAfterOf(t, err))
	assert.Equal(t, 800*time.Millisecond, retryAfterOf(t, err), "100ms·2³ with the default three retries")
}

// A preflight read throttled past its retries carries its backoff too: the
// hint is the call's, whichever call was throttled.
func TestCheck_ThrottledReadRetryAfterIsTheNextBackoff(t *testing.T) {
	f, pool := bulkWorld(t, 1)
	f.FailNext("AdminGetUser", 2, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
	r, err := resetpw.New(f, resetpw.WithRetries(1, 2*time.Millisecond, time.Second))
	require.NoError(t, err)
	_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "user0000"})
	require.ErrorIs(t, err, resetpw.ErrThrottled)
	assert.Equal(t, 4*time.Millisecond, retryAfterOf(t, err))
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}
