package resetpwtest_test

import (
	"time"

	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestMock(t *testing.T) {
	m := resetpwtest.NewMock(t)
	m.OnReset("us-west-2_aaaaaaaaa", "diego").Return(resetpwtest.Sent("us-west-2_aaaaaaaaa", "diego", "diego@example.com"), nil).Once()
	m.OnReset("us-west-2_aaaaaaaaa", "ghost").Return(nil, resetpwtest.Fail(resetpw.ErrUserNotFound)).Once()
	m.OnResetWith(resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}}).Return(nil, resetpwtest.Fail(resetpw.ErrThrottled))

	var r resetpw.PasswordResetter = m
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, resetpw.MediumEmail, res.Delivery.Medium)
	assert.Equal(t, "d***@e***.com", res.Delivery.MaskedDestination)
	assert.Equal(t, "diego", res.Username)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "ghost"})
	assert.ErrorIs(t, err, resetpw.ErrUserNotFound)
	var e *resetpw.Error
	assert.ErrorAs(t, err, &e)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}})
	assert.ErrorIs(t, err, resetpw.ErrThrottled)
}

func TestMock_EveryEntryPoint(t *testing.T) {
	ctx := context.Background()
	const pool = "us-west-2_aaaaaaaaa"
	m := resetpwtest.NewMock(t)
	m.OnCheck(pool, "sam").Return(resetpwtest.Sent(pool, "sam", "+1 206 555 0100"), nil).Once()
	m.OnCheckPool(pool).Return(&resetpw.PoolReport{UserPoolID: pool, Resettable: true}, nil).Once()
	m.OnReset(pool, "a").Return(resetpwtest.Sent(pool, "a", "a@example.com"), nil).Once()
	unavailable := resetpwtest.Fail(resetpw.ErrUnavailable)
	unavailable.Username, unavailable.RequestID = "b", "req-b"
	unavailable.Op, unavailable.Fate = resetpw.OpReset, resetpw.FateUnknown // the reset's answer was lost
	m.OnReset(pool, "b").Return(nil, unavailable).Once()

	// Each caller declares the interface it needs; the Mock has every
	// method of a Resetter.
	var checker interface {
		Check(context.Context, resetpw.Request) (*resetpw.Result, error)
	} = m
	res, err := checker.Check(ctx, resetpw.Request{UserPoolID: pool, Username: "sam"})
	require.NoError(t, err)
	assert.Equal(t, resetpw.Delivery{Medium: "SMS", MaskedDestination: "+*******0100", Sender: "SNS"}, *res.Delivery)

	var pc interface {
		CheckPool(context.Context, string) (*resetpw.PoolReport, error)
	} = m
	rep, err := pc.CheckPool(ctx, pool)
	require.NoError(t, err)
	assert.True(t, rep.Resettable)

	res, err = m.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "a"})
	require.NoError(t, err)
	assert.Equal(t, resetpw.SenderCognitoDefault, res.Delivery.Sender, "an email goes as a default Fake pool sends it")
	_, err = m.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "b"})
	assert.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.True(t, resetpw.MaybeSent(err), "Op OpReset, Fate FateUnknown: maybe sent")
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "req-b", e.RequestID)
}

// fakeT records what NewMock reports at cleanup.
type fakeT struct {
	cleanups []func()
	errors   int
}

func (f *fakeT) Logf(string, ...any)   {}
func (f *fakeT) Errorf(string, ...any) { f.errors++ }
func (f *fakeT) FailNow()              {}
func (f *fakeT) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }

func TestNewMock_AssertsAtCleanup(t *testing.T) {
	ft := &fakeT{}
	m := resetpwtest.NewMock(ft)
	m.OnReset("p_1", "never-called").Return(nil, nil)
	require.Len(t, ft.cleanups, 1)
	ft.cleanups[0]()
	assert.Positive(t, ft.errors, "an unmet expectation fails the test")
}

