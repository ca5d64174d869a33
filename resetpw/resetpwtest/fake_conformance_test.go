package resetpwtest_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

// cognito is what the conformance suite needs of a target: resetpw.API plus
// the setup operations. *cognitoidentityprovider.Client and *Fake have both.
type cognito interface {
	resetpw.API
	CreateUserPool(context.Context, *cip.CreateUserPoolInput, ...func(*cip.Options)) (*cip.CreateUserPoolOutput, error)
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
	AdminSetUserMFAPreference(context.Context, *cip.AdminSetUserMFAPreferenceInput, ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error)
}

type confUser struct {
	name     string
	attrs    []string
	confirm  bool
	disabled bool
	mfa      string // "SMS" or "EMAIL": that MFA turned on
}

func recoveryBy(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
	s := &types.AccountRecoverySettingType{}
	for i, n := range names {
		s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
	}
	return s
}

var smsRole = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sns"), ExternalId: aws.String("conformance")}

func bothVerified(name string) []string {
	return []string{"email", name + "@example.com", "email_verified", "true", "phone_number", "+12065550102", "phone_number_verified", "true"}
}

// The world every target is set up with: pools by key, their users.
var confPools = []struct {
	key   string
	in    cip.CreateUserPoolInput
	users []confUser
}{
	{"plain", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email", "verified_phone_number"), SmsConfiguration: smsRole}, []confUser{
		{name: "diego", attrs: []string{"email", "diego@example.com", "email_verified", "true"}, confirm: true},
		{name: "sms.user", attrs: []string{"phone_number", "+12065550100", "phone_number_verified", "true"}, confirm: true},
		{name: "frank", attrs: []string{"email", "frank@example.com", "email_verified", "true"}, confirm: true, disabled: true},
		{name: "nocontact", attrs: []string{"email", "nocontact@example.com", "email_verified", "false"}, confirm: true},
		{name: "temp", attrs: []string{"email", "temp@example.com", "email_verified", "true"}},
	}},
	{"legacy", cip.CreateUserPoolInput{SmsConfiguration: smsRole}, []confUser{
		{name: "both", attrs: []string{"email", "both@example.com", "email_verified", "true", "phone_number", "+12065550101", "phone_number_verified", "true"}, confirm: true},
	}},
	{"byEmail", cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{"email"}}, []confUser{
		{name: "maria@example.com", attrs: []string{"email_verified", "true"}, confirm: true},
	}},
	{"aliases", cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{"email", "preferred_username"}}, []confUser{
		{name: "alias.user", attrs: []string{"email", "alias@example.com", "email_verified", "true", "preferred_username", "ally"}, confirm: true},
		{name: "unverified.user", attrs: []string{"email", "unv@example.com", "email_verified", "false"}, confirm: true},
	}},
	{"insensitive", cip.CreateUserPoolInput{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}}, []confUser{
		{name: "casey", attrs: []string{"email", "casey@example.com", "email_verified", "true"}, confirm: true},
	}},
	{"phoneFirst", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_phone_number", "verified_email"), MfaConfiguration: "OPTIONAL", SmsConfiguration: smsRole}, []confUser{
		{name: "sms.mfa", attrs: bothVerified("sms.mfa"), confirm: true, mfa: "SMS"},
	}},
	{"emailFirst", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email", "verified_phone_number"), MfaConfiguration: "OPTIONAL", SmsConfiguration: smsRole}, []confUser{
		{name: "email.mfa", attrs: bothVerified("email.mfa"), confirm: true, mfa: "EMAIL"},
	}},
	{"legacyMFA", cip.CreateUserPoolInput{MfaConfiguration: "OPTIONAL", SmsConfiguration: smsRole}, []confUser{
		{name: "legacy.mfa", attrs: bothVerified("legacy.mfa"), confirm: true, mfa: "SMS"},
	}},
	{"customSMS", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_phone_number"), SmsConfiguration: smsRole,
		LambdaConfig: &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:sms-sender"), LambdaVersion: "V1_0"}}}, []confUser{
		{name: "custom.sms", attrs: []string{"phone_number", "+12065550103", "phone_number_verified", "true"}, confirm: true},
	}},
	// R32: an identifier that is one user's username and another user's
	// email or phone number, in a pool that signs in with neither.
	{"twins", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email", "verified_phone_number")}, []confUser{
		{name: "yuser", attrs: []string{"email", "bob@example.com", "email_verified", "true"}, confirm: true},
		{name: "bob@example.com", attrs: []string{"email", "bob.new@example.com", "email_verified", "true"}, confirm: true},
		{name: "pyuser", attrs: []string{"phone_number", "+12065550111", "phone_number_verified", "true"}, confirm: true},
		{name: "+12065550111", attrs: []string{"email", "phone.owner@example.com", "email_verified", "true"}, confirm: true},
		// Two usernames that are one number in E.164: Cognito's phone
		// numbers hold only '+' and digits, so they are two users (R32).
		{name: "+1-206-555-0112", attrs: []string{"email", "dashed.owner@example.com", "email_verified", "true"}, confirm: true},
		{name: "+12065550112", attrs: []string{"email", "e164.owner@example.com", "email_verified", "true"}, confirm: true},
	}},
	// R32: a dashed phone-shaped username is no phone number, so it may be a
	// username even where phone_number is an alias.
	{"phoneAliasTwins", cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePhoneNumber},
		AccountRecoverySetting: recoveryBy("verified_email", "verified_phone_number")}, []confUser{
		{name: "pdyuser", attrs: []string{"phone_number", "+12065550113", "phone_number_verified", "true"}, confirm: true},
		{name: "+1-206-555-0113", attrs: []string{"email", "alias.dashed.owner@example.com", "email_verified", "true"}, confirm: true},
	}},
	// R44, R43: a password policy of its own, and a shorter validity.
	{"policy", cip.CreateUserPoolInput{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12),
		RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, TemporaryPasswordValidityDays: 2}}}, []confUser{
		{name: "policy.user", attrs: []string{"email", "policy.user@example.com", "email_verified", "true"}, confirm: true},
	}},
	{"adminOnly", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("admin_only")}, []confUser{
		{name: "admin.only", attrs: []string{"email", "ao@example.com", "email_verified", "true"}, confirm: true},
	}},
	// R61: a pool without an SMS role can't send SMS through SNS.
	{"noSMSRole", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_phone_number", "verified_email")}, []confUser{
		{name: "no.role", attrs: []string{"phone_number", "+12065550104", "phone_number_verified", "true"}, confirm: true},
	}},
	// R26: a UUID-shaped username that is another user's sub ("sub:NAME"
	// names the user whose sub is the username).
	{"subTwins", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email")}, []confUser{
		{name: "alice", attrs: []string{"email", "alice@example.com", "email_verified", "true"}, confirm: true},
		{name: "sub:alice", attrs: []string{"email", "uuid.owner@example.com", "email_verified", "true"}, confirm: true},
	}},
	// R26: the same, the sub in upper case ("SUB:NAME"): subs compare in
	// any case.
	{"subTwinsUpper", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email"),
		UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}}, []confUser{
		{name: "carla", attrs: []string{"email", "carla@example.com", "email_verified", "true"}, confirm: true},
		{name: "SUB:carla", attrs: []string{"email", "upper.uuid.owner@example.com", "email_verified", "true"}, confirm: true},
	}},
}

