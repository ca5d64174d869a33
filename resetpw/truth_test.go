package resetpw_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// A stale ListUsers index must never reset the wrong user: the user it
// names is read with AdminGetUser and must still hold the identifier, with
// full preflight and with PreflightPool alike (docs/cognito-rules.md, R23).
func TestReset_StaleIndexNeverResetsTheWrongUser(t *testing.T) {
	for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
		for _, change := range []string{"email moved to another address", "email no longer verified"} {
			t.Run(p.String()+"/"+change, func(t *testing.T) {
				ctx := context.Background()
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{}) // email is not a sign-in attribute: looked up
				_, err := f.AddUser(pool, resetpwtest.User("alice", "email", "bob@example.com", "email_verified", "true"))
				require.NoError(t, err)
				thaw := f.FreezeListUsers()
				attrs := []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")},
					{Name: aws.String("email_verified"), Value: aws.String("true")}}
				if change == "email no longer verified" {
					attrs = []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("false")}}
				}
				_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("alice"), UserAttributes: attrs})
				require.NoError(t, err)
				_, err = f.AddUser(pool, resetpwtest.User("bob", "email", "bob@example.com", "email_verified", "true"))
				require.NoError(t, err)

				r, err := resetpw.New(f, resetpw.WithPreflight(p))
				require.NoError(t, err)
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "bob@example.com"})
				require.ErrorIs(t, err, resetpw.ErrUserNotFound)
				if change == "email moved to another address" {
					assert.Contains(t, err.Error(), "stale")
				} else {
					assert.Contains(t, err.Error(), "unverified")
				}
				assert.NotContains(t, err.Error(), "bob@example.com")
				var e *resetpw.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, resetpw.OpResolve, e.Op)
				assert.Zero(t, f.Calls(resetpwtest.OpAdminResetUserPassword), "nothing is sent")
				assert.Equal(t, 2, f.Calls(resetpwtest.OpAdminGetUser),
					"one read asks whether bob@example.com is a username (R32); the user ListUsers named is read even with PreflightPool (R23)")

				thaw() // the index catches up: bob is found, and reset
				res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "bob@example.com"})
				require.NoError(t, err)
				assert.Equal(t, "bob", res.Username)
				d := f.Deliveries()
				require.Len(t, d, 1)
				assert.Equal(t, "bob", d[0].Username)
			})
		}
	}
}

// Federated profiles can't be reset, so they make no native user
// ambiguous; two native users still do (R11).
func TestReset_FederatedProfiles(t *testing.T) {
	ctx := context.Background()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	federated := func(name, email string) {
		u := resetpwtest.User(name, "email", email, "email_verified", "true")
		u.UserStatus = types.UserStatusTypeExternalProvider
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	native := func(name, email string) {
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", email, "email_verified", "true"))
		require.NoError(t, err)
	}
	federated("Google_1234567890", "diego@example.com")
	native("diego", "diego@example.com")
	federated("Google_2222222222", "sam@example.com")
	native("sam", "sam@example.com")
	native("sam2", "sam@example.com")
	federated("Facebook_333", "fed.only@example.com")

	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "diego", res.Username)

	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "sam@example.com"})
	assert.ErrorIs(t, err, resetpw.ErrAmbiguousAlias)

	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "fed.only@example.com"})
	require.ErrorIs(t, err, resetpw.ErrUserState)
	assert.Contains(t, err.Error(), "federated")
	assert.Len(t, f.Deliveries(), 1, "only diego's code went out")
}

