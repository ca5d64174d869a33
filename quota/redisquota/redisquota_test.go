package redisquota_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/internal/redistest"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/quota/redisquota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestMain(m *testing.M) { os.Exit(redistest.Run(m)) }

// scale multiplies Cognito's quotas on the test server; the shared budget
// is 95% of each scaled quota.
const scale = 10

func sharedRates() map[quota.Category]float64 {
	return map[quota.Category]float64{
		quota.CategoryUserAccountRecovery: 0.95 * 30 * scale,
		quota.CategoryUserRead:            0.95 * 120 * scale,
		quota.CategoryUserList:            0.95 * 30 * scale,
		quota.CategoryUserPoolRead:        0.95 * 15 * scale,
		quota.CategoryUserUpdate:          0.95 * 25 * scale,
		quota.CategoryUserCreation:        0.95 * 50 * scale,
	}
}

// world is one resetpwtest.Server enforcing the quotas ×scale, with n users
// named prefix0000.. in a pool on its own SES.
func world(t *testing.T, n int, prefixes ...string) (*resetpwtest.Fake, *resetpwtest.Server, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for _, p := range prefixes {
		for i := range n {
			name := fmt.Sprintf("%s%04d", p, i)
			_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
			require.NoError(t, err)
		}
	}
	f.EnableQuotas(scale)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv, pool
}

func requests(pool, prefix string, n int) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for i := range n {
			if !yield(resetpw.Request{UserPoolID: pool, Username: fmt.Sprintf("%s%04d", prefix, i)}) {
				return
			}
		}
	}
}