// failScenarios make the real Resetter, over a Fake with the default
// options (PreflightFull, WithSNS and WithSES on the Fake), fail with each
// kind in its most common way, so that Fail can be checked against it.
var failScenarios = []struct {
	kind  resetpw.Kind
	pool  types.UserPoolType
	setup func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request
}{
	{resetpw.ErrInvalidInput, types.UserPoolType{}, func(_ *testing.T, _ *resetpwtest.Fake, pool string) resetpw.Request {
		return resetpw.Request{UserPoolID: pool, Username: ""}
	}},
	{resetpw.ErrConfig, types.UserPoolType{}, func(_ *testing.T, _ *resetpwtest.Fake, _ string) resetpw.Request {
		return resetpw.Request{UserPoolID: "not a pool ID", Username: "diego"}
	}},
	{resetpw.ErrPoolNotFound, types.UserPoolType{}, func(_ *testing.T, _ *resetpwtest.Fake, _ string) resetpw.Request {
		return resetpw.Request{UserPoolID: "us-west-2_nosuchpool", Username: "diego"}
	}},
	{resetpw.ErrUserNotFound, types.UserPoolType{}, func(_ *testing.T, _ *resetpwtest.Fake, pool string) resetpw.Request {
		return resetpw.Request{UserPoolID: pool, Username: "ghost"}
	}},
	{resetpw.ErrAmbiguousAlias, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		for _, n := range []string{"a", "b"} {
			addUser(t, f, pool, resetpwtest.User(n, "email", "shared@example.com", "email_verified", "true"))
		}
		return resetpw.Request{UserPoolID: pool, Username: "shared@example.com"}
	}},
	{resetpw.ErrUserDisabled, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
		u.Enabled = false
		addUser(t, f, pool, u)
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrUserState, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
		u.UserStatus = types.UserStatusTypeForceChangePassword
		addUser(t, f, pool, u)
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrRecoveryNotConfigured, types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{
		RecoveryMechanisms: []types.RecoveryOptionType{{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)}}}},
		func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
			addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			return resetpw.Request{UserPoolID: pool, Username: "diego"}
		}},
	{resetpw.ErrNoVerifiedContact, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com"))
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrSMSSandbox, types.UserPoolType{SmsConfiguration: smsRole}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		f.SetSMSSandbox(true)
		addUser(t, f, pool, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
		return resetpw.Request{UserPoolID: pool, Username: "sam"}
	}},
	{resetpw.ErrSESSandbox, types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{
		EmailSendingAccount: types.EmailSendingAccountTypeDeveloper,
		SourceArn:           aws.String("arn:aws:ses:us-west-2:" + resetpwtest.DefaultAccount + ":identity/no-reply@example.org")}},
		func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
			f.SetSESSandbox(true)
			f.VerifySESIdentities("no-reply@example.org")
			addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			return resetpw.Request{UserPoolID: pool, Username: "diego"}
		}},
	{resetpw.ErrDeliveryConfig, types.UserPoolType{SmsConfiguration: smsRole, SmsConfigurationFailure: aws.String("InvalidSmsRoleAccessPolicyException")},
		func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
			addUser(t, f, pool, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
			return resetpw.Request{UserPoolID: pool, Username: "sam"}
		}},
	{resetpw.ErrTrigger, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		f.FailNext("AdminResetUserPassword", 1, &types.UnexpectedLambdaException{Message: aws.String("boom")})
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrThrottled, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		f.FailNext("AdminResetUserPassword", 100, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrAttemptLimit, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		f.SetAttemptLimit(1)
		_, err := f.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego")})
		require.NoError(t, err)
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrAccessDenied, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		f.FailNext("DescribeUserPool", 1, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"})
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrUnavailable, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		f.FailNext("AdminGetUser", 100, &types.InternalErrorException{Message: aws.String("internal error")})
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
	{resetpw.ErrNotEnabled, types.UserPoolType{}, func(t *testing.T, f *resetpwtest.Fake, pool string) resetpw.Request {
		f.FailNext("DescribeUserPool", 1, &types.OperationNotEnabledException{Message: aws.String("not enabled")})
		return resetpw.Request{UserPoolID: pool, Username: "diego"}
	}},
}

func addUser(t *testing.T, f *resetpwtest.Fake, pool string, u types.UserType) {
	t.Helper()
	_, err := f.AddUser(pool, u)
	require.NoError(t, err)
}

// Fail(kind) carries the Op and the Fate that the real Resetter reports for
// the kind's most common cause, and so says what MaybeSent would.
func TestFail_AsTheResetterReports(t *testing.T) {
	require.Len(t, failScenarios, len(resetpw.Kinds())-1, "every kind but ErrRunStopped (TestFail_RunStopped) has a scenario")
	for _, sc := range failScenarios {
		t.Run(sc.kind.Code(), func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(sc.pool)
			req := sc.setup(t, f, pool)
			r, err := resetpw.New(f, groundtruth.WithSNS(f.SNS()), groundtruth.WithSES(f.SES()), resetpw.WithRetries(3, time.Microsecond, time.Microsecond))
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), req)
			var real *resetpw.Error
			require.ErrorAs(t, err, &real)
			require.Equal(t, sc.kind, real.Kind, "the scenario gives its kind: %v", err)

			e := resetpwtest.Fail(sc.kind)
			assert.Equal(t, sc.kind, e.Kind)
			assert.Equal(t, real.Op, e.Op, "Op")
			assert.Equal(t, real.Fate, e.Fate, "Fate")
			assert.Equal(t, resetpw.MaybeSent(real), resetpw.MaybeSent(e), "MaybeSent")
			assert.Equal(t, real.HTTPStatus(), e.HTTPStatus(), "HTTPStatus")
			assert.Equal(t, sc.kind.HTTPStatus(), e.HTTPStatus(), "the README table's status")
		})
	}
}