// WithSNS makes SNS the ground truth for the sandbox, whatever the pool's
// SmsConfigurationFailure says, caches it, and asks only for SMS (R16, R18,
// R19).
func TestWithSNS(t *testing.T) {
	const number = "+12065550100"
	phoneUser := resetpwtest.User("sam", "phone_number", number, "phone_number_verified", "true")
	emailUser := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
	usNumber := snstypes.PhoneNumberInformation{PhoneNumber: aws.String("+12065550199"), Iso2CountryCode: aws.String("US"),
		Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{snstypes.NumberCapabilitySms}}
	tests := []struct {
		name        string
		inSandbox   bool
		verified    bool
		poolField   string
		origination []snstypes.PhoneNumberInformation
		user        types.UserType
		want        error
		caveats     []resetpw.CaveatCode
		snsCalls    int
	}{
		{name: "empty pool field, SNS says sandbox", inSandbox: true, user: phoneUser, want: resetpw.ErrSMSSandbox, snsCalls: 3},
		{name: "sandbox, number verified there", inSandbox: true, verified: true, user: phoneUser, origination: []snstypes.PhoneNumberInformation{usNumber},
			caveats: []resetpw.CaveatCode{}, snsCalls: 3},
		{name: "stale pool field, SNS says out", poolField: "SNSSandbox", user: phoneUser, origination: []snstypes.PhoneNumberInformation{usNumber},
			caveats: []resetpw.CaveatCode{}, snsCalls: 2},
		{name: "no US origination number", user: phoneUser, caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}, snsCalls: 2},
		{name: "inactive or non-SMS US numbers don't count", user: phoneUser, caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}, snsCalls: 3,
			origination: []snstypes.PhoneNumberInformation{
				{Iso2CountryCode: aws.String("US"), Status: aws.String("PENDING"), NumberCapabilities: []snstypes.NumberCapability{"SMS"}},
				{Iso2CountryCode: aws.String("US"), Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{"VOICE"}},
				{Iso2CountryCode: aws.String("CA"), Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{"SMS"}},
			}},
		{name: "US number on page two", user: phoneUser, caveats: []resetpw.CaveatCode{}, snsCalls: 3, // SNS's fake pages two numbers
			origination: []snstypes.PhoneNumberInformation{{Iso2CountryCode: aws.String("CA")}, {Iso2CountryCode: aws.String("GB")}, usNumber}},
		{name: "email asks SNS nothing", inSandbox: true, user: emailUser, caveats: []resetpw.CaveatCode{}, snsCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.SetSMSSandbox(tt.inSandbox)
			if tt.verified {
				f.SetSandboxVerifiedNumbers(number)
			}
			for _, n := range tt.origination {
				f.AddOriginationNumber(n)
			}
			pool := types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
				EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}}
			if tt.poolField != "" {
				pool.SmsConfigurationFailure = aws.String(tt.poolField)
			}
			id := f.AddPool(pool)
			_, err := f.AddUser(id, tt.user)
			require.NoError(t, err)
			r, err := resetpw.New(f, resetpw.WithSNS(f.SNS()), resetpw.WithSES(f.SES()))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: id, Username: aws.ToString(tt.user.Username)}
			for range 2 { // the second Check is answered from the cache
				res, err := r.Check(context.Background(), req)
				if tt.want != nil {
					require.ErrorIs(t, err, tt.want)
					assert.NotContains(t, err.Error(), "2065550100")
					continue
				}
				require.NoError(t, err)
				got := []resetpw.CaveatCode{}
				for _, c := range res.Caveats {
					got = append(got, c.Code)
				}
				assert.ElementsMatch(t, tt.caveats, got)
			}
			calls := f.Calls(resetpwtest.OpGetSMSSandboxAccountStatus) + f.Calls(resetpwtest.OpListSMSSandboxPhoneNumbers) + f.Calls(resetpwtest.OpListOriginationNumbers)
			assert.Equal(t, tt.snsCalls, calls)
		})
	}
}

func TestWithSNS_Failures(t *testing.T) {
	setUp := func() (*resetpwtest.Fake, string) {
		f := resetpwtest.NewFake()
		id := f.AddPool(types.UserPoolType{})
		_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
		require.NoError(t, err)
		return f, id
	}
	denied := &smithy.GenericAPIError{Code: "AuthorizationError", Message: "not authorized to perform SNS:GetSMSSandboxAccountStatus"}

	f, id := setUp()
	f.FailNext(resetpwtest.OpGetSMSSandboxAccountStatus, 1, denied)
	r, err := resetpw.New(f, resetpw.WithSNS(f.SNS()))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
	require.ErrorIs(t, err, resetpw.ErrAccessDenied, "the sandbox can't be proved: nothing is sent")
	assert.Zero(t, f.Calls(resetpwtest.OpAdminResetUserPassword))

	f, id = setUp()
	f.FailNext(resetpwtest.OpListOriginationNumbers, 1, denied)
	r, err = resetpw.New(f, resetpw.WithSNS(f.SNS()))
	require.NoError(t, err)
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
	require.NoError(t, err, "origination numbers are a caveat, never a refusal")
	require.Len(t, res.Caveats, 2)
	var us resetpw.Caveat
	for _, c := range res.Caveats {
		if c.Code == resetpw.CaveatUSOrigination {
			us = c
		}
	}
	assert.Contains(t, us.Message, "failed")

	_, err = resetpw.New(f, resetpw.WithSNS(nil))
	assert.ErrorIs(t, err, resetpw.ErrOption)
}

