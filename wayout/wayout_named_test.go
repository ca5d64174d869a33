package wayout_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	smithylogging "github.com/aws/smithy-go/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// Cognito's answers that say nothing was done (the user left
// FORCE_CHANGE_PASSWORD before the invitation, R40; the password broke
// the policy or its history, R42) are refusals of their kinds: not maybe
// sent, and not an outage.
func TestWays_AnswersThatSayNothingWasDoneAreNotMaybeSent(t *testing.T) {
	rows := []struct {
		name, action string
		status       types.UserStatusType
		err          error
		want         resetpw.Kind
	}{
		{"invitation, user state", "invite", "FORCE_CHANGE_PASSWORD", &types.UnsupportedUserStateException{Message: aws.String("Resend not possible. User status is not FORCE_CHANGE_PASSWORD.")}, resetpw.ErrUserState},
		{"password, policy", "temp", "CONFIRMED", &types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: Password not long enough")}, resetpw.ErrConfig},
		{"password, history", "temp", "CONFIRMED", &types.PasswordHistoryPolicyViolationException{Message: aws.String("x")}, resetpw.ErrConfig},
	}
	ops := map[string]resetpwtest.Operation{"invite": "AdminCreateUser", "temp": "AdminSetUserPassword"}
	for _, tg := range targets {
		for _, row := range rows {
			t.Run(tg.name+"/"+row.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{})
				_, err := f.AddUser(pool, user("u", row.status, true, "email", "u@example.com"))
				require.NoError(t, err)
				w, err := newWays(tg.api(t, f))
				require.NoError(t, err)
				f.FailNext(ops[row.action], 1, row.err)
				req := resetpw.Request{UserPoolID: pool, Username: "u"}
				if row.action == "invite" {
					_, err = w.InviteAgain(t.Context(), req)
				} else {
					_, err = w.SetTemporaryPassword(t.Context(), req)
				}
				var e *resetpw.Error
				require.ErrorAs(t, err, &e)
				assert.False(t, resetpw.MaybeSent(err), "Cognito answered that it did nothing")
				assert.Equal(t, row.want, e.Kind)
			})
		}
	}
}

// A pool whose policy refused the password is read again before the next
// password: its policy may have changed since it was cached.
func TestSetTemporaryPassword_PolicyRefusalRereadsThePool(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("u", "CONFIRMED", true))
	require.NoError(t, err)
	w, err := newWays(f)
	require.NoError(t, err)
	f.FailNext("AdminSetUserPassword", 1, &types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: Password not long enough")})
	req := resetpw.Request{UserPoolID: pool, Username: "u"}
	_, err = w.SetTemporaryPassword(t.Context(), req)
	require.ErrorIs(t, err, resetpw.ErrConfig)
	before := f.Calls("DescribeUserPool")
	_, err = w.SetTemporaryPassword(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, before+1, f.Calls("DescribeUserPool"))
}

// An invitation whose password Cognito refused (InvalidPasswordException,
// R42) has the pool read again before the next one, as a temporary
// password does: the policy may have changed since the pool was cached.
// In the second row it has: the pool's cached policy is older than the
// one Cognito checks, so only a pool read again gives a password Cognito
// takes.
func TestInviteAgain_PolicyRefusalRereadsThePool(t *testing.T) {
	policy := &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(64)}}
	rows := []struct {
		name   string
		pool   types.UserPoolType
		stale  bool // the first DescribeUserPool answers the pool without its policy
		refuse error
	}{
		{"refused password answered", types.UserPoolType{}, false,
			&types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: Password not long enough")}},
		{"policy lengthened since the pool was cached", types.UserPoolType{Policies: policy}, true, nil},
	}
	for _, tg := range targets {
		for _, row := range rows {
			t.Run(tg.name+"/"+row.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(row.pool)
				_, err := f.AddUser(pool, user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com"))
				require.NoError(t, err)
				api := tg.api(t, f)
				if row.stale {
					api = &staleOnce{API: api}
				}
				w, err := newWays(api)
				require.NoError(t, err)
				if row.refuse != nil {
					f.FailNext("AdminCreateUser", 1, row.refuse)
				}
				req := resetpw.Request{UserPoolID: pool, Username: "u"}
				_, err = w.InviteAgain(t.Context(), req)
				require.ErrorIs(t, err, resetpw.ErrConfig)
				assert.False(t, resetpw.MaybeSent(err), "Cognito answered that it did nothing")
				before := f.Calls("DescribeUserPool")
				_, err = w.InviteAgain(t.Context(), req)
				require.NoError(t, err)
				assert.Equal(t, before+1, f.Calls("DescribeUserPool"), "the pool is read again")
				pw, _, ok := f.TemporaryPassword(pool, "u")
				require.True(t, ok)
				if row.stale {
					assert.GreaterOrEqual(t, len(pw), 64, "the password meets the policy read again")
				}
			})
		}
	}
}

