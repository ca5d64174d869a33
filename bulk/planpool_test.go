package bulk_test

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

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// countingLimiter lets every call go and counts them by category.
type countingLimiter struct {
	mu    sync.Mutex
	waits map[quota.Category]int
}

func (l *countingLimiter) Wait(ctx context.Context, c quota.Category) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[quota.Category]int{}
	}
	l.waits[c]++
	return ctx.Err()
}

func (l *countingLimiter) counts() map[quota.Category]int {
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
			var bo bulk.Options
			if where == "WithLimiter" {
				opts = append(opts, resetpw.WithLimiter(lim))
			} else {
				bo.Limiter = lim
			}
			r, err := resetpw.New(f, opts...)
			require.NoError(t, err)
			sum, err := bulk.PlanPool(context.Background(), r, pool, bo, nil)
			require.NoError(t, err)
			require.Equal(t, 130, sum.Done)
			assert.Equal(t, map[quota.Category]int{
				quota.CategoryUserPoolRead: f.Calls("DescribeUserPool"),
				quota.CategoryUserList:     f.Calls("ListUsers"),
				quota.CategoryUserRead:     f.Calls("AdminGetUser"),
			}, lim.counts(), "one wait per call")
			assert.Equal(t, 1, f.Calls("DescribeUserPool"))
			assert.Equal(t, 3, f.Calls("ListUsers"))
			assert.Equal(t, 130, f.Calls("AdminGetUser"))
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
		var outs []bulk.Outcome
		sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{Concurrency: 1}, func(o bulk.Outcome) { outs = append(outs, o) })
		require.ErrorIs(t, err, resetpw.ErrRunStopped)
		require.ErrorIs(t, err, resetpw.ErrAccessDenied)
		assert.Equal(t, 1, f.Calls("ListUsers"), "no page after the stop")
		assert.Equal(t, 10, f.Calls("AdminGetUser"), "no user read after the stop")
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

		sum, err = bulk.PlanPool(context.Background(), r, pool, bulk.Options{Concurrency: 1, StopReading: true}, nil)
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
	sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{}, nil)
	require.NoError(t, err)
	assert.True(t, sum.ReadAll)
	assert.Equal(t, 61, sum.Read)
}

// PlanPool asked for PreflightFull predicts in full whatever the
// Resetter's WithPreflight; without a level of its own it follows the
// Resetter's, as Plan does.
func TestPlanPool_HonoursThePreflightOfItsOptions(t *testing.T) {
	full := map[resetpw.Medium]int{resetpw.MediumEmail: 69, resetpw.MediumSMS: 44}
	for _, tt := range []struct {
		preflight    resetpw.Preflight
		planByMedium map[resetpw.Medium]int // Plan of the same users
		planRefused  int                    // Plan's no_verified_contact outcomes
	}{
		{resetpw.PreflightFull, full, 17},
		{resetpw.PreflightPool, nil, 0},
		{resetpw.PreflightOff, nil, 0},
	} {
		t.Run(string(tt.preflight), func(t *testing.T) {
			f, pool := mixedWorld(t, sesPool, 130) // its own SES: no daily email cap
			r, err := resetpw.New(f, resetpw.WithPreflight(tt.preflight))
			require.NoError(t, err)
			var outs []bulk.Outcome
			followed, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.planByMedium, followed.ByMedium, "without Options.Preflight, PlanPool follows the Resetter's")
			sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{Preflight: resetpw.PreflightFull}, func(o bulk.Outcome) { outs = append(outs, o) })
			require.NoError(t, err)
			assert.Equal(t, full, sum.ByMedium, "PlanPool predicts where each code would go")
			assert.Equal(t, map[resetpw.Kind]int{resetpw.ErrNoVerifiedContact: 17}, sum.ByKind, "and refuses what full preflight refuses")
			for _, o := range outs {
				if o.Err == nil {
					require.NotNil(t, o.Result.Delivery, "input %d", o.Index)
				}
			}

			users := func(yield func(resetpw.Request) bool) {
				for _, o := range outs {
					if !yield(resetpw.Request{UserPoolID: pool, Username: o.Input.Request.Username}) {
						return
					}
				}
			}
			plan, err := bulk.Plan(context.Background(), r, bulk.Requests(users), bulk.Options{}, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.planByMedium, plan.ByMedium, "Plan follows the Preflight option")
			assert.Equal(t, tt.planRefused, plan.ByKind[resetpw.ErrNoVerifiedContact])
			assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing sent")
		})
	}
}