// twoRuns runs two bulk jobs at once, each with its own Resetter and SDK
// client, each asking for 95% of the scaled quota, with a limiter each made
// by limiter (nil: the runs pace themselves).
func twoRuns(t *testing.T, n int, limiter func() quota.Limiter) (sums [2]bulk.Summary, throttledAnswers int, elapsed time.Duration) {
	f, srv, pool := world(t, n, "a", "b")
	var wg sync.WaitGroup
	start := time.Now()
	for i, prefix := range []string{"a", "b"} {
		wg.Go(func() {
			r, err := resetpw.New(srv.Client(), resetpw.WithRetries(3, 100*time.Millisecond, 2*time.Second))
			require.NoError(t, err)
			opts := bulk.Options{Concurrency: 16, QuotaScale: scale, Rates: map[quota.Category]float64{
				quota.CategoryUserAccountRecovery: 0.95 * 30 * scale, quota.CategoryUserRead: 0.95 * 120 * scale,
				quota.CategoryUserPoolRead: 0.95 * 15 * scale}}
			if limiter != nil {
				opts.Limiter = limiter()
			}
			sum, err := bulk.Run(context.Background(), r, bulk.Requests(requests(pool, prefix, n)), opts, nil)
			require.NoError(t, err)
			sums[i] = sum
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	resets := srv.Calls("AdminResetUserPassword")
	throttledAnswers = resets - len(f.Deliveries())
	t.Logf("%d resets delivered in %v (%.0f/s, %.0f%% of the scaled quota), %d throttled answers, %d AdminResetUserPassword requests",
		len(f.Deliveries()), elapsed.Round(time.Millisecond), float64(len(f.Deliveries()))/elapsed.Seconds(),
		100*float64(len(f.Deliveries()))/elapsed.Seconds()/(30*scale), throttledAnswers, resets)
	return sums, throttledAnswers, elapsed
}

// Two bulk runs in one account share one budget through Redis: together
// they stay under the quota, and nothing is throttled. (That they take as
// long as one budget allows, and that without it the same two runs are
// throttled, are wall-clock checks: redisquota_walltime_test.go.)
func TestSharedBudget(t *testing.T) {
	sums, throttled, _ := twoRuns(t, sharedBudgetUsers, sharedLimiter(t))
	assert.Zero(t, throttled, "together at or under the quota")
	for _, s := range sums {
		assert.Equal(t, sharedBudgetUsers, s.Sent, "%v", s.ByKind)
		assert.Zero(t, s.ByKind[resetpw.ErrThrottled])
	}
}

// sharedBudgetUsers is how many users each of the two runs resets.
const sharedBudgetUsers = 300

// sharedLimiter returns a maker of limiters on one Redis budget of the
// test's own.
func sharedLimiter(t *testing.T) func() quota.Limiter {
	rdb := redistest.Client(t)
	prefix := redistest.Prefix(t)
	return func() quota.Limiter {
		l, err := redisquota.New(rdb, redisquota.Options{Account: "123456789012", Region: "us-west-2", Rates: sharedRates(), KeyPrefix: prefix})
		require.NoError(t, err)
		return l
	}
}

// The key names the account, the Region and the category: other accounts
// and Regions have budgets of their own.
func TestKeys(t *testing.T) {
	rdb := redistest.Client(t)
	ctx := context.Background()
	prefix := redistest.Prefix(t)
	for _, region := range []string{"us-west-2", "eu-west-1"} {
		l, err := redisquota.New(rdb, redisquota.Options{Account: "123456789012", Region: region, KeyPrefix: prefix})
		require.NoError(t, err)
		require.NoError(t, l.Wait(ctx, quota.CategoryUserAccountRecovery))
	}
	keys, err := rdb.Keys(ctx, "*"+prefix+":*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"rate:" + prefix + ":123456789012:us-west-2:UserAccountRecovery",
		"rate:" + prefix + ":123456789012:eu-west-1:UserAccountRecovery"}, keys, "redis_rate puts rate: first")
	// Without a prefix, keys start cognitoreset:.
	l, err := redisquota.New(rdb, redisquota.Options{Account: "000000000000", Region: "us-west-2"})
	require.NoError(t, err)
	require.NoError(t, l.Wait(ctx, quota.CategoryUserRead))
	n, err := rdb.Exists(ctx, "rate:cognitoreset:000000000000:us-west-2:UserRead").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

func TestNew_Options(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, o := range []redisquota.Options{
		{Region: "us-west-2"},
		{Account: "123456789012"},
		{Account: "1", Region: "r", Rates: map[quota.Category]float64{quota.CategoryUserRead: 0}},
		{Account: "1", Region: "r", Rates: map[quota.Category]float64{quota.CategoryUserRead: -3}},
		{Account: "1", Region: "r", OnError: redisquota.FallBack},
		{Account: "1", Region: "r", OnError: 7},
	} {
		_, err := redisquota.New(rdb, o)
		assert.ErrorIs(t, err, resetpw.ErrConfig, "%+v", o)
	}
	_, err := redisquota.New(nil, redisquota.Options{Account: "1", Region: "r"})
	assert.ErrorIs(t, err, resetpw.ErrConfig)

	// The categories Rates does not name take quota.DefaultRates, so
	// FallBack needs a fallback rate for each of them.
	fallback := quota.DefaultRates()
	delete(fallback, quota.CategoryUserUpdate)
	_, err = redisquota.New(rdb, redisquota.Options{Account: "1", Region: "r", OnError: redisquota.FallBack, FallbackRates: fallback})
	require.ErrorIs(t, err, resetpw.ErrConfig)
	assert.ErrorContains(t, err, "FallbackRates[UserUpdate]")
	l, err := redisquota.New(rdb, redisquota.Options{Account: "1", Region: "r", OnError: redisquota.FallBack, FallbackRates: quota.DefaultRates()})
	require.NoError(t, err)
	_, adaptive := any(l).(quota.AdaptiveLimiter)
	assert.False(t, adaptive, "the shared budget does not adapt")
}

// Redis goes away in the middle of a run: with FallBack the run finishes at
// the fallback rate; with Refuse it stops with ErrUnavailable. Either way no
// reset goes out unpaced (the server, whose quota is just above the budget,
// would throttle a burst), and every input has an outcome.
func TestRedisGoesAway(t *testing.T) {
	for _, mode := range []redisquota.OnError{redisquota.FallBack, redisquota.Refuse} {
		t.Run(map[redisquota.OnError]string{redisquota.FallBack: "fall back", redisquota.Refuse: "refuse"}[mode], func(t *testing.T) {
			addr, stop, err := redistest.Start()
			if errors.Is(err, redistest.ErrNotInstalled) {
				t.Skip(err)
			}
			require.NoError(t, err)
			defer stop()
			rdb := redistest.NewClient(addr)
			defer rdb.Close()
			const n = 120
			f, srv, pool := world(t, n, "u")
			lim, err := redisquota.New(rdb, redisquota.Options{Account: "123456789012", Region: "us-west-2", Rates: sharedRates(),
				OnError: mode, FallbackRates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 100,
					quota.CategoryUserRead: 400, quota.CategoryUserList: 100, quota.CategoryUserPoolRead: 50, quota.CategoryUserUpdate: 80, quota.CategoryUserCreation: 160}})
			require.NoError(t, err)
			r, err := resetpw.New(srv.Client(), resetpw.WithLimiter(lim), resetpw.WithRetries(0, 100*time.Millisecond, 2*time.Second))
			require.NoError(t, err)
			outcomes, deliveredAtKill := 0, -1
			sum, err := bulk.Run(context.Background(), r, bulk.Requests(requests(pool, "u", n)), bulk.Options{Concurrency: 8, QuotaScale: scale}, func(o bulk.Outcome) {
				outcomes++
				if outcomes == 40 {
					stop() // Redis goes away
					deliveredAtKill = len(f.Deliveries())
				}
			})
			assert.Equal(t, n, outcomes+(n-sum.Read), "an outcome for every input read")
			assert.Equal(t, sum.Read, sum.Done)
			throttled := srv.Calls("AdminResetUserPassword") - len(f.Deliveries())
			assert.Zero(t, throttled, "no reset went out unpaced")
			if mode == redisquota.FallBack {
				require.NoError(t, err)
				assert.Equal(t, n, sum.Sent, "%v", sum.ByKind)
				return
			}
			require.ErrorIs(t, err, resetpw.ErrRunStopped)
			require.ErrorIs(t, err, resetpw.ErrUnavailable, "the breaker stopped the run on the limiter's failures")
			assert.ErrorIs(t, err, redisquota.ErrRedis)
			assert.LessOrEqual(t, len(f.Deliveries()), deliveredAtKill+8, "only resets already past Wait went out")
			assert.Less(t, sum.Sent, n)
		})
	}
}
