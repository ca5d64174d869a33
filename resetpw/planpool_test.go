package resetpw_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// countingLimiter lets every call go and counts them by category.
type countingLimiter struct {
	mu    sync.Mutex
	waits map[resetpw.Category]int
}

func (l *countingLimiter) Wait(ctx context.Context, c resetpw.Category) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[resetpw.Category]int{}
	}
	l.waits[c]++
	return ctx.Err()
}

func (l *countingLimiter) counts() map[resetpw.Category]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits
}

// mfaRecoveryPool reads every user: a recovery setting and MFA not OFF
// (docs/cognito-rules.md, R4 to R6).
var mfaRecoveryPool = types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOptional,
	AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: "verified_email", Priority: aws.Int32(1)}, {Name: "verified_phone_number", Priority: aws.Int32(2)}}},
	EmailConfiguration: sesPool.EmailConfiguration}

// Every Cognito call of PlanPool (DescribeUserPool, ListUsers, AdminGetUser)
// waits on the run's limiter: BulkOptions.Limiter, or the Resetter's.
func TestPlanPool_EveryCallThroughTheLimiter(t *testing.T) {
	for _, where := range []string{"BulkOptions.Limiter", "WithLimiter"} {
		t.Run(where, func(t *testing.T) {
			f, pool := mixedWorld(t, mfaRecoveryPool, 130)
			lim := &countingLimiter{}
			var opts []resetpw.Option
			var bulk resetpw.BulkOptions
			if where == "WithLimiter" {
				opts = append(opts, resetpw.WithLimiter(lim))
			} else {
				bulk.Limiter = lim
			}
			r, err := resetpw.New(f, opts...)
			require.NoError(t, err)
			sum, err := r.PlanPool(context.Background(), pool, bulk, nil)
			require.NoError(t, err)
			require.Equal(t, 130, sum.Done)
			assert.Equal(t, map[resetpw.Category]int{
				resetpw.CategoryUserPoolRead: f.Calls(resetpwtest.OpDescribeUserPool),
				resetpw.CategoryUserList:     f.Calls(resetpwtest.OpListUsers),
				resetpw.CategoryUserRead:     f.Calls(resetpwtest.OpAdminGetUser),
			}, lim.counts(), "one wait per call")
			assert.Equal(t, 1, f.Calls(resetpwtest.OpDescribeUserPool))
			assert.Equal(t, 3, f.Calls(resetpwtest.OpListUsers))
			assert.Equal(t, 130, f.Calls(resetpwtest.OpAdminGetUser))
		})
	}
}

// failRead is the Fake, but AdminGetUser of one user fails with err.
type failRead struct {
	*resetpwtest.Fake
	name string
	err  error
}

func (f *failRead) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	if aws.ToString(in.Username) == f.name {
		return nil, f.err
	}
	return f.Fake.AdminGetUser(ctx, in, o...)
}

// A stopped PlanPool gives the users of the page it had read ErrRunStopped
// outcomes and lists no further page: listing on would be Cognito calls.
// Summary.ReadAll is false, and the last page's token resumes it.
func TestPlanPool_StopsListing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := mixedWorld(t, mfaRecoveryPool, 130)
		r, err := resetpw.New(&failRead{Fake: f, name: "user0010", err: accessDenied})
		require.NoError(t, err)
		var outs []resetpw.Outcome
		sum, err := r.PlanPool(context.Background(), pool, resetpw.BulkOptions{Concurrency: 1}, func(o resetpw.Outcome) { outs = append(outs, o) })
		require.ErrorIs(t, err, resetpw.ErrRunStopped)
		require.ErrorIs(t, err, resetpw.ErrAccessDenied)
		assert.Equal(t, 1, f.Calls(resetpwtest.OpListUsers), "no page after the stop")
		assert.Equal(t, 10, f.Calls(resetpwtest.OpAdminGetUser), "no user read after the stop")
		assert.Equal(t, 60, sum.Read, "the first page")
		assert.Equal(t, 60, sum.Done)
		assert.False(t, sum.ReadAll)
		assert.Equal(t, seq(60), indexes(outs))
		stopped := 0
		for _, o := range outs {
			if errors.Is(o.Err, resetpw.ErrRunStopped) {
				stopped++
				assert.Empty(t, o.PageToken, "the page to resume from")
			}
		}
		assert.Equal(t, 49, stopped, "the 49 after user0010")

		sum, err = r.PlanPool(context.Background(), pool, resetpw.BulkOptions{Concurrency: 1, StopReading: true}, nil)
		require.ErrorIs(t, err, resetpw.ErrAccessDenied)
		assert.Equal(t, 12, sum.Read, "StopReading: user0010, and user0011 that waited for the worker, and nothing after the stop")
		assert.False(t, sum.ReadAll)
	})
}

// A plan read to its end says so.
func TestPlanPool_ReadAll(t *testing.T) {
	f, pool := mixedWorld(t, sesPool, 61)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	sum, err := r.PlanPool(context.Background(), pool, resetpw.BulkOptions{}, nil)
	require.NoError(t, err)
	assert.True(t, sum.ReadAll)
	assert.Equal(t, 61, sum.Read)
}