// Fail(ErrRunStopped) is what Bulk gives an input it did not send after
// its context ended.
func TestFail_RunStopped(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var got []bulk.Outcome
	_, err = bulk.Run(ctx, r, bulk.Requests(func(yield func(resetpw.Request) bool) { yield(resetpw.Request{UserPoolID: pool, Username: "diego"}) }),
		bulk.Options{}, func(o bulk.Outcome) { got = append(got, o) })
	require.ErrorIs(t, err, resetpw.ErrRunStopped)
	require.Len(t, got, 1)
	var real *resetpw.Error
	require.ErrorAs(t, got[0].Err, &real)
	e := resetpwtest.Fail(resetpw.ErrRunStopped)
	assert.Equal(t, real.Kind, e.Kind)
	assert.Equal(t, real.Op, e.Op)
	assert.Equal(t, resetpw.MaybeSent(real), resetpw.MaybeSent(e))
	// The Resetter leaves this outcome's Fate unrecorded (""); nothing was
	// sent, which Fail says.
	assert.Contains(t, []resetpw.Fate{"", resetpw.FateNotSent}, real.Fate)
	assert.Equal(t, resetpw.FateNotSent, e.Fate)
}

func TestMock_OnResetWith(t *testing.T) {
	const pool = "us-west-2_aaaaaaaaa"
	agent := map[string]string{"agent": "alice"}
	tests := []struct {
		name  string
		req   resetpw.Request
		match bool
	}{
		{"the same request", resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"agent": "alice"}}, true},
		{"another value", resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"agent": "bob"}}, false},
		{"a key more", resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"agent": "alice", "x": "y"}}, false},
		{"no metadata", resetpw.Request{UserPoolID: pool, Username: "diego"}, false},
		{"another user", resetpw.Request{UserPoolID: pool, Username: "maria", ClientMetadata: agent}, false},
		{"another pool", resetpw.Request{UserPoolID: "us-west-2_bbbbbbbbb", Username: "diego", ClientMetadata: agent}, false},
		{"sign-out asked for", resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: agent, SignOut: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := &fakeT{}
			m := resetpwtest.NewMock(ft)
			m.OnResetWith(resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: agent}).
				Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Once()
			func() {
				defer func() { _ = recover() }() // testify panics on a call no expectation matches
				_, _ = m.Reset(context.Background(), tt.req)
			}()
			for _, c := range ft.cleanups {
				c()
			}
			assert.Equal(t, tt.match, ft.errors == 0, "errors reported: %d", ft.errors)
		})
	}

	t.Run("nil and empty metadata are the same", func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		m.OnResetWith(resetpw.Request{UserPoolID: pool, Username: "diego"}).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Once()
		_, err := m.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{}})
		require.NoError(t, err)
	})

	t.Run("OnReset matches any metadata", func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		m.OnReset(pool, "diego").Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Twice()
		for _, md := range []map[string]string{nil, agent} {
			_, err := m.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: md})
			require.NoError(t, err)
		}
	})
}

// The other causes Fail's doc names give the Op and Fate it says, so that a
// test that sets them builds what the Resetter would return.
func TestFail_OtherCauses(t *testing.T) {
	tests := []struct {
		name      string
		kind      resetpw.Kind
		op        any // a resetpw.Op… constant
		fate      resetpw.Fate
		maybeSent bool
		run       func(t *testing.T, f *resetpwtest.Fake, r *resetpw.Resetter, pool string) error
	}{
		{"an email that resolves to nobody", resetpw.ErrUserNotFound, resetpw.OpResolve, resetpw.FateNotSent, false,
			func(t *testing.T, _ *resetpwtest.Fake, r *resetpw.Resetter, pool string) error {
				_, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "nobody@example.com"})
				return err
			}},
		{"Cognito's InvalidParameterException", resetpw.ErrInvalidInput, resetpw.OpReset, resetpw.FateAnswered, false,
			func(t *testing.T, f *resetpwtest.Fake, r *resetpw.Resetter, pool string) error {
				addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
				f.FailNext("AdminResetUserPassword", 1, &types.InvalidParameterException{Message: aws.String("1 validation error detected")})
				_, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
				return err
			}},
		{"the reset's answer lost", resetpw.ErrUnavailable, resetpw.OpReset, resetpw.FateUnknown, true,
			func(t *testing.T, f *resetpwtest.Fake, r *resetpw.Resetter, pool string) error {
				addUser(t, f, pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
				f.DelayAnswers(time.Hour)
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				_, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
				require.Len(t, f.Deliveries(), 1, "the Fake sent the code")
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			r, err := resetpw.New(f)
			require.NoError(t, err)
			var real *resetpw.Error
			require.ErrorAs(t, tt.run(t, f, r, pool), &real)
			assert.Equal(t, tt.kind, real.Kind)
			assert.Equal(t, tt.op, any(real.Op))
			assert.Equal(t, tt.fate, real.Fate)
			assert.Equal(t, tt.maybeSent, resetpw.MaybeSent(real))
		})
	}
}
