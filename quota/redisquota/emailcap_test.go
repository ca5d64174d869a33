package redisquota_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/redistest"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/quota/redisquota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// R36: two Resetters (a helpdesk service and a bulk job, say), each with
// its own Limiter and its own Redis client, share the account's daily email
// cap through Redis: together they send no more than the cap.
func TestEmailCap_SharedThroughRedis(t *testing.T) {
	prefix := redistest.Prefix(t)
	f := resetpwtest.NewFake()
	a, b := f.AddPool(types.UserPoolType{}), f.AddPool(types.UserPoolType{}) // built-in email, one account
	for i := range 6 {
		for p, pool := range map[string]string{"a": a, "b": b} {
			name := fmt.Sprintf("%s%d", p, i)
			_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
			require.NoError(t, err)
		}
	}
	resetter := func() *resetpw.Resetter {
		l, err := redisquota.New(redistest.Client(t), redisquota.Options{Account: "123456789012", Region: "us-west-2", KeyPrefix: prefix})
		require.NoError(t, err)
		r, err := resetpw.New(f, resetpw.WithLimiter(l), resetpw.WithEmailCap(5, l))
		require.NoError(t, err)
		return r
	}
	helpdesk, job := resetter(), resetter()
	ctx := context.Background()
	sent, refused := 0, 0
	for i := range 6 {
		for _, x := range []struct {
			r    *resetpw.Resetter
			pool string
			name string
		}{{helpdesk, a, fmt.Sprintf("a%d", i)}, {job, b, fmt.Sprintf("b%d", i)}} {
			_, err := x.r.Reset(ctx, resetpw.Request{UserPoolID: x.pool, Username: x.name})
			switch {
			case err == nil:
				sent++
			default:
				require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
				refused++
			}
		}
	}
	assert.Equal(t, 5, sent)
	assert.Equal(t, 7, refused)
	assert.Equal(t, 5, f.Calls("AdminResetUserPassword"))
	rep, err := job.CheckPool(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, 5, rep.EmailsSent, "the job sees the helpdesk's codes")
}

// TakeEmail checks and counts in one step: concurrent takers never pass
// the limit; ReturnEmail and the window work on Redis as in the local
// counter.
func TestEmailCounter_Redis(t *testing.T) {
	l, err := redisquota.New(redistest.Client(t), redisquota.Options{Account: "1", Region: "r", KeyPrefix: redistest.Prefix(t)})
	require.NoError(t, err)
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var tokens []string
	for range 20 {
		wg.Go(func() {
			tok, ok, err := l.TakeEmail(ctx, "111", "us-west-2", 5, now)
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				tokens = append(tokens, tok)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, tokens, 5)
	n, err := l.EmailsSent(ctx, "111", "us-west-2", now)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
	n, err = l.EmailsSent(ctx, "222", "us-west-2", now)
	require.NoError(t, err)
	assert.Zero(t, n, "another account counts apart")

	require.NoError(t, l.ReturnEmail(ctx, "111", "us-west-2", tokens[0]))
	_, ok, err := l.TakeEmail(ctx, "111", "us-west-2", 5, now)
	require.NoError(t, err)
	assert.True(t, ok, "a returned email frees its place")
	_, ok, _ = l.TakeEmail(ctx, "111", "us-west-2", 5, now.Add(quota.EmailWindow-time.Millisecond))
	assert.False(t, ok, "still within 24 hours")
	_, ok, _ = l.TakeEmail(ctx, "111", "us-west-2", 5, now.Add(quota.EmailWindow))
	assert.True(t, ok, "24 hours on, the first emails no longer count")
}

// Redis down: the email count fails, so the reset is refused and nothing is
// sent, even with FallBack (a local count would start from zero).
func TestEmailCap_RedisDown(t *testing.T) {
	addr, stop, err := redistest.Start()
	if err != nil {
		t.Skip("redistest: " + err.Error())
	}
	stop()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	rdb := redistest.NewClient(addr)
	defer rdb.Close()
	fallback := map[quota.Category]float64{}
	for c := range quota.DefaultRates() {
		fallback[c] = 100
	}
	l, err := redisquota.New(rdb, redisquota.Options{Account: "1", Region: "r", OnError: redisquota.FallBack, FallbackRates: fallback})
	require.NoError(t, err)
	r, err := resetpw.New(f, resetpw.WithLimiter(l), resetpw.WithEmailCap(0, l))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.ErrorIs(t, err, redisquota.ErrRedis)
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}

// A Limiter given to WithLimiter only paces: the email cap is counted where
// WithEmailCap says, never in the Limiter because it happens to count
// emails too.
func TestWithLimiterAloneCountsNoEmail(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{}) // built-in email
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	l, err := redisquota.New(redistest.Client(t), redisquota.Options{Account: "123456789012", Region: "us-west-2", KeyPrefix: redistest.Prefix(t)})
	require.NoError(t, err)
	r, err := resetpw.New(f, resetpw.WithLimiter(l))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	n, err := l.EmailsSent(context.Background(), "123456789012", "us-west-2", time.Now())
	require.NoError(t, err)
	assert.Zero(t, n, "the Limiter counted no email: WithEmailCap was not given it")
	rep, err := r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.EmailsSent, "the Resetter's own count has it")
}
