package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// capWorld is a Fake with two pools on Cognito's built-in email in one
// account, n users each (a0000.., b0000..), and a third pool in another
// account with n users (c0000..).
func capWorld(t *testing.T, n int) (f *resetpwtest.Fake, a, b, c string) {
	t.Helper()
	f = resetpwtest.NewFake()
	f.SetDailyEmailLimit(quota.DefaultDailyEmailLimit)
	a, b = f.AddPool(types.UserPoolType{}), f.AddPool(types.UserPoolType{})
	f.SetAccount("210987654321")
	c = f.AddPool(types.UserPoolType{})
	for prefix, pool := range map[string]string{"a": a, "b": b, "c": c} {
		for i := range n {
			name := fmt.Sprintf("%s%04d", prefix, i)
			_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
			require.NoError(t, err)
		}
	}
	return f, a, b, c
}

// R20, R36: two default-email pools of one account share one daily cap; a
// pool of another account has its own. A single Reset over the cap is
// refused before anything is sent.
func TestEmailCap_PoolsOfOneAccountShareIt(t *testing.T) {
	f, a, b, c := capWorld(t, 3)
	r, err := resetpw.New(f, resetpw.WithEmailCap(4, nil))
	require.NoError(t, err)
	ctx := context.Background()
	for _, req := range []resetpw.Request{{UserPoolID: a, Username: "a0000"}, {UserPoolID: a, Username: "a0001"},
		{UserPoolID: b, Username: "b0000"}, {UserPoolID: b, Username: "b0001"}} {
		_, err := r.Reset(ctx, req)
		require.NoError(t, err, req.Username)
	}
	for _, req := range []resetpw.Request{{UserPoolID: a, Username: "a0002"}, {UserPoolID: b, Username: "b0002"}} {
		_, err := r.Check(ctx, req)
		require.ErrorIs(t, err, resetpw.ErrDeliveryConfig, "Check says so too")
		_, err = r.Reset(ctx, req)
		require.ErrorIs(t, err, resetpw.ErrDeliveryConfig, req.Username)
		var e *resetpw.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, resetpw.OpPreflight, e.Op)
		assert.Contains(t, err.Error(), "account 123456789012")
		assert.NotContains(t, err.Error(), "@example.com")
	}
	assert.Equal(t, 4, f.Calls("AdminResetUserPassword"), "nothing sent past the cap")
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: c, Username: "c0000"})
	require.NoError(t, err, "another account has its own cap")

	rep, err := r.CheckPool(ctx, b)
	require.NoError(t, err)
	assert.Equal(t, 4, rep.DailyEmailLimit)
	assert.Equal(t, 4, rep.EmailsSent)
	assert.Equal(t, "123456789012", rep.Account)
}

// Bulk runs count against the account's cap: across pools and across runs,
// and the Resetter's single resets count with them.
func TestEmailCap_BulkAcrossPoolsAndRuns(t *testing.T) {
	f, a, b, _ := capWorld(t, 40)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0039"}) // one code earlier today
	require.NoError(t, err)
	reqs := func(yield func(resetpw.Request) bool) {
		for i := range 39 {
			for p, pool := range map[string]string{"a": a, "b": b} {
				if !yield(resetpw.Request{UserPoolID: pool, Username: fmt.Sprintf("%s%04d", p, i)}) {
					return
				}
			}
		}
	}
	opts := bulk.Options{QuotaScale: 100, Concurrency: 4, KeepGoing: true}
	sum, err := bulk.Run(ctx, r, bulk.Requests(reqs), opts, func(bulk.Outcome) {})
	require.NoError(t, err)
	assert.Equal(t, quota.DefaultDailyEmailLimit-1, sum.Sent)
	assert.Equal(t, 78-sum.Sent, sum.OverEmailCap)
	assert.Equal(t, quota.DefaultDailyEmailLimit, f.Calls("AdminResetUserPassword"), "50 codes in all, as Cognito allows")
	for _, d := range f.Deliveries() {
		assert.False(t, d.Dropped)
	}

	sum, err = bulk.Run(ctx, r, bulk.Requests(reqs), opts, func(bulk.Outcome) {})
	require.NoError(t, err)
	assert.Zero(t, sum.Sent, "a second run counts the first one's codes")
	assert.Equal(t, 78, sum.OverEmailCap)
	assert.Equal(t, quota.DefaultDailyEmailLimit, f.Calls("AdminResetUserPassword"))
}

