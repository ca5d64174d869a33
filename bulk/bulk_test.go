package bulk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// bulkWorld returns a Fake with n users user0000.. with verified emails, in a
// pool that sends email through its own SES (so no daily email cap applies).
func bulkWorld(t testing.TB, n int) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for i := range n {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprintf("user%04d", i), "email", fmt.Sprintf("user%04d@example.com", i), "email_verified", "true"))
		require.NoError(t, err)
	}
	return f, pool
}

func requests(pool string, names ...string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for _, n := range names {
			if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
				return
			}
		}
	}
}

func userNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%04d", i)
	}
	return out
}

// collect runs Bulk, or Plan when plan is set, and returns its outcomes.
func collect(t *testing.T, r *resetpw.Resetter, ctx context.Context, reqs iter.Seq[resetpw.Request], opts bulk.Options, plan ...bool) ([]bulk.Outcome, bulk.Summary, error) {
	t.Helper()
	run := bulk.Run
	if len(plan) > 0 && plan[0] {
		run = bulk.Plan
	}
	var outs []bulk.Outcome
	sum, err := run(ctx, r, bulk.Requests(reqs), opts, func(o bulk.Outcome) { outs = append(outs, o) })
	slices.SortFunc(outs, func(a, b bulk.Outcome) int { return a.Index - b.Index })
	return outs, sum, err
}

func indexes(outs []bulk.Outcome) []int {
	idx := make([]int, len(outs))
	for i, o := range outs {
		idx[i] = o.Index
	}
	slices.Sort(idx)
	return idx
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestBulk_OneOutcomePerInputAndNoDuplicateSends(t *testing.T) {
	f, pool := bulkWorld(t, 40)
	names := append(userNames(40), "user0003", "user0003@example.com", "ghost", "bad name", "user0007")
	r, err := resetpw.New(f, resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond))
	require.NoError(t, err)
	var progress []bulk.Progress
	outs, sum, err := collect(t, r, context.Background(), requests(pool, names...), bulk.Options{
		Concurrency: 6, Progress: func(p bulk.Progress) { progress = append(progress, p) }})
	require.NoError(t, err)

	assert.Equal(t, seq(len(names)), indexes(outs), "exactly one outcome per input")
	sent := map[string]int{}
	for _, d := range f.Deliveries() {
		sent[d.Username]++
	}
	for u, n := range sent {
		assert.Equal(t, 1, n, "user %s reset once", u)
	}
	assert.Len(t, sent, 40)
	dups := map[int]int{}
	for _, o := range outs {
		if o.Duplicate {
			dups[o.Index] = o.DuplicateOf
			assert.Nil(t, o.Err)
			assert.Nil(t, o.Result)
		}
		assert.Equal(t, names[o.Index], o.Input.Request.Username)
	}
	assert.Equal(t, map[int]int{40: 3, 41: 3, 44: 7}, dups, "repeats, by name or by alias, point at the first")
	assert.Equal(t, 40, sum.Sent)
	assert.Equal(t, 3, sum.Duplicates)
	assert.Equal(t, 2, sum.Failed)
	assert.Equal(t, map[resetpw.Kind]int{resetpw.ErrUserNotFound: 1, resetpw.ErrInvalidInput: 1}, sum.ByKind)
	assert.Equal(t, len(names), sum.Read)
	assert.Equal(t, len(names), sum.Done)
	require.Len(t, progress, len(names))
	assert.Equal(t, len(names), progress[len(progress)-1].Done)
	for _, p := range progress {
		assert.GreaterOrEqual(t, p.Read, p.Done, "an outcome is for an input read")
	}
	assert.True(t, sum.ReadAll)
}

// Run on the bubble's clock (testing/synctest), the server's token buckets
// and the run's pacer see the same time, so the outcome does not depend on
// the machine's load.
func TestBulk_NoThrottlingErrorAtOrUnderQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 300)
		f.EnableQuotas(10) // 300 resets/s, 1200 reads/s, 150 pool reads/s
		r, err := resetpw.New(f)
		require.NoError(t, err)
		start := time.Now()
		outs, sum, err := collect(t, r, context.Background(), requests(pool, userNames(300)...), bulk.Options{
			Concurrency: 16, QuotaScale: 10, Rates: map[quota.Category]float64{
				quota.CategoryUserAccountRecovery: 300, quota.CategoryUserRead: 1200, quota.CategoryUserPoolRead: 150}})
		require.NoError(t, err)
		assert.Len(t, outs, 300)
		assert.Equal(t, 300, sum.Sent, "%v", sum.ByKind)
		assert.Zero(t, sum.ByKind[resetpw.ErrThrottled])
		assert.Equal(t, 300, f.Calls("AdminResetUserPassword"), "nothing was throttled and retried")
		assert.Len(t, f.Deliveries(), 300)
		assert.LessOrEqual(t, time.Since(start), 1100*time.Millisecond, "at the quota: 300 resets in about a second")
	})
}