// staleOnce answers its first DescribeUserPool with the pool as it was
// before its password policy was set: a cache older than the pool.
type staleOnce struct {
	wayout.API
	read atomic.Bool
}

func (s *staleOnce) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, o ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	out, err := s.API.DescribeUserPool(ctx, in, o...)
	if err != nil || out == nil || out.UserPool == nil || !s.read.CompareAndSwap(false, true) {
		return out, err
	}
	p := *out.UserPool
	p.Policies = nil
	return &cip.DescribeUserPoolOutput{UserPool: &p, ResultMetadata: out.ResultMetadata}, nil
}

// A refusal names verify_contact only for a contact the pool's recovery
// would use once verified: a pool that recovers by email alone, and a user
// with an unverified phone, has a temporary password as its way out.
func TestReset_VerifyContactNamedOnlyWhereRecoveryWouldUseIt(t *testing.T) {
	emailOnly := types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}}}
	phoneOnly := types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)}}}}
	phoneWithSMS := phoneOnly
	phoneWithSMS.SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms")}
	unverifiedPhone := []string{"phone_number", "+12065550100", "phone_number_verified", "false"}
	rows := []struct {
		name  string
		pool  types.UserPoolType
		attrs []string
		want  resetpw.WayOut
	}{
		{"email recovery, unverified phone", emailOnly, unverifiedPhone, wayout.TemporaryPassword},
		{"email recovery, unverified email", emailOnly, []string{"email", "u@example.com", "email_verified", "false"}, wayout.VerifyContact},
		{"phone recovery, no SMS configuration", phoneOnly, unverifiedPhone, wayout.TemporaryPassword},
		{"phone recovery, SMS configured", phoneWithSMS, unverifiedPhone, wayout.VerifyContact},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(row.pool)
			_, err := f.AddUser(pool, user("u", "CONFIRMED", true, row.attrs...))
			require.NoError(t, err)
			r, err := resetpw.New(f)
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "u"})
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, row.want, e.WayOut)
		})
	}
}

// admin_only refuses every reset; it names a temporary password only for a
// user who takes one (not a disabled, UNCONFIRMED, federated or unknown
// user), and names the user it read.
func TestReset_AdminOnlyNamesTemporaryPasswordOnlyForUsersWhoTakeOne(t *testing.T) {
	adminOnly := types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
		{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)}}}}
	rows := []struct {
		u    types.UserType
		name string
		want resetpw.WayOut
	}{
		{user("ok", "CONFIRMED", true), "ok", wayout.TemporaryPassword},
		{user("dis", "CONFIRMED", false), "dis", ""},
		{user("unc", "UNCONFIRMED", true), "unc", ""},
		{user("Google_1", "EXTERNAL_PROVIDER", true), "Google_1", ""},
		{user("ok", "CONFIRMED", true), "ghost", ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(adminOnly)
			_, err := f.AddUser(pool, row.u)
			require.NoError(t, err)
			r, err := resetpw.New(f)
			require.NoError(t, err)
			w, err := wayout.New(r)
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: row.name}
			_, err = r.Reset(t.Context(), req)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.ErrRecoveryNotConfigured, e.Kind)
			assert.Equal(t, row.want, e.WayOut)
			if row.want != "" {
				assert.Equal(t, row.name, e.User)
				_, err = w.SetTemporaryPassword(t.Context(), req)
				assert.NoError(t, err, "the way named can be taken")
			}
		})
	}
}