// A plan over the cap still says where every code would go, and marks the
// inputs the cap would stop; it takes nothing from the count.
func TestEmailCap_PlanKeepsDelivery(t *testing.T) {
	f, a, _, _ := capWorld(t, 5)
	r, err := resetpw.New(f, resetpw.WithEmailCap(3, nil))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.NoError(t, err)
	for _, plan := range []func(each func(bulk.Outcome)) (bulk.Summary, error){
		func(each func(bulk.Outcome)) (bulk.Summary, error) {
			return bulk.PlanPool(ctx, r, a, bulk.Options{Concurrency: 1}, each)
		},
		func(each func(bulk.Outcome)) (bulk.Summary, error) {
			return bulk.Plan(ctx, r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: a, Username: "a0001"}, {UserPoolID: a, Username: "a0002"},
				{UserPoolID: a, Username: "a0003"}, {UserPoolID: a, Username: "a0004"}})), bulk.Options{Concurrency: 1}, each)
		},
	} {
		var over []bulk.Outcome
		sum, err := plan(func(o bulk.Outcome) {
			if o.Err != nil {
				over = append(over, o)
			}
		})
		require.NoError(t, err)
		assert.Equal(t, 2, sum.Sent, "3 a day, 1 already sent")
		assert.Equal(t, sum.Done-2, sum.OverEmailCap)
		require.Len(t, over, sum.OverEmailCap)
		for _, o := range over {
			require.ErrorIs(t, o.Err, resetpw.ErrRunStopped)
			require.NotNil(t, o.Result, "the plan keeps the Result")
			assert.Equal(t, resetpw.MediumEmail, o.Result.Delivery.Medium)
			assert.Equal(t, resetpw.SenderCognitoDefault, o.Result.Delivery.Sender)
		}
	}
	assert.Equal(t, 1, f.Calls("AdminResetUserPassword"))
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0001"})
	require.NoError(t, err, "plans took nothing from the count")
}

// A reset that sent nothing gives its email back; one whose fate is unknown
// keeps it (it may have gone out).
func TestEmailCap_FailedResetsGiveBack(t *testing.T) {
	f, a, _, _ := capWorld(t, 3)
	ec := quota.NewLocalEmailCounter()
	r, err := resetpw.New(f, resetpw.WithEmailCap(2, ec), resetpw.WithRetries(0, 100*time.Millisecond, 2*time.Second))
	require.NoError(t, err)
	ctx := context.Background()
	count := func() int {
		n, err := ec.EmailsSent(ctx, resetpwtest.DefaultAccount, "us-west-2", time.Now())
		require.NoError(t, err)
		return n
	}
	f.FailNext("AdminResetUserPassword", 1, &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")})
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.ErrorIs(t, err, resetpw.ErrAttemptLimit)
	assert.Zero(t, count(), "nothing was sent")
	f.FailNext("AdminResetUserPassword", 1, &types.InternalErrorException{Message: aws.String("boom")})
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.True(t, resetpw.MaybeSent(err))
	assert.Equal(t, 1, count(), "a code that may have gone out counts")
}

// R36: the window is a rolling 24 hours.
func TestLocalEmailCounter_Window(t *testing.T) {
	ctx := context.Background()
	c := quota.NewLocalEmailCounter()
	t0 := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	for i := range 2 {
		_, ok, err := c.TakeEmail(ctx, "1", "r", 2, t0.Add(time.Duration(i)*time.Minute))
		require.NoError(t, err)
		require.True(t, ok)
	}
	_, ok, _ := c.TakeEmail(ctx, "1", "r", 2, t0.Add(2*time.Hour))
	assert.False(t, ok, "a new UTC day does not reset the count")
	_, ok, _ = c.TakeEmail(ctx, "2", "r", 2, t0.Add(2*time.Hour))
	assert.True(t, ok, "another account counts apart")
	_, ok, _ = c.TakeEmail(ctx, "1", "r", 2, t0.Add(quota.EmailWindow-time.Nanosecond))
	assert.False(t, ok)
	tok, ok, _ := c.TakeEmail(ctx, "1", "r", 2, t0.Add(quota.EmailWindow))
	assert.True(t, ok, "24 hours after the first email, it no longer counts")
	n, _ := c.EmailsSent(ctx, "1", "r", t0.Add(quota.EmailWindow))
	assert.Equal(t, 2, n)
	require.NoError(t, c.ReturnEmail(ctx, "1", "r", tok))
	n, _ = c.EmailsSent(ctx, "1", "r", t0.Add(quota.EmailWindow))
	assert.Equal(t, 1, n)
}

// Concurrent resets never pass the cap: the check and the count are one
// step.
func TestEmailCap_Concurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, a, b, _ := capWorld(t, 10)
		r, err := resetpw.New(f, resetpw.WithEmailCap(7, nil))
		require.NoError(t, err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		kinds := map[string]int{}
		for i := range 10 {
			for p, pool := range map[string]string{"a": a, "b": b} {
				wg.Go(func() {
					_, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: fmt.Sprintf("%s%04d", p, i)})
					mu.Lock()
					defer mu.Unlock()
					kinds[resetpw.KindOf(err).Code()]++
					if err != nil && !errors.Is(err, resetpw.ErrDeliveryConfig) {
						t.Errorf("unexpected %v", err)
					}
				})
			}
		}
		wg.Wait()
		assert.Equal(t, map[string]int{"": 7, "delivery_config": 13}, kinds)
		assert.Equal(t, 7, f.Calls("AdminResetUserPassword"))
	})
}