// confScenarios: full and off are the kinds expected with each preflight
// (nil: the reset goes through); motoDiffers names moto's gap, and such a
// scenario asserts Cognito's behaviour on the Fake and the Server only.
var confScenarios = []struct {
	name        string
	pool, user  string // user "sub:NAME" means that user's sub
	full, off   error
	medium      resetpw.Medium // with full preflight, on success
	sender      resetpw.Sender // with full preflight, on success, when set
	sent        string         // on success, when set: the username the code went to
	untouched   string         // when set: a user of the pool that must not be reset
	motoDiffers string
	motoOffOnly bool // moto differs only with preflight off: the preflight covers the gap
}{
	{name: "email delivery", pool: "plain", user: "diego", medium: "EMAIL"},
	{name: "sms delivery", pool: "plain", user: "sms.user", medium: "SMS"},
	{name: "legacy order prefers SMS", pool: "legacy", user: "both", medium: "SMS",
		motoDiffers: "moto gives a pool created without AccountRecoverySetting a default of email first; Cognito keeps none and uses the legacy order"},
	{name: "disabled", pool: "plain", user: "frank", full: resetpw.ErrUserDisabled, off: resetpw.ErrUserDisabled},
	{name: "no verified contact", pool: "plain", user: "nocontact", full: resetpw.ErrNoVerifiedContact, off: resetpw.ErrNoVerifiedContact},
	{name: "force change password", pool: "plain", user: "temp", full: resetpw.ErrUserState, off: resetpw.ErrUserState},
	{name: "unknown user", pool: "plain", user: "ghost", full: resetpw.ErrUserNotFound, off: resetpw.ErrUserNotFound},
	{name: "unknown pool", pool: "missing", user: "diego", full: resetpw.ErrPoolNotFound, off: resetpw.ErrPoolNotFound},
	{name: "email sign-in pool", pool: "byEmail", user: "maria@example.com", medium: "EMAIL"},
	{name: "email looked up in a plain pool", pool: "plain", user: "diego@example.com", medium: "EMAIL", off: resetpw.ErrUserNotFound},
	{name: "unverified alias", pool: "aliases", user: "unv@example.com", full: resetpw.ErrUserNotFound, off: resetpw.ErrUserNotFound},
	{name: "admin only", pool: "adminOnly", user: "admin.only", full: resetpw.ErrRecoveryNotConfigured, off: resetpw.ErrRecoveryNotConfigured,
		motoDiffers: "moto ignores admin_only in AdminResetUserPassword", motoOffOnly: true},
	{name: "verified email alias", pool: "aliases", user: "alias@example.com", medium: "EMAIL",
		motoDiffers: "moto ignores AliasAttributes when looking a user up"},
	{name: "preferred_username alias", pool: "aliases", user: "ally", medium: "EMAIL",
		motoDiffers: "moto ignores AliasAttributes when looking a user up"},
	{name: "sub as username", pool: "plain", user: "sub:diego", medium: "EMAIL",
		motoDiffers: "moto does not look users up by sub"},
	{name: "case-insensitive pool", pool: "insensitive", user: "CASEY", medium: "EMAIL",
		motoDiffers: "moto ignores UsernameConfiguration.CaseSensitive=false"},
	{name: "SMS MFA disqualifies SMS with a setting", pool: "phoneFirst", user: "sms.mfa", medium: "EMAIL", sender: "COGNITO_DEFAULT"},
	{name: "email MFA disqualifies email with a setting", pool: "emailFirst", user: "email.mfa", medium: "SMS", sender: "SNS",
		motoDiffers: "moto ignores EmailMfaSettings in AdminSetUserMFAPreference (UserMFASettingList stays without EMAIL_OTP)"},
	{name: "SMS MFA disqualifies nothing in the legacy order", pool: "legacyMFA", user: "legacy.mfa", medium: "SMS",
		motoDiffers: "moto gives a pool created without AccountRecoverySetting a default of email first"},
	{name: "custom SMS sender", pool: "customSMS", user: "custom.sms", medium: "SMS", sender: "LAMBDA"},
	{name: "email-shaped username wins over another user's email", pool: "twins", user: "bob@example.com", medium: "EMAIL",
		sent: "bob@example.com", untouched: "yuser"},
	{name: "phone-shaped username wins over another user's phone", pool: "twins", user: "+12065550111", medium: "EMAIL",
		sent: "+12065550111", untouched: "pyuser"},
	{name: "dashed phone-shaped username is not its E.164 twin", pool: "twins", user: "+1-206-555-0112", medium: "EMAIL",
		sent: "+1-206-555-0112", untouched: "+12065550112"},
	{name: "dashed phone-shaped username wins over the phone alias", pool: "phoneAliasTwins", user: "+1-206-555-0113", medium: "EMAIL",
		sent: "+1-206-555-0113", untouched: "pdyuser", motoDiffers: "moto ignores AliasAttributes when looking a user up"},
	{name: "no SMS role", pool: "noSMSRole", user: "no.role", full: resetpw.ErrDeliveryConfig, off: resetpw.ErrDeliveryConfig,
		motoDiffers: "moto sends no SMS, so it answers success without an SMS role", motoOffOnly: true},
	// Which of the two Cognito reads is not documented: with preflight
	// off the reset goes to one of them; the preflight refuses (R26).
	{name: "a username that is another user's sub", pool: "subTwins", user: "sub:alice", full: resetpw.ErrAmbiguousAlias,
		untouched: "alice"},
	{name: "a username that is another user's sub in upper case", pool: "subTwinsUpper", user: "SUB:carla", full: resetpw.ErrAmbiguousAlias,
		untouched: "carla"},
}