// A user in FORCE_CHANGE_PASSWORD whom no invitation reaches (no contact;
// a phone number in a pool with no SMS configuration) has a temporary
// password as its way out, which can be taken; one an invitation reaches
// is invited again.
func TestReset_ForceChangeNamesInviteAgainOnlyWhereAnInvitationReaches(t *testing.T) {
	rows := []struct {
		name string
		u    types.UserType
		want resetpw.WayOut
	}{
		{"no contact", user("u", "FORCE_CHANGE_PASSWORD", true), wayout.TemporaryPassword},
		{"phone, no SMS configuration", user("u", "FORCE_CHANGE_PASSWORD", true, "phone_number", "+12065550100"), wayout.TemporaryPassword},
		{"email", user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com"), wayout.InviteAgain},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, row.u)
			require.NoError(t, err)
			r, err := resetpw.New(f)
			require.NoError(t, err)
			w, err := wayout.New(r)
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "u"}
			_, err = r.Reset(t.Context(), req)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, row.want, e.WayOut)
			if row.want == wayout.InviteAgain {
				_, err = w.InviteAgain(t.Context(), req)
			} else {
				_, err = w.SetTemporaryPassword(t.Context(), req)
			}
			assert.NoError(t, err, "the way named can be taken")
		})
	}
}

// With the SDK's body logging turned on (WithClientOptions), the request
// that sets the temporary password is logged without its body.
func TestWays_PasswordNotInTheSDKsBodyLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status types.UserStatusType
		do     func(*wayout.Ways, context.Context, resetpw.Request) (*resetpw.Result, error)
		op     string
	}{
		{"temporary password", "CONFIRMED", (*wayout.Ways).SetTemporaryPassword, "AdminSetUserPassword"},
		{"invitation", "FORCE_CHANGE_PASSWORD", (*wayout.Ways).InviteAgain, "AdminCreateUser"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, user("u", tc.status, true, "email", "u@example.com"))
			require.NoError(t, err)
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			var sdkLog bytes.Buffer
			w, err := newWays(srv.Client(), resetpw.WithClientOptions(func(o *cip.Options) {
				o.ClientLogMode = aws.LogRequestWithBody | aws.LogResponseWithBody
				o.Logger = smithylogging.NewStandardLogger(&sdkLog)
			}))
			require.NoError(t, err)
			_, err = tc.do(w, t.Context(), resetpw.Request{UserPoolID: pool, Username: "u"})
			require.NoError(t, err)
			pw, _, ok := f.TemporaryPassword(pool, "u")
			require.True(t, ok)
			require.NotEmpty(t, pw)
			assert.Contains(t, sdkLog.String(), tc.op, "the request is logged, without its body")
			for _, form := range printedForms(pw) {
				assert.NotContains(t, sdkLog.String(), form)
			}
		})
	}
}

// A temporary password whose answer was lost (maybe set, nobody holds it)
// still signs the user out, and its error names setting another as the
// way out.
func TestSetTemporaryPassword_MaybeSetStillSignsOut(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("u", "CONFIRMED", true))
	require.NoError(t, err)
	w, err := newWays(f)
	require.NoError(t, err)
	f.FailNext("AdminSetUserPassword", 1, &types.InternalErrorException{Message: aws.String("x")})
	_, err = w.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "u"})
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	require.True(t, resetpw.MaybeSent(err))
	assert.Equal(t, wayout.TemporaryPassword, e.WayOut)
	assert.Len(t, f.SignOuts(), 1, "signed out all the same")
}