// brokenCounter is an EmailCounter whose store is down.
type brokenCounter struct{}

var errCounterDown = errors.New("counter down")

func (brokenCounter) TakeEmail(context.Context, string, string, int, time.Time) (string, bool, error) {
	return "", false, errCounterDown
}
func (brokenCounter) ReturnEmail(context.Context, string, string, string) error {
	return errCounterDown
}
func (brokenCounter) EmailsSent(context.Context, string, string, time.Time) (int, error) {
	return 0, errCounterDown
}

// A counter that fails sends nothing: a single Reset and each input of a
// bulk run fail with ErrUnavailable at the preflight, not sent, and the
// breaker stops the run after MaxUnavailable of them.
func TestEmailCap_CounterDownSendsNothing(t *testing.T) {
	f, a, _, _ := capWorld(t, 8)
	r, err := resetpw.New(f, resetpw.WithEmailCap(0, brokenCounter{}))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	require.ErrorIs(t, err, errCounterDown)
	assert.False(t, resetpw.MaybeSent(err))

	var outcomes []bulk.Outcome
	reqs := func(yield func(resetpw.Request) bool) {
		for i := range 8 {
			if !yield(resetpw.Request{UserPoolID: a, Username: fmt.Sprintf("a%04d", i)}) {
				return
			}
		}
	}
	sum, err := bulk.Run(ctx, r, bulk.Requests(reqs), bulk.Options{QuotaScale: 100, Concurrency: 1, MaxUnavailable: 3},
		func(o bulk.Outcome) { outcomes = append(outcomes, o) })
	require.ErrorIs(t, err, resetpw.ErrRunStopped)
	require.Len(t, outcomes, 8, "one outcome per input")
	assert.Equal(t, 0, sum.Sent)
	assert.Equal(t, 3, sum.ByKind[resetpw.ErrUnavailable], "failed as unavailable until the breaker tripped")
	assert.Equal(t, 5, sum.ByKind[resetpw.ErrRunStopped])
	for _, o := range outcomes {
		require.Error(t, o.Err)
		assert.False(t, resetpw.MaybeSent(o.Err))
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing sent")
}

// emailCountingLimiter is a run's own Limiter that also counts emails, as
// quota/redisquota's does.
type emailCountingLimiter struct{ quota.EmailCounter }

func (emailCountingLimiter) Wait(context.Context, quota.Category) error { return nil }
func (emailCountingLimiter) Throttled(quota.Category)                   {}
func (emailCountingLimiter) Succeeded(quota.Category)                   {}

// R36: a Resetter given WithEmailCap counts the cap there, in bulk runs
// too: a run whose own Limiter also counts emails does not start from that
// limiter's count, which would split the cap between the single resets and
// the run.
func TestEmailCap_ARunCountsInTheResettersCounter(t *testing.T) {
	f, a, _, _ := capWorld(t, 2)
	shared := quota.NewLocalEmailCounter()
	r, err := resetpw.New(f, resetpw.WithEmailCap(1, shared))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.NoError(t, err)
	sum, err := bulk.Run(ctx, r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: a, Username: "a0001"}})),
		bulk.Options{Limiter: emailCountingLimiter{quota.NewLocalEmailCounter()}}, func(bulk.Outcome) {})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.OverEmailCap, "the run counts in the Resetter's WithEmailCap counter")
	assert.Equal(t, 1, f.Calls("AdminResetUserPassword"))
}