type confTarget struct {
	name string
	api  func(t *testing.T) cognito
	moto bool
}

func confTargets() []confTarget {
	return []confTarget{
		{name: "fake", api: func(t *testing.T) cognito { return resetpwtest.NewFake() }},
		{name: "server", api: func(t *testing.T) cognito {
			srv := resetpwtest.NewServer(resetpwtest.NewFake())
			t.Cleanup(srv.Close)
			return srv.Client()
		}},
		{name: "moto", moto: true, api: func(t *testing.T) cognito { return moto.Client(t) }},
	}
}

func setUpWorld(t *testing.T, c cognito) (pools map[string]string, subs map[string]string) {
	ctx := context.Background()
	pools = map[string]string{"missing": "us-west-2_nosuchpool"}
	subs = map[string]string{}
	for _, p := range confPools {
		in := p.in
		in.PoolName = aws.String("conformance-" + p.key)
		out, err := c.CreateUserPool(ctx, &in)
		require.NoError(t, err)
		id := aws.ToString(out.UserPool.Id)
		pools[p.key] = id
		for _, u := range p.users {
			var attrs []types.AttributeType
			for i := 0; i+1 < len(u.attrs); i += 2 {
				attrs = append(attrs, types.AttributeType{Name: aws.String(u.attrs[i]), Value: aws.String(u.attrs[i+1])})
			}
			username := subOf(t, subs, u.name)
			cu, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String(username), UserAttributes: attrs,
				MessageAction: types.MessageActionTypeSuppress, TemporaryPassword: aws.String("Temp-Passw0rd!")})
			require.NoError(t, err, u.name)
			name := aws.ToString(cu.User.Username)
			for _, a := range cu.User.Attributes {
				if aws.ToString(a.Name) == "sub" {
					subs[u.name] = aws.ToString(a.Value)
				}
			}
			if u.confirm {
				_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: &name, Password: aws.String("Perm-Passw0rd!"), Permanent: true})
				require.NoError(t, err)
			}
			if u.disabled {
				_, err = c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &id, Username: &name})
				require.NoError(t, err)
			}
			if u.mfa != "" {
				in := &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &id, Username: &name}
				on := &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true}
				if u.mfa == "SMS" {
					in.SMSMfaSettings = on
				} else {
					in.EmailMfaSettings = &types.EmailMfaSettingsType{Enabled: on.Enabled, PreferredMfa: on.PreferredMfa}
				}
				_, err = c.AdminSetUserMFAPreference(ctx, in)
				require.NoError(t, err)
			}
		}
	}
	return pools, subs
}