// A run that is throttled slows down, and once the throttling stops it
// recovers to the configured rate: the pacer's changes are logged at Debug.
func TestBulk_SlowsDownAndRecoversWhenThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 150)
		f.FailNext("AdminResetUserPassword", 6, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		r, err := resetpw.New(f, resetpw.WithLogger(logger), resetpw.WithRetries(3, 5*time.Millisecond, 50*time.Millisecond),
			resetpw.WithRetries(10, 100*time.Millisecond, 2*time.Second))
		require.NoError(t, err)
		_, sum, err := collect(t, r, context.Background(), requests(pool, userNames(150)...), bulk.Options{
			Concurrency: 4, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 20, quota.CategoryUserRead: 100}})
		require.NoError(t, err)
		assert.Equal(t, 150, sum.Sent, "%v", sum.ByKind)
		assert.Equal(t, 156, f.Calls("AdminResetUserPassword"), "six throttled, each retried")
		assert.Len(t, f.Deliveries(), 150, "a throttled reset sends no code")

		var slowed, lowest, last float64
		lowest = 1e9
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var m struct {
				Msg      string  `json:"msg"`
				Category string  `json:"category"`
				Rate     float64 `json:"rate"`
			}
			require.NoError(t, json.Unmarshal([]byte(line), &m))
			if m.Category != "UserAccountRecovery" {
				continue
			}
			if m.Msg == "bulk pace slowed: throttled" {
				slowed++
			}
			lowest, last = min(lowest, m.Rate), m.Rate
		}
		assert.Equal(t, 6.0, slowed, "one slow-down per throttled answer")
		assert.Less(t, lowest, 10.0, "it slowed well below the configured 20/s")
		assert.Equal(t, 20.0, last, "and recovered to the configured rate, no higher")
	})
}

func TestBulk_CancelMidRun(t *testing.T) {
	f, pool := bulkWorld(t, 200)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var outs []bulk.Outcome
	sum, err := bulk.Run(ctx, r, bulk.Requests(requests(pool, userNames(200)...)), bulk.Options{Concurrency: 4, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 20}}, func(o bulk.Outcome) {
		outs = append(outs, o)
		if len(outs) == 10 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, resetpw.ErrRunStopped)
	assert.Equal(t, 200, sum.Read, "reading went on")
	assert.True(t, sum.ReadAll)
	assert.Equal(t, 200, sum.Done, "an outcome for every input")
	assert.Equal(t, seq(200), indexes(outs))
	sentAfter := 0
	for _, o := range outs {
		switch {
		case o.Err == nil:
			sentAfter++
		case resetpw.MaybeSent(o.Err):
			// in flight when the context ended: its fate is unknown
			assert.ErrorIs(t, o.Err, context.Canceled)
			assert.ErrorIs(t, o.Err, resetpw.ErrUnavailable)
		default:
			assert.ErrorIs(t, o.Err, context.Canceled)
			assert.ErrorIs(t, o.Err, resetpw.ErrRunStopped, "not sent")
		}
	}
	assert.Equal(t, len(f.Deliveries()), sentAfter, "every code sent has a success outcome")
	assert.LessOrEqual(t, len(f.Deliveries()), 10+4, "sending stopped at once")
}

func TestBulk_InvalidOptions(t *testing.T) {
	f, pool := bulkWorld(t, 1)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	type rates = map[quota.Category]float64
	for _, tt := range []struct {
		opts  bulk.Options
		field string
	}{
		{bulk.Options{Concurrency: -1}, "Options.Concurrency"},
		{bulk.Options{Concurrency: 65}, "Options.Concurrency"},
		{bulk.Options{Rates: rates{quota.CategoryUserAccountRecovery: 31}}, "Options.Rates[UserAccountRecovery]"},
		{bulk.Options{Rates: rates{quota.CategoryUserRead: 121}}, "Options.Rates[UserRead]"},
		{bulk.Options{Rates: rates{quota.CategoryUserList: 31}}, "Options.Rates[UserList]"},
		{bulk.Options{Rates: rates{quota.CategoryUserPoolRead: 16}}, "Options.Rates[UserPoolRead]"},
		{bulk.Options{Rates: rates{quota.CategoryUserUpdate: 26}}, "Options.Rates[UserUpdate]"},
		{bulk.Options{Rates: rates{quota.CategoryUserAccountRecovery: -1}}, "Options.Rates[UserAccountRecovery]"},
		{bulk.Options{Rates: rates{quota.CategoryUserRead: math.NaN()}}, "Options.Rates[UserRead]"},
		{bulk.Options{Rates: rates{quota.CategoryUserRead: math.Inf(1)}}, "Options.Rates[UserRead]"},
		{bulk.Options{Rates: rates{"UserReads": 1}}, "Options.Rates[UserReads]"},
		{bulk.Options{QuotaScale: -2}, "Options.QuotaScale"},
		{bulk.Options{QuotaScale: 2, Rates: rates{quota.CategoryUserAccountRecovery: 61}}, "Options.Rates[UserAccountRecovery]"},
		// A default over a scaled-down quota: UserList's 25 is over 30×0.5.
		{bulk.Options{QuotaScale: 0.5}, "Options.Rates[UserList]"},
	} {
		read := false
		_, err := bulk.Run(context.Background(), r, bulk.Requests(func(yield func(resetpw.Request) bool) { read = true }), tt.opts, nil)
		require.ErrorIs(t, err, resetpw.ErrConfig, "%+v", tt.opts)
		var e *resetpw.Error
		require.ErrorAs(t, err, &e)
		assert.ErrorContains(t, err, tt.field, "the error names the option: %+v", tt.opts)
		assert.False(t, read, "nothing read")
	}
	given := map[quota.Category]float64{quota.CategoryUserAccountRecovery: 60}
	_, err = bulk.Run(context.Background(), r, bulk.Requests(requests(pool, "user0000")), bulk.Options{QuotaScale: 2, Rates: given}, nil)
	assert.NoError(t, err, "at the scaled quota")
	assert.Equal(t, map[quota.Category]float64{quota.CategoryUserAccountRecovery: 60}, given, "the caller's map is not changed")
}