func TestPlanPool(t *testing.T) {
	recovery := &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: "verified_email", Priority: aws.Int32(1)}, {Name: "verified_phone_number", Priority: aws.Int32(2)}}}
	for _, tt := range []struct {
		name      string
		pool      types.UserPoolType
		userReads int
	}{
		{"MFA off: no AdminGetUser", types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOff, AccountRecoverySetting: recovery,
			EmailConfiguration: sesPool.EmailConfiguration}, 0},
		{"legacy recovery: MFA can't matter", types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOptional,
			EmailConfiguration: sesPool.EmailConfiguration}, 0},
		{"MFA optional with a setting: each user read", types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOptional,
			AccountRecoverySetting: recovery, EmailConfiguration: sesPool.EmailConfiguration}, 130},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := mixedWorld(t, tt.pool, 130) // three pages
				require.NoError(t, f.SetUserMFA(pool, "user0001", []string{"EMAIL_OTP"}, "EMAIL_OTP"))
				r, err := resetpw.New(f)
				require.NoError(t, err)
				var outs []bulk.Outcome
				sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{}, func(o bulk.Outcome) { outs = append(outs, o) })
				require.NoError(t, err)
				assert.Equal(t, seq(130), indexes(outs))
				assert.Equal(t, 130, sum.Read)
				assert.Zero(t, f.Calls("AdminResetUserPassword"))
				assert.Equal(t, tt.userReads, f.Calls("AdminGetUser"))
				assert.Equal(t, 3, f.Calls("ListUsers"), "⌈130/60⌉ pages")
				assert.Equal(t, 1, f.Calls("DescribeUserPool"))
				// 44 users have a phone, 17 an unverified email, 69 a verified one.
				wantEmail, wantNone := 69, 17
				if tt.userReads > 0 {
					wantEmail, wantNone = 68, 18 // user0001's email MFA disqualifies email (R5), and it has no phone
				}
				assert.Equal(t, wantNone, sum.ByKind[resetpw.ErrNoVerifiedContact])
				assert.Equal(t, wantEmail, sum.ByMedium["EMAIL"])
				for _, o := range outs {
					wantPage := ""
					if o.Index >= 60 {
						wantPage = "page:60"
					}
					if o.Index >= 120 {
						wantPage = "page:120"
					}
					assert.Equal(t, wantPage, o.PageToken, "input %d", o.Index)
				}
			})
		})
	}
}

func TestPlanPool_Resumes(t *testing.T) {
	f, pool := mixedWorld(t, sesPool, 130)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	var names []string
	sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{PageToken: "page:60"}, func(o bulk.Outcome) {
		names = append(names, o.Input.Request.Username)
	})
	require.NoError(t, err)
	assert.Equal(t, 70, sum.Done, "from the second page on")
	assert.Contains(t, names, "user0060")
	assert.NotContains(t, names, "user0059")

	_, err = bulk.PlanPool(context.Background(), r, "not a pool", bulk.Options{}, nil)
	assert.ErrorIs(t, err, resetpw.ErrConfig)
	_, err = bulk.PlanPool(context.Background(), r, pool, bulk.Options{PageToken: "bogus"}, nil)
	require.ErrorIs(t, err, resetpw.ErrRunStopped)
	assert.ErrorIs(t, err, resetpw.ErrInvalidInput, "the stop names its cause")
}