// subOf reads a user named "sub:NAME" as NAME's sub, and "SUB:NAME" as
// NAME's sub in upper case; any other name as itself.
func subOf(t *testing.T, subs map[string]string, name string) string {
	t.Helper()
	if owner, ok := strings.CutPrefix(name, "sub:"); ok {
		require.NotEmpty(t, subs[owner])
		return subs[owner]
	}
	if owner, ok := strings.CutPrefix(name, "SUB:"); ok {
		require.NotEmpty(t, subs[owner])
		return strings.ToUpper(subs[owner])
	}
	return name
}

// TestConformance runs every scenario, with full and with no preflight,
// against the Fake, the Server through the real SDK client, and moto_server.
func TestConformance(t *testing.T) {
	for _, target := range confTargets() {
		t.Run(target.name, func(t *testing.T) {
			c := target.api(t)
			pools, subs := setUpWorld(t, c)
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightOff} {
				r, err := resetpw.New(c, resetpw.WithPreflight(p), resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond))
				require.NoError(t, err)
				for _, sc := range confScenarios {
					t.Run(string(p)+"/"+sc.name, func(t *testing.T) {
						if target.moto && sc.motoDiffers != "" && (!sc.motoOffOnly || p == resetpw.PreflightOff) {
							t.Skipf("moto differs from Cognito here: %s; the fake and the server assert Cognito's behaviour", sc.motoDiffers)
						}
						user := subOf(t, subs, sc.user)
						want := sc.full
						if p == resetpw.PreflightOff {
							want = sc.off
						}
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pools[sc.pool], Username: user})
						if want != nil {
							require.ErrorIs(t, err, want)
							assert.Nil(t, res)
							return
						}
						require.NoError(t, err)
						if p == resetpw.PreflightFull {
							require.NotNil(t, res.Delivery)
							assert.Equal(t, sc.medium, res.Delivery.Medium)
							if sc.sender != "" {
								assert.Equal(t, sc.sender, res.Delivery.Sender)
							}
						}
						got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pools[sc.pool]), Username: aws.String(res.Username)})
						require.NoError(t, err)
						assert.Equal(t, types.UserStatusTypeResetRequired, got.UserStatus)
						if sc.sent != "" {
							assert.Equal(t, sc.sent, res.Username)
						}
						if sc.untouched != "" {
							other, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pools[sc.pool]), Username: aws.String(sc.untouched)})
							require.NoError(t, err)
							assert.Equal(t, types.UserStatusTypeConfirmed, other.UserStatus, "%s was not reset", sc.untouched)
						}
					})
				}
			}
		})
	}
}

// TestConformance_SignOut signs a user out after a reset on every target
// (moto 5.2.1 serves AdminUserGlobalSignOut), and an unknown user's
// sign-out fails as UserNotFoundException.
func TestConformance_SignOut(t *testing.T) {
	for _, target := range confTargets() {
		t.Run(target.name, func(t *testing.T) {
			c := target.api(t)
			pools, _ := setUpWorld(t, c)
			r, err := resetpw.New(c)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pools["plain"], Username: "diego", SignOut: true})
			require.NoError(t, err)
			assert.True(t, res.SignedOut)
			assert.NoError(t, res.SignOutErr)
			_, err = c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: aws.String(pools["plain"]), Username: aws.String("ghost")})
			assert.ErrorAs(t, err, new(*types.UserNotFoundException))
		})
	}
}