func TestCheckPool(t *testing.T) {
	lambda := aws.String("arn:aws:lambda:us-west-2:123456789012:function:x")
	recovery := func(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
		s := &types.AccountRecoverySettingType{}
		for i, n := range names {
			s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
		}
		return s
	}
	tests := []struct {
		name    string
		pool    types.UserPoolType
		sns     bool
		want    resetpw.PoolReport // UserPoolID and Caveats are not compared
		caveats []resetpw.CaveatCode
	}{
		{name: "legacy pool, nothing proved", pool: types.UserPoolType{},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESNotUsed, Resettable: true, RecoveryOrder: []string{"verified_phone_number", "verified_email"}, LegacyRecovery: true,
				EmailSender: resetpw.SenderCognitoDefault, DailyEmailLimit: resetpw.DefaultDailyEmailLimit, SMSSender: resetpw.SenderSNS, SMSSandbox: resetpw.SandboxUnknown},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCognitoDefaultEmail, resetpw.CaveatSMSSandboxUnknown, resetpw.CaveatUSOrigination,
				resetpw.CaveatNotAutoVerified, resetpw.CaveatNotAutoVerified}},
		{name: "admin only", pool: types.UserPoolType{AccountRecoverySetting: recovery("admin_only")},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESNotUsed, Resettable: false, RecoveryOrder: []string{"admin_only"}, SMSSandbox: resetpw.SandboxNotUsed}, caveats: []resetpw.CaveatCode{}},
		{name: "email only on own SES, MFA on", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_email"), MfaConfiguration: "ON",
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
			EmailConfiguration:     &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}},
			want:    resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESUnknown, Resettable: true, RecoveryOrder: []string{"verified_email"}, MFA: "ON", EmailSender: resetpw.SenderSES, SMSSandbox: resetpw.SandboxNotUsed},
			caveats: []resetpw.CaveatCode{resetpw.CaveatPoolMFARequired, resetpw.CaveatSESUnknown}},
		{name: "custom senders and message", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number", "verified_email"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
			LambdaConfig: &types.LambdaConfigType{CustomMessage: lambda, CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: lambda},
				CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: lambda}}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESNotUsed, Resettable: true, RecoveryOrder: []string{"verified_phone_number", "verified_email"}, CustomSMSSender: true,
				CustomEmailSender: true, CustomMessage: true, EmailSender: resetpw.SenderLambda, SMSSender: resetpw.SenderLambda, SMSSandbox: resetpw.SandboxNotUsed},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCustomMessage, resetpw.CaveatCustomSender, resetpw.CaveatCustomSender}},
		{name: "SNS ground truth", sns: true, pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: &types.SmsConfigurationType{SnsRegion: aws.String("us-east-1")}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESNotUsed, Resettable: true, RecoveryOrder: []string{"verified_phone_number"}, SMSSender: resetpw.SenderSNS,
				SNSRegion: "us-east-1", SMSSandbox: resetpw.SandboxIn, SandboxVerifiedNumbers: 1},
			caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}},
		{name: "pool field says sandbox", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfigurationFailure: aws.String("SNSSandbox")},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: resetpw.SESNotUsed, Resettable: true, RecoveryOrder: []string{"verified_phone_number"}, SMSSender: resetpw.SenderSNS,
				SMSSandbox: resetpw.SandboxIn, SMSConfigurationFailure: "SNSSandbox"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.SetSMSSandbox(true)
			f.SetSandboxVerifiedNumbers("+12065550100")
			id := f.AddPool(tt.pool)
			var logs bytes.Buffer
			opts := []resetpw.Option{resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
			if tt.sns {
				opts = append(opts, resetpw.WithSNS(f.SNS()))
			}
			r, err := resetpw.New(f, opts...)
			require.NoError(t, err)
			rep, err := r.CheckPool(context.Background(), id)
			require.NoError(t, err)
			got := []resetpw.CaveatCode{}
			for _, c := range rep.Caveats {
				got = append(got, c.Code)
				assert.NotEmpty(t, c.Rule)
			}
			assert.ElementsMatch(t, tt.caveats, got)
			assert.Equal(t, id, rep.UserPoolID)
			rep.UserPoolID, rep.Caveats = "", nil
			assert.Equal(t, tt.want, *rep)
			assert.Equal(t, 1, f.Calls(resetpwtest.OpDescribeUserPool))
			assert.Zero(t, f.Calls(resetpwtest.OpAdminGetUser)+f.Calls(resetpwtest.OpAdminResetUserPassword)+f.Calls(resetpwtest.OpListUsers))
			assert.Empty(t, logs.String(), "CheckPool logs nothing")
		})
	}
}

func TestCheckPool_Errors(t *testing.T) {
	f := resetpwtest.NewFake()
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.CheckPool(context.Background(), "diego@example.com")
	require.ErrorIs(t, err, resetpw.ErrInvalidInput)
	assert.NotContains(t, err.Error(), "diego@example.com")
	assert.Zero(t, f.Calls(resetpwtest.OpDescribeUserPool))
	_, err = r.CheckPool(context.Background(), "us-west-2_nosuchpool")
	require.ErrorIs(t, err, resetpw.ErrPoolNotFound)
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.OpPreflight, e.Op)
}

