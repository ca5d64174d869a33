package bulk_test

import (
	"context"
	"errors"
	"fmt"
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

// mixedWorld returns a pool with n users: every third has only a phone,
// every fifth (not a third) has nothing verified, the rest an email. The
// pool can send SMS (an SMS role, R61) unless it says otherwise.
func mixedWorld(t testing.TB, pool types.UserPoolType, n int) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	if pool.SmsConfiguration == nil {
		pool.SmsConfiguration = smsRole()
	}
	id := f.AddPool(pool)
	for i := range n {
		name := fmt.Sprintf("user%04d", i)
		var u types.UserType
		switch {
		case i%3 == 0:
			u = resetpwtest.User(name, "phone_number", fmt.Sprintf("+4420794%05d", i), "phone_number_verified", "true")
		case i%5 == 0:
			u = resetpwtest.User(name, "email", name+"@example.com", "email_verified", "false")
		default:
			u = resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")
		}
		_, err := f.AddUser(id, u)
		require.NoError(t, err)
	}
	return f, id
}

var sesPool = types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}}

func TestPlan_OneOutcomePerInputNothingSent(t *testing.T) {
	f, pool := mixedWorld(t, sesPool, 30)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	names := append(userNames(30), "user0001", "ghost", "bad name")
	outs, sum, err := collect(t, r, context.Background(), requests(pool, names...), bulk.Options{}, true)
	require.NoError(t, err)
	assert.Equal(t, seq(len(names)), indexes(outs), "one outcome per input")
	assert.Zero(t, f.Calls("AdminResetUserPassword"), "a plan sends nothing")
	assert.Empty(t, f.Deliveries())
	assert.Equal(t, map[resetpw.Medium]int{resetpw.MediumEmail: 16, resetpw.MediumSMS: 10}, sum.ByMedium)
	assert.Equal(t, map[resetpw.Kind]int{resetpw.ErrNoVerifiedContact: 4, resetpw.ErrUserNotFound: 1, resetpw.ErrInvalidInput: 1}, sum.ByKind)
	assert.Equal(t, 1, sum.Duplicates)
	for _, o := range outs {
		if o.Err == nil && !o.Duplicate {
			require.NotNil(t, o.Result.Delivery, "where the code would go")
			assert.Empty(t, o.Result.RequestID)
		}
	}
}

// The breaker stops a run at the first account-wide failure: no reset is
// sent after it but those in flight, and every input read has an outcome.
func TestBulk_CircuitBreaker(t *testing.T) {
	dailyLimit := &types.LimitExceededException{Message: aws.String("Exceeded daily email limit for the operation or the account. " +
		"If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.")}
	for _, tt := range []struct {
		name    string
		fail    error
		n       int // how many resets fail so
		opts    bulk.Options
		cause   resetpw.Kind
		stopped bool
	}{
		{"daily email limit", dailyLimit, 1, bulk.Options{}, resetpw.ErrDeliveryConfig, true},
		{"SMS role", &types.InvalidSmsRoleAccessPolicyException{Message: aws.String("role")}, 1, bulk.Options{}, resetpw.ErrDeliveryConfig, true},
		{"access denied", &types.NotAuthorizedException{Message: aws.String("not authorized to perform cognito-idp:AdminResetUserPassword")}, 1,
			bulk.Options{}, resetpw.ErrAccessDenied, true},
		{"pool deleted", &types.ResourceNotFoundException{Message: aws.String("User pool does not exist.")}, 1, bulk.Options{}, resetpw.ErrPoolNotFound, true},
		{"unavailable DefaultMaxUnavailable times", &types.InternalErrorException{}, 5, bulk.Options{}, resetpw.ErrUnavailable, true},
		{"unavailable one time fewer", &types.InternalErrorException{}, 5 - 1, bulk.Options{}, resetpw.ErrUnavailable, false},
		{"unavailable twice, limit 2", &types.InternalErrorException{}, 2, bulk.Options{MaxUnavailable: 2}, resetpw.ErrUnavailable, true},
		{"the user's own limit goes on", &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")}, 3,
			bulk.Options{}, resetpw.ErrAttemptLimit, false},
		{"KeepGoing", dailyLimit, 1, bulk.Options{KeepGoing: true}, resetpw.ErrDeliveryConfig, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := bulkWorld(t, 100)
				f.FailNext("AdminResetUserPassword", tt.n, tt.fail)
				r, err := resetpw.New(f)
				require.NoError(t, err)
				opts := tt.opts
				opts.Concurrency = 4
				outs, sum, err := collect(t, r, context.Background(), requests(pool, userNames(100)...), opts, false)
				assert.Equal(t, seq(sum.Read), indexes(outs), "an outcome for every input read")
				failed := 0
				for _, o := range outs {
					if errors.Is(o.Err, tt.cause) && !errors.Is(o.Err, resetpw.ErrRunStopped) {
						failed++
					}
				}
				assert.Equal(t, tt.n, failed)
				if !tt.stopped {
					require.NoError(t, err)
					assert.Equal(t, 100-tt.n, len(f.Deliveries()))
					return
				}
				require.ErrorIs(t, err, resetpw.ErrRunStopped)
				require.ErrorIs(t, err, tt.cause, "Bulk's error matches the cause's kind")
				attempts := f.Calls("AdminResetUserPassword")
				assert.LessOrEqual(t, attempts, tt.n+opts.Concurrency, "resets sent ≤ the failures that tripped it + in flight")
				assert.Equal(t, attempts-tt.n, len(f.Deliveries()))
				stopped := 0
				for _, o := range outs {
					if errors.Is(o.Err, resetpw.ErrRunStopped) {
						stopped++
						assert.ErrorIs(t, o.Err, tt.cause, "the outcome names the cause")
						assert.False(t, resetpw.MaybeSent(o.Err))
					}
				}
				assert.Equal(t, 100, tt.n+len(f.Deliveries())+stopped, "every input: failed, sent or stopped")
				assert.Equal(t, 100, sum.Read, "reading went on after the stop")
				assert.Equal(t, 100, sum.Done)
				assert.True(t, sum.ReadAll)
			})
		})
	}
}