// Ways share their Resetter's daily email cap: an emailed invitation counts
// with the resets.
func TestWays_ShareTheResettersEmailCap(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("a", "CONFIRMED", true, "email", "a@example.com", "email_verified", "true"))
	require.NoError(t, err)
	_, err = f.AddUser(pool, user("b", "FORCE_CHANGE_PASSWORD", true, "email", "b@example.com"))
	require.NoError(t, err)
	r, err := resetpw.New(f, resetpw.WithEmailCap(1, nil))
	require.NoError(t, err)
	w, err := wayout.New(r)
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "a"})
	require.NoError(t, err)
	_, err = w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "b"})
	assert.ErrorIs(t, err, resetpw.ErrDeliveryConfig, "a cap of 1 email a day, and this is the second")
	assert.Len(t, f.Deliveries(), 1)
}

// New refuses a nil Resetter, and one whose API can't take the ways.
func TestNew_RefusesAResetterWithoutTheWays(t *testing.T) {
	_, err := wayout.New(nil)
	assert.ErrorIs(t, err, resetpw.ErrConfig)
	r, err := resetpw.New(resetOnly{resetpwtest.NewFake()})
	require.NoError(t, err)
	_, err = wayout.New(r)
	assert.ErrorIs(t, err, resetpw.ErrConfig)
}

// resetOnly is a resetpw.API without AdminCreateUser and AdminSetUserPassword.
type resetOnly struct{ resetpw.API }

// An invitation signs the user out when the request asks it: a user that
// AdminSetUserPassword put in FORCE_CHANGE_PASSWORD keeps its sessions.
func TestInviteAgain_SignsOutWhenAsked(t *testing.T) {
	for _, signOut := range []bool{true, false} {
		f := resetpwtest.NewFake()
		pool := f.AddPool(types.UserPoolType{})
		_, err := f.AddUser(pool, user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com"))
		require.NoError(t, err)
		w, err := newWays(f)
		require.NoError(t, err)
		res, err := w.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "u", SignOut: signOut})
		require.NoError(t, err)
		assert.Equal(t, signOut, res.SignedOut)
		assert.Len(t, f.SignOuts(), map[bool]int{true: 1, false: 0}[signOut])
	}
}

// PasswordExpires is counted from before the request: never later than
// the expiry Cognito (here the Fake) counts from when it set the password.
func TestSetTemporaryPassword_ExpiresNoLaterThanCognitoSays(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, user("u", "CONFIRMED", true))
	require.NoError(t, err)
	w, err := newWays(f)
	require.NoError(t, err)
	res, err := w.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "u"})
	require.NoError(t, err)
	_, expires, ok := f.TemporaryPassword(pool, "u")
	require.True(t, ok)
	assert.False(t, res.PasswordExpires.After(expires), "%v is after %v", res.PasswordExpires, expires)
}

// R68: the ways are writes a secondary replica does not take: both are
// refused before sending as ErrNotEnabled, naming the primary's Region.
func TestWays_RefusedBeforeSendingInASecondaryReplica(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("eu-central-1_Replica01"), Arn: aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/eu-central-1_Replica01")})
	_, err := f.AddUser(pool, user("u", "FORCE_CHANGE_PASSWORD", true, "email", "u@example.com"))
	require.NoError(t, err)
	w, err := newWays(f)
	require.NoError(t, err)
	req := resetpw.Request{UserPoolID: pool, Username: "u"}
	_, err = w.InviteAgain(t.Context(), req)
	require.ErrorIs(t, err, resetpw.ErrNotEnabled)
	assert.Contains(t, err.Error(), "eu-central-1")
	_, err = w.SetTemporaryPassword(t.Context(), req)
	require.ErrorIs(t, err, resetpw.ErrNotEnabled)
	assert.Zero(t, f.Calls("AdminCreateUser")+f.Calls("AdminSetUserPassword"), "nothing sent")
}