// CheckPool refreshes the pool cache: a reset right after it reads no pool.
func TestCheckPool_WarmsTheCache(t *testing.T) {
	f := resetpwtest.NewFake()
	id := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(id, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.CheckPool(context.Background(), id)
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, 1, f.Calls(resetpwtest.OpDescribeUserPool))
}

// Sign-out after a reset: sent and signed out; refused, so not signed out;
// sent but the sign-out failed, and the result says both.
func TestSignOut(t *testing.T) {
	setUp := func(t *testing.T) (*resetpwtest.Fake, string) {
		f := resetpwtest.NewFake()
		pool := f.AddPool(types.UserPoolType{})
		for _, u := range []types.UserType{
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
			resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		} {
			_, err := f.AddUser(pool, u)
			require.NoError(t, err)
		}
		return f, pool
	}
	t.Run("sent and signed out", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f, resetpw.WithSignOut())
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego@example.com"})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.NoError(t, res.SignOutErr)
		require.Len(t, f.SignOuts(), 1)
		assert.Equal(t, "diego", f.SignOuts()[0].Username, "the resolved user is signed out")
	})
	t.Run("per request", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err)
		assert.False(t, res.SignedOut)
		res, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.Len(t, f.SignOuts(), 1)
		_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err)
		assert.Len(t, f.SignOuts(), 1, "a dry run signs nobody out")
	})
	t.Run("refused, so not signed out", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f, resetpw.WithSignOut())
		require.NoError(t, err)
		_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "nora"})
		require.ErrorIs(t, err, resetpw.ErrNoVerifiedContact)
		assert.Empty(t, f.SignOuts())
		assert.Zero(t, f.Calls(resetpwtest.OpAdminUserGlobalSignOut))
	})
	t.Run("sent, sign-out failed", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext(resetpwtest.OpAdminUserGlobalSignOut, 1, &types.NotAuthorizedException{Message: aws.String("not authorized to perform cognito-idp:AdminUserGlobalSignOut")})
		r, err := resetpw.New(f, resetpw.WithSignOut())
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err, "the reset was sent: no error hides that")
		require.NotNil(t, res)
		assert.NotEmpty(t, res.RequestID)
		assert.Len(t, f.Deliveries(), 1)
		assert.False(t, res.SignedOut)
		require.ErrorIs(t, res.SignOutErr, resetpw.ErrAccessDenied)
		var e *resetpw.Error
		require.ErrorAs(t, res.SignOutErr, &e)
		assert.Equal(t, resetpw.OpSignOut, e.Op)
		assert.NotContains(t, e.Error(), "diego")
		assert.False(t, resetpw.MaybeSent(res.SignOutErr))
	})
	t.Run("retried when unavailable", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext(resetpwtest.OpAdminUserGlobalSignOut, 1, &types.InternalErrorException{})
		r, err := resetpw.New(f, resetpw.WithSignOut(), resetpw.WithBackoff(time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.Equal(t, 2, f.Calls(resetpwtest.OpAdminUserGlobalSignOut))
	})
	t.Run("an API that can't sign out", func(t *testing.T) {
		f, pool := setUp(t)
		var api resetpw.API = struct{ resetpw.API }{f} // only the four calls of API
		_, err := resetpw.New(api, resetpw.WithSignOut())
		require.ErrorIs(t, err, resetpw.ErrOption)
		r, err := resetpw.New(api)
		require.NoError(t, err)
		_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.ErrorIs(t, err, resetpw.ErrInvalidInput)
		var e *resetpw.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, resetpw.FieldSignOut, e.Field)
		assert.Empty(t, f.Deliveries(), "nothing is sent")
	})
	t.Run("bulk", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext(resetpwtest.OpAdminUserGlobalSignOut, 1, &types.NotAuthorizedException{Message: aws.String("denied")})
		_, err := f.AddUser(pool, resetpwtest.User("sam", "email", "sam@example.com", "email_verified", "true"))
		require.NoError(t, err)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		sum, err := r.Bulk(context.Background(), func(yield func(resetpw.Request) bool) {
			for _, u := range []string{"diego", "nora", "sam"} {
				if !yield(resetpw.Request{UserPoolID: pool, Username: u}) {
					return
				}
			}
		}, resetpw.BulkOptions{SignOut: true, Concurrency: 1}, nil)
		require.NoError(t, err, "a failed sign-out does not stop the run")
		assert.Equal(t, 2, sum.Sent)
		assert.Equal(t, 1, sum.SignedOut)
		assert.Equal(t, 1, sum.SignOutFailed)
		assert.Len(t, f.SignOuts(), 1)
	})
}