// R20, R36: when Cognito answers that the account's daily email limit is
// reached, emails the library never saw spent it; the count then says so,
// and the account's next codes are refused before anything is sent.
func TestEmailCap_CognitoSaysTheCapIsReached(t *testing.T) {
	f, a, b, _ := capWorld(t, 2)
	f.SetDailyEmailLimit(2)
	ctx := context.Background()
	for _, u := range []string{"a0001", "b0001"} { // sent by the application, not the library
		pool := map[byte]string{'a': a, 'b': b}[u[0]]
		_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String(u)})
		require.NoError(t, err)
	}
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
	require.ErrorIs(t, err, resetpw.ErrDeliveryConfig, "Cognito's own answer")
	calls := f.Calls("AdminResetUserPassword")
	rep, err := r.CheckPool(ctx, b)
	require.NoError(t, err)
	assert.Equal(t, quota.DefaultDailyEmailLimit, rep.EmailsSent, "the count is at the cap")
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: b, Username: "b0000"})
	require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
	assert.Equal(t, calls, f.Calls("AdminResetUserPassword"), "refused before sending")
}

// R36: a bulk run that sets no DailyEmailLimit keeps to the Resetter's
// WithDailyEmailLimit, not to Cognito's default: an operator who lowered
// the cap to leave room for the application's own emails keeps that room.
func TestEmailCap_BulkDefaultsToTheResettersCap(t *testing.T) {
	f, a, _, _ := capWorld(t, 2)
	r, err := resetpw.New(f, resetpw.WithEmailCap(1, nil))
	require.NoError(t, err)
	sum, err := bulk.Run(context.Background(), r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: a, Username: "a0000"}, {UserPoolID: a, Username: "a0001"}})),
		bulk.Options{Concurrency: 1}, func(bulk.Outcome) {})
	require.NoError(t, err)
	assert.Equal(t, 1, sum.OverEmailCap)
	assert.Equal(t, 1, f.Calls("AdminResetUserPassword"))
}

// R20: Cognito words the daily email cap more than one way ("Exceeded daily
// email limit for the operation or the account", and "Exceeded daily limit
// for the operation of the account"); either is the account's quota, not
// the user's attempt limit, and fills the count, on the Fake and through
// the real SDK client.
func TestEmailCap_CognitoSaysTheCapIsReachedInEveryObservedWording(t *testing.T) {
	wordings := []string{
		"Exceeded daily email limit for the operation or the account. If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.",
		"Exceeded daily limit for the operation of the account. Please configure your user pool to use your own Amazon SES config",
	}
	for _, target := range identityTargets {
		for _, msg := range wordings {
			t.Run(target.name+"/"+msg[:40], func(t *testing.T) {
				f, a, b, _ := capWorld(t, 1)
				f.FailNext("AdminResetUserPassword", 1, &types.LimitExceededException{Message: aws.String(msg)})
				r, err := resetpw.New(target.api(t, f))
				require.NoError(t, err)
				ctx := context.Background()
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: a, Username: "a0000"})
				require.ErrorIs(t, err, resetpw.ErrDeliveryConfig, "the account's quota, not the user's attempt limit")
				calls := f.Calls("AdminResetUserPassword")
				rep, err := r.CheckPool(ctx, b)
				require.NoError(t, err)
				assert.Equal(t, quota.DefaultDailyEmailLimit, rep.EmailsSent, "the count is at the cap")
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: b, Username: "b0000"})
				require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
				assert.Equal(t, calls, f.Calls("AdminResetUserPassword"), "refused before sending")
			})
		}
	}
}