// A pool on Cognito's built-in email gets at most WithEmailCap's email
// codes from a run; SMS codes go on; Plan counts what would exceed it.
func TestBulk_DailyEmailCap(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit int
		email int
	}{
		{"default cap", 0, quota.DefaultDailyEmailLimit},
		{"raised", 60, 60},
		{"lifted", -1, 64},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := mixedWorld(t, types.UserPoolType{}, 120) // COGNITO_DEFAULT: 64 emails, 40 SMS, 16 with nothing verified
				r, err := resetpw.New(f, resetpw.WithEmailCap(tt.limit, nil))
				require.NoError(t, err)
				_, planned, err := collect(t, r, context.Background(), requests(pool, userNames(120)...), bulk.Options{}, true)
				require.NoError(t, err)
				outs, sum, err := collect(t, r, context.Background(), requests(pool, userNames(120)...), bulk.Options{}, false)
				require.NoError(t, err, "the cap stops email inputs, not the run")
				assert.Len(t, outs, 120)
				emails := 0
				for _, d := range f.Deliveries() {
					if d.Medium == "EMAIL" {
						emails++
					}
				}
				assert.Equal(t, tt.email, emails)
				assert.Equal(t, tt.email, sum.ByMedium["EMAIL"])
				assert.Equal(t, 40, sum.ByMedium["SMS"])
				assert.Equal(t, 64-tt.email, sum.OverEmailCap)
				assert.Equal(t, 64-tt.email, planned.OverEmailCap, "the plan says so before anything is sent")
				for _, o := range outs {
					if o.Err != nil && !errors.Is(o.Err, resetpw.ErrNoVerifiedContact) {
						assert.ErrorIs(t, o.Err, resetpw.ErrRunStopped)
						assert.Contains(t, o.Err.Error(), "daily email cap")
					}
				}
			})
		})
	}
}

// The default pace leaves half of UserAccountRecovery to the application.
func TestBulk_DefaultRateLeavesHeadroom(t *testing.T) {
	assert.Equal(t, 15.0, quota.DefaultRates()[quota.CategoryUserAccountRecovery])
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 61)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		start := time.Now()
		_, sum, err := collect(t, r, context.Background(), requests(pool, userNames(61)...), bulk.Options{}, false)
		require.NoError(t, err)
		assert.Equal(t, 61, sum.Sent)
		assert.Equal(t, 4*time.Second, time.Since(start).Round(100*time.Millisecond), "61 resets at 15 a second: the first at once, 60 more in 4 s")
	})
}

// BeforeSend runs before each reset; an error sends nothing and stops the run.
func TestBulk_BeforeSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 20)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		diskFull := errors.New("journal.jsonl: no space left on device")
		calls := 0
		opts := bulk.Options{Concurrency: 1, BeforeSend: func(i int, req bulk.Input, username string) error {
			calls++
			assert.Equal(t, i, req.Key, "bulk.Requests keys each input by its position")
			assert.Equal(t, req.Request.Username, username)
			if calls == 5 {
				return diskFull
			}
			return nil
		}}
		_, sum, err := collect(t, r, context.Background(), requests(pool, userNames(20)...), opts, false)
		require.ErrorIs(t, err, diskFull, "the run's error names the cause")
		require.ErrorIs(t, err, resetpw.ErrRunStopped)
		assert.Equal(t, 4, len(f.Deliveries()), "nothing sent from the failed journal write on")
		assert.Equal(t, 4, sum.Sent)

		_, _, err = collect(t, r, context.Background(), requests(pool, userNames(3)...), bulk.Options{BeforeSend: func(int, bulk.Input, string) error {
			t.Fatal("a plan calls no BeforeSend")
			return nil
		}}, true)
		require.NoError(t, err)
	})
}

// smsRole is the SmsConfiguration of a pool that can send SMS through SNS:
// without an SMS role, Cognito sends none (R61).
func smsRole() *types.SmsConfigurationType {
	return &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms"), ExternalId: aws.String("sms")}
}
