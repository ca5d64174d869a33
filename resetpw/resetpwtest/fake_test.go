package resetpwtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

var ctx = context.Background()

func reset(f *resetpwtest.Fake, pool, user string) error {
	_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: &user})
	return err
}

func TestFake_Lookups(t *testing.T) {
	insensitive := &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	tests := []struct {
		name   string
		pool   types.UserPoolType
		user   types.UserType
		lookup string // "" means the sub
		found  bool
	}{
		{"username", types.UserPoolType{}, resetpwtest.User("diego"), "diego", true},
		{"username wrong case, sensitive", types.UserPoolType{}, resetpwtest.User("diego"), "Diego", false},
		{"username wrong case, insensitive", types.UserPoolType{UsernameConfiguration: insensitive}, resetpwtest.User("diego"), "DIEGO", true},
		{"sub", types.UserPoolType{}, resetpwtest.User("diego"), "", true},
		{"verified email alias", types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"email"}},
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"), "diego@example.com", true},
		{"unverified email alias", types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"email"}},
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "false"), "diego@example.com", false},
		{"email alias case-insensitive", types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"email"}, UsernameConfiguration: insensitive},
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"), "Diego@Example.com", true},
		{"email not an alias", types.UserPoolType{},
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"), "diego@example.com", false},
		{"verified phone alias", types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"phone_number"}},
			resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"), "+12065550100", true},
		{"preferred username", types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"preferred_username"}},
			resetpwtest.User("diego", "preferred_username", "dr"), "dr", true},
		{"email username attribute", types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{"email"}},
			resetpwtest.User("maria@example.com"), "maria@example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(tt.pool)
			sub, err := f.AddUser(pool, tt.user)
			require.NoError(t, err)
			name := tt.lookup
			if name == "" {
				name = sub
			}
			out, err := f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: &name})
			if !tt.found {
				assert.ErrorAs(t, err, new(*types.UserNotFoundException))
				return
			}
			require.NoError(t, err)
			var gotSub string
			for _, a := range out.UserAttributes {
				if aws.ToString(a.Name) == "sub" {
					gotSub = aws.ToString(a.Value)
				}
			}
			assert.Equal(t, sub, gotSub, "the right user")
		})
	}
}

// The Fake's two sub lookups agree (R24, R26): AdminGetUser and ListUsers
// both match a sub in any case, in case-sensitive and case-insensitive pools.
func TestFake_SubLookupsAgreeOnCase(t *testing.T) {
	for _, pool := range []types.UserPoolType{{}, {UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}}} {
		f := resetpwtest.NewFake()
		id := f.AddPool(pool)
		sub, err := f.AddUser(id, resetpwtest.User("diego"))
		require.NoError(t, err)
		for _, given := range []string{sub, strings.ToUpper(sub)} {
			out, err := f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String(given)})
			require.NoError(t, err, given)
			assert.Equal(t, "diego", aws.ToString(out.Username), given)
			list, err := f.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &id, Filter: aws.String(`sub = "` + given + `"`)})
			require.NoError(t, err, given)
			require.Len(t, list.Users, 1, given)
			assert.Equal(t, "diego", aws.ToString(list.Users[0].Username), given)
		}
	}
}

// The Fake reads Username as docs/cognito-rules.md, R32 says: the user
// whose username it is wins over a user who holds it as an attribute, in
// every operation that takes a Username; an attribute the pool does not
// sign in with names nobody; and where email (phone_number) is an alias, no
// username may look like one.
func TestFake_UsernameWinsOverAttributes(t *testing.T) {
	emailAlias := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"email"}}
	phoneAlias := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"phone_number"}}
	preferred := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{"preferred_username"}}
	tests := []struct {
		name  string
		pool  types.UserPoolType
		users []types.UserType
		id    string
		want  string // the username found; "" for none
	}{
		{"email-shaped username, email not an alias", types.UserPoolType{}, []types.UserType{
			resetpwtest.User("yuser", "email", "bob@example.com", "email_verified", "true"),
			resetpwtest.User("bob@example.com", "email", "bob.new@example.com", "email_verified", "true")}, "bob@example.com", "bob@example.com"},
		{"an email that is not an alias names nobody", types.UserPoolType{}, []types.UserType{
			resetpwtest.User("yuser", "email", "bob@example.com", "email_verified", "true")}, "bob@example.com", ""},
		{"phone-shaped username, phone not an alias", types.UserPoolType{}, []types.UserType{
			resetpwtest.User("pyuser", "phone_number", "+12065550100", "phone_number_verified", "true"),
			resetpwtest.User("+12065550100", "email", "p@example.com", "email_verified", "true")}, "+12065550100", "+12065550100"},
		{"email-shaped username in a phone-alias pool", phoneAlias, []types.UserType{
			resetpwtest.User("yuser", "email", "bob@example.com", "email_verified", "true"),
			resetpwtest.User("bob@example.com", "email", "bob.new@example.com", "email_verified", "true")}, "bob@example.com", "bob@example.com"},
		{"username over another user's preferred_username", preferred, []types.UserType{
			resetpwtest.User("yuser", "preferred_username", "bob", "email", "y@example.com", "email_verified", "true"),
			resetpwtest.User("bob", "email", "bob.new@example.com", "email_verified", "true")}, "bob", "bob"},
		{"verified email alias", emailAlias, []types.UserType{
			resetpwtest.User("yuser", "email", "bob@example.com", "email_verified", "true")}, "bob@example.com", "yuser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(tt.pool)
			for _, u := range tt.users {
				_, err := f.AddUser(pool, u)
				require.NoError(t, err)
			}
			id := tt.id
			out, err := f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: &id})
			_, signOutErr := f.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: &id})
			resetErr := reset(f, pool, id)
			if tt.want == "" {
				assert.ErrorAs(t, err, new(*types.UserNotFoundException))
				assert.ErrorAs(t, signOutErr, new(*types.UserNotFoundException))
				assert.ErrorAs(t, resetErr, new(*types.UserNotFoundException))
				assert.Empty(t, f.Deliveries())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, aws.ToString(out.Username), "AdminGetUser")
			require.NoError(t, signOutErr)
			require.Len(t, f.SignOuts(), 1)
			assert.Equal(t, tt.want, f.SignOuts()[0].Username, "AdminUserGlobalSignOut")
			require.NoError(t, resetErr)
			require.Len(t, f.Deliveries(), 1)
			assert.Equal(t, tt.want, f.Deliveries()[0].Username, "AdminResetUserPassword")
		})
	}

	f := resetpwtest.NewFake()
	for _, tt := range []struct {
		pool types.UserPoolType
		name string
	}{{emailAlias, "bob@example.com"}, {phoneAlias, "+12065550100"}} {
		_, err := f.AddUser(f.AddPool(tt.pool), resetpwtest.User(tt.name))
		assert.ErrorAs(t, err, new(*types.InvalidParameterException), "no %s username where it is an alias", tt.name)
		_, err = f.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(f.AddPool(tt.pool)), Username: aws.String(tt.name)})
		assert.ErrorAs(t, err, new(*types.InvalidParameterException))
	}
}

func TestFake_UsernameAttributesMakeSubTheUsername(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{"email"}})
	sub, err := f.AddUser(pool, resetpwtest.User("maria@example.com", "email_verified", "true"))
	require.NoError(t, err)
	u, err := f.User(pool, "maria@example.com")
	require.NoError(t, err)
	assert.Equal(t, sub, aws.ToString(u.Username))
	_, err = f.AddUser(pool, resetpwtest.User("not-an-email"))
	assert.ErrorAs(t, err, new(*types.InvalidParameterException))
	phones := f.AddPool(types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{"phone_number"}})
	_, err = f.AddUser(phones, resetpwtest.User("+1-206-555-0100"))
	assert.ErrorAs(t, err, new(*types.InvalidParameterException), "a phone number is '+' and digits (R32)")
	_, err = f.AddUser(phones, resetpwtest.User("+12065550100"))
	assert.NoError(t, err)
}

// R32: one Username names one user. A UsernameAttributes value is unique
// verified or not; an email or phone alias is verified in one account
// only, and a preferred_username alias is unique. The Fake refuses the
// second holder, at creation and on update, and keeps the user unchanged.
func TestFake_SignInValuesAreUnique(t *testing.T) {
	byEmail := types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}}
	aliases := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{
		types.AliasAttributeTypeEmail, types.AliasAttributeTypePhoneNumber, types.AliasAttributeTypePreferredUsername}}
	insensitive := aliases
	insensitive.UsernameConfiguration = &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}
	tests := []struct {
		name       string
		pool       types.UserPoolType
		first      types.UserType
		second     types.UserType
		wantErr    any // nil: the second is added
		update     []string
		wantUpdErr any
	}{
		{"UsernameAttributes email, unverified", byEmail, resetpwtest.User("a@example.com"), resetpwtest.User("a@example.com"),
			new(*types.UsernameExistsException), nil, nil},
		{"verified email alias twice", aliases, resetpwtest.User("a", "email", "x@example.com", "email_verified", "true"),
			resetpwtest.User("b", "email", "x@example.com", "email_verified", "true"), new(*types.AliasExistsException), nil, nil},
		{"verified email alias, other case, case-insensitive pool", insensitive, resetpwtest.User("a", "email", "x@example.com", "email_verified", "true"),
			resetpwtest.User("b", "email", "X@Example.com", "email_verified", "true"), new(*types.AliasExistsException), nil, nil},
		{"an unverified second holder is no alias", aliases, resetpwtest.User("a", "email", "x@example.com", "email_verified", "true"),
			resetpwtest.User("b", "email", "x@example.com", "email_verified", "false"), nil,
			[]string{"email_verified", "true"}, new(*types.AliasExistsException)},
		{"verified phone alias twice", aliases, resetpwtest.User("a", "phone_number", "+12065550100", "phone_number_verified", "true"),
			resetpwtest.User("b", "phone_number", "+12065550100", "phone_number_verified", "true"), new(*types.AliasExistsException), nil, nil},
		{"preferred_username alias twice", aliases, resetpwtest.User("a", "preferred_username", "sam"),
			resetpwtest.User("b"), nil, []string{"preferred_username", "sam"}, new(*types.AliasExistsException)},
		{"no alias: anyone may hold an email", types.UserPoolType{}, resetpwtest.User("a", "email", "x@example.com", "email_verified", "true"),
			resetpwtest.User("b", "email", "x@example.com", "email_verified", "true"), nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(tt.pool)
			_, err := f.AddUser(pool, tt.first)
			require.NoError(t, err)
			_, err = f.AddUser(pool, tt.second)
			if tt.wantErr != nil {
				require.ErrorAs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.update == nil {
				return
			}
			second := aws.ToString(tt.second.Username)
			before, err := f.User(pool, second)
			require.NoError(t, err)
			_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: &second,
				UserAttributes: []types.AttributeType{{Name: aws.String(tt.update[0]), Value: aws.String(tt.update[1])}}})
			require.ErrorAs(t, err, tt.wantUpdErr)
			after, err := f.User(pool, second)
			require.NoError(t, err)
			assert.Equal(t, before.Attributes, after.Attributes, "the refused update changed nothing")
		})
	}
}

func TestFake_AddUserErrors(t *testing.T) {
	f := resetpwtest.NewFake()
	_, err := f.AddUser("us-west-2_nope", resetpwtest.User("x"))
	assert.ErrorAs(t, err, new(*types.ResourceNotFoundException))
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	assert.Equal(t, "us-west-2_aaaaaaaaa", pool)
	_, err = f.AddUser(pool, resetpwtest.User("x"))
	require.NoError(t, err)
	_, err = f.AddUser(pool, resetpwtest.User("x"))
	assert.ErrorAs(t, err, new(*types.UsernameExistsException))
	_, err = f.AddUser(pool, types.UserType{})
	assert.ErrorAs(t, err, new(*types.InvalidParameterException))
}

func TestFake_ResetChecksInOrder(t *testing.T) {
	sandbox := types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox")}
	noRole := types.UserPoolType{} // no SmsConfiguration
	both := resetpwtest.User("x", "email", "d@example.com", "email_verified", "true", "phone_number", "+12065550100", "phone_number_verified", "true").Attributes
	mechanisms := func(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
		s := &types.AccountRecoverySettingType{}
		for i, n := range names {
			s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
		}
		return s
	}
	phoneFirst := mechanisms("verified_phone_number", "verified_email")
	emailFirst := mechanisms("verified_email", "verified_phone_number")
	tests := []struct {
		name           string
		pool           types.UserPoolType
		sandboxAccount bool
		user           types.UserType
		want           any // an SDK exception type, or nil
		message        string
		medium         resetpw.Medium
		sender         resetpw.Sender
		dropped        bool
		username       string
		noRole         bool // no SmsConfiguration (every other pool has an SMS role, R61)
		resetAnyway    bool // the error comes after the user was moved to RESET_REQUIRED (R62)
	}{
		{name: "unknown pool", want: new(*types.ResourceNotFoundException), username: "-"},
		{name: "unknown user", user: resetpwtest.User("diego"), username: "ghost", want: new(*types.UserNotFoundException), message: "User does not exist."},
		{name: "disabled beats state", user: types.UserType{Username: aws.String("diego"), UserStatus: types.UserStatusTypeForceChangePassword},
			want: new(*types.NotAuthorizedException), message: "User is disabled."},
		{name: "force change password", user: types.UserType{Username: aws.String("diego"), Enabled: true, UserStatus: types.UserStatusTypeForceChangePassword},
			want: new(*types.NotAuthorizedException), message: "User password cannot be reset in the current state."},
		// R10: what users saw resetting an unconfirmed user's password,
		// who had no verified contact (R8 decides); with one, the state's
		// refusal (assumed).
		{name: "unconfirmed without a verified contact answers as users observed", user: types.UserType{Username: aws.String("diego"), Enabled: true, UserStatus: types.UserStatusTypeUnconfirmed,
			Attributes: resetpwtest.User("x", "email", "d@example.com", "email_verified", "false").Attributes},
			want: new(*types.InvalidParameterException), message: "Cannot reset password for the user as there is no registered/verified email or phone_number"},
		{name: "unconfirmed with a verified contact is refused for its state", user: types.UserType{Username: aws.String("diego"), Enabled: true, UserStatus: types.UserStatusTypeUnconfirmed,
			Attributes: resetpwtest.User("x", "email", "d@example.com", "email_verified", "true").Attributes},
			want: new(*types.NotAuthorizedException), message: "User password cannot be reset in the current state."},
		{name: "admin only", pool: types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{{Name: "admin_only", Priority: aws.Int32(1)}}}},
			user: resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"), want: new(*types.NotAuthorizedException), message: "Contact administrator to reset password."},
		{name: "no verified contact", user: resetpwtest.User("diego", "email", "d@example.com"),
			want: new(*types.InvalidParameterException), message: "Cannot reset password for the user as there is no registered/verified email or phone_number"},
		{name: "legacy SMS first", user: resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true", "phone_number", "+12065550100", "phone_number_verified", "true"), medium: "SMS"},
		{name: "SMS MFA means email, with a setting", pool: types.UserPoolType{AccountRecoverySetting: phoneFirst},
			user: types.UserType{Username: aws.String("diego"), Enabled: true, MFAOptions: []types.MFAOptionType{{DeliveryMedium: "SMS", AttributeName: aws.String("phone_number")}},
				Attributes: both}, medium: "EMAIL"},
		{name: "SMS MFA disqualifies nothing in the legacy order",
			user: types.UserType{Username: aws.String("diego"), Enabled: true, MFAOptions: []types.MFAOptionType{{DeliveryMedium: "SMS", AttributeName: aws.String("phone_number")}},
				Attributes: both}, medium: "SMS"},
		{name: "email MFA means SMS, with a setting", pool: types.UserPoolType{AccountRecoverySetting: emailFirst},
			user: types.UserType{Username: aws.String("diego"), Enabled: true, MFAOptions: []types.MFAOptionType{{DeliveryMedium: "EMAIL", AttributeName: aws.String("email")}},
				Attributes: both}, medium: "SMS"},
		{name: "account sandbox drops silently", sandboxAccount: true, user: resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"), medium: "SMS", dropped: true, sender: "SNS"},
		{name: "custom SMS sender is not in the sandbox", sandboxAccount: true, pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox"), LambdaConfig: &types.LambdaConfigType{
			CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:s")}}},
			user: resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"), medium: "SMS", sender: "LAMBDA"},
		// R16: the exceptions AdminResetUserPassword declares for a broken SMS role.
		{name: "broken SMS role trust answers its exception", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("InvalidSmsRoleTrustRelationshipException")},
			user: resetpwtest.User("diego", "phone_number", "+12065550199", "phone_number_verified", "true"), want: new(*types.InvalidSmsRoleTrustRelationshipException)},
		{name: "broken SMS role policy answers its exception", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox,InvalidSmsRoleAccessPolicyException")},
			user: resetpwtest.User("diego", "phone_number", "+12065550199", "phone_number_verified", "true"), want: new(*types.InvalidSmsRoleAccessPolicyException)},
		{name: "other SMS failure drops", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SomethingElseFailing")},
			user: resetpwtest.User("diego", "phone_number", "+12065550199", "phone_number_verified", "true"), medium: "SMS", dropped: true},
		{name: "sandbox drops silently", pool: sandbox, user: resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"), medium: "SMS", dropped: true},
		{name: "sandbox verified number arrives", pool: sandbox, user: resetpwtest.User("diego", "phone_number", "+12065550199", "phone_number_verified", "true"), medium: "SMS"},
		{name: "deprecated email failure is not acted on", pool: types.UserPoolType{EmailConfigurationFailure: aws.String("SES identity not verified")},
			user: resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"), medium: "EMAIL", sender: "COGNITO_DEFAULT"},
		{name: "own SES", pool: types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: "DEVELOPER"}},
			user: resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"), medium: "EMAIL", sender: "SES"},
		// R61: without an SMS configuration Cognito can't send an SMS; the
		// observed message, the type inferred, the reset assumed done (R62).
		{name: "no SMS configuration answers a code delivery failure after the reset", pool: noRole, noRole: true, user: resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true",
			"phone_number", "+12065550100", "phone_number_verified", "true"), want: new(*types.CodeDeliveryFailureException),
			message: "Invalid phone number provided/Unable to send the message. User pool does not have SMS configuration to send messages.", resetAnyway: true},
		{name: "no SMS role, a custom SMS sender sends", noRole: true, pool: types.UserPoolType{LambdaConfig: &types.LambdaConfigType{
			CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:s")}}},
			user: resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"), medium: "SMS", sender: "LAMBDA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pool.SmsConfiguration == nil && !tt.noRole { // every other pool has an SMS role (R61)
				tt.pool.SmsConfiguration = smsRole
			}
			f := resetpwtest.NewFake()
			f.SetSandboxVerifiedNumbers("+12065550199")
			f.SetSMSSandbox(tt.sandboxAccount)
			pool := "us-west-2_missing"
			if tt.user.Username != nil {
				pool = f.AddPool(tt.pool)
				_, err := f.AddUser(pool, tt.user)
				require.NoError(t, err)
			}
			username := tt.username
			if username == "" {
				username = "diego"
			}
			err := reset(f, pool, username)
			if tt.want != nil {
				require.ErrorAs(t, err, tt.want)
				if tt.message != "" {
					var apiErr interface{ ErrorMessage() string }
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, tt.message, apiErr.ErrorMessage())
				}
				assert.Empty(t, f.Deliveries())
				if tt.user.Username != nil && username == "diego" {
					u, err := f.User(pool, username)
					require.NoError(t, err)
					want := tt.user.UserStatus
					if tt.resetAnyway {
						want = types.UserStatusTypeResetRequired
					}
					assert.Equal(t, want, u.UserStatus, "the user's state after the error")
				}
				return
			}
			require.NoError(t, err)
			d := f.Deliveries()
			require.Len(t, d, 1)
			assert.Equal(t, tt.medium, d[0].Medium)
			assert.Equal(t, tt.dropped, d[0].Dropped, d[0].DropReason)
			if tt.sender != "" {
				assert.Equal(t, tt.sender, d[0].Sender)
			}
			u, err := f.User(pool, username)
			require.NoError(t, err)
			assert.Equal(t, types.UserStatusTypeResetRequired, u.UserStatus)
		})
	}
}

// A CodeDeliveryFailureException queued for AdminResetUserPassword comes
// after the reset's work (R62): the user is RESET_REQUIRED and the code is
// recorded as dropped. Any other fault comes before the work.
func TestFake_ResetMovesTheUserBeforeItsMessageFails(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"))
	require.NoError(t, err)

	f.FailNext("AdminResetUserPassword", 1, &types.InternalErrorException{Message: aws.String("boom")})
	require.ErrorAs(t, reset(f, pool, "diego"), new(*types.InternalErrorException))
	u, err := f.User(pool, "diego")
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.UserStatus, "any other fault comes before the work")
	assert.Empty(t, f.Deliveries())

	f.FailNext("AdminResetUserPassword", 1, &types.CodeDeliveryFailureException{Message: aws.String("Invalid email provided/Unable to send the email")})
	require.ErrorAs(t, reset(f, pool, "diego"), new(*types.CodeDeliveryFailureException))
	u, err = f.User(pool, "diego")
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeResetRequired, u.UserStatus, "reset all the same")
	require.Len(t, f.Deliveries(), 1)
	d := f.Deliveries()[0]
	assert.True(t, d.Dropped)
	assert.Equal(t, "CodeDeliveryFailureException", d.DropReason)
}

func TestFake_DeliveryRecordsMetadata(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"source": "helpdesk"}})
	require.NoError(t, err)
	assert.NotEmpty(t, res.RequestID)
	d := f.Deliveries()
	require.Len(t, d, 1)
	assert.Equal(t, "diego@example.com", d[0].Destination)
	assert.Equal(t, map[string]string{"source": "helpdesk"}, d[0].ClientMetadata)
}

func TestFake_AttemptLimit(t *testing.T) {
	f := resetpwtest.NewFake()
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return now })
	f.SetAttemptLimit(2)
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"))
	require.NoError(t, err)
	require.NoError(t, reset(f, pool, "diego"))
	now = now.Add(10 * time.Minute)
	require.NoError(t, reset(f, pool, "diego"))
	err = reset(f, pool, "diego")
	require.ErrorAs(t, err, new(*types.LimitExceededException))
	now = now.Add(51 * time.Minute) // the first attempt is now over an hour old
	require.NoError(t, reset(f, pool, "diego"))
	assert.Len(t, f.Deliveries(), 3)
}

func TestFake_FaultsAndLatency(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "d@example.com", "email_verified", "true"))
	require.NoError(t, err)
	boom := &types.InternalErrorException{Message: aws.String("boom")}
	f.FailNext("AdminResetUserPassword", 2, boom)
	assert.ErrorIs(t, reset(f, pool, "diego"), boom)
	assert.ErrorIs(t, reset(f, pool, "diego"), boom)
	assert.NoError(t, reset(f, pool, "diego"))
	assert.Equal(t, 3, f.Calls("AdminResetUserPassword"))

	f.SetLatency("AdminGetUser", time.Second)
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = f.AdminGetUser(short, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFake_Quotas(t *testing.T) {
	f := resetpwtest.NewFake()
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return now })
	pool := f.AddPool(types.UserPoolType{})
	f.EnableQuotas(1) // UserPoolRead: 15/s, bucket of 1
	in := &cip.DescribeUserPoolInput{UserPoolId: &pool}
	_, err := f.DescribeUserPool(ctx, in)
	require.NoError(t, err)
	_, err = f.DescribeUserPool(ctx, in)
	require.ErrorAs(t, err, new(*types.TooManyRequestsException))
	now = now.Add(time.Second / 15)
	_, err = f.DescribeUserPool(ctx, in)
	require.NoError(t, err)
	f.EnableQuotas(0)
	for range 100 {
		_, err = f.DescribeUserPool(ctx, in)
		require.NoError(t, err)
	}
}

func TestFake_ListUsers(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	for i := range 130 {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprintf("user%03d", i), "email", fmt.Sprintf("u%03d@example.com", i), "given_name", `Q"uote\d`))
		require.NoError(t, err)
	}
	list := func(filter string, limit int32) ([]string, error) {
		var names []string
		in := &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(filter), Limit: aws.Int32(limit)}
		for pages := 0; pages < 10; pages++ {
			out, err := f.ListUsers(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.Username))
			}
			if out.PaginationToken == nil {
				return names, nil
			}
			in.PaginationToken = out.PaginationToken
		}
		return nil, errors.New("too many pages")
	}
	all, err := list("", 60)
	require.NoError(t, err)
	assert.Len(t, all, 130, "three pages")
	got, err := list(`email = "u007@example.com"`, 0)
	require.NoError(t, err)
	assert.Equal(t, []string{"user007"}, got)
	got, err = list(`username ^= "USER12"`, 5)
	require.NoError(t, err)
	assert.Equal(t, []string{"user120", "user121", "user122", "user123", "user124", "user125", "user126", "user127", "user128", "user129"}, got)
	got, err = list(`given_name = "Q\"uote\\d"`, 60)
	require.NoError(t, err)
	assert.Len(t, got, 130)
	got, err = list(`status = "Enabled"`, 60)
	require.NoError(t, err)
	assert.Len(t, got, 130)
	for _, bad := range []string{`email = u@example.com`, `nickname = "x"`, `email == "x"`, `email = "` + string(make([]byte, 250)) + `"`} {
		_, err := list(bad, 60)
		assert.ErrorAs(t, err, new(*types.InvalidParameterException), bad)
	}
	_, err = list("", 61)
	assert.ErrorAs(t, err, new(*types.InvalidParameterException))
	_, err = f.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, PaginationToken: aws.String("bogus")})
	assert.ErrorAs(t, err, new(*types.InvalidParameterException))
}

// R24: AWS's own ListUsers sample quotes the attribute name and puts no
// spaces around the operator ("email"^="testuser"); the Fake reads it as
// the bare name, and so does the Server through the real SDK client. An
// unbalanced quote is still refused.
func TestFake_ListUsersTakesAQuotedAttributeName(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	for _, name := range []string{"testuser1", "other"} {
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com"))
		require.NoError(t, err)
	}
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	for target, api := range map[string]interface {
		ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)
	}{"fake": f, "server": srv.Client()} {
		for filter, want := range map[string][]string{
			`"email"^="testuser"`:               {"testuser1"},
			`"email" = "testuser1@example.com"`: {"testuser1"},
			`"username"^="oth"`:                 {"other"},
			`"cognito:user_status"="CONFIRMED"`: {"testuser1", "other"},
		} {
			out, err := api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(filter)})
			require.NoError(t, err, "%s: %s", target, filter)
			var got []string
			for _, u := range out.Users {
				got = append(got, aws.ToString(u.Username))
			}
			assert.Equal(t, want, got, "%s: %s", target, filter)
		}
		for _, bad := range []string{`"email^="testuser"`, `email"^="testuser"`, `"nickname"="x"`} {
			_, err := api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(bad)})
			assert.ErrorAs(t, err, new(*types.InvalidParameterException), "%s: %s", target, bad)
		}
	}
}

func TestFake_SetupOperations(t *testing.T) {
	f := resetpwtest.NewFake()
	out, err := f.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p")})
	require.NoError(t, err)
	pool := aws.ToString(out.UserPool.Id)
	_, err = f.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("diego"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("d@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	require.NoError(t, err)
	u, _ := f.User(pool, "diego")
	assert.Equal(t, types.UserStatusTypeForceChangePassword, u.UserStatus)
	_, err = f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego"), Password: aws.String("P4ss!word"), Permanent: true})
	require.NoError(t, err)
	u, _ = f.User(pool, "diego")
	assert.Equal(t, types.UserStatusTypeConfirmed, u.UserStatus)
	_, err = f.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	u, _ = f.User(pool, "diego")
	assert.False(t, u.Enabled)
	_, err = f.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("diego"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("new@example.com")}}})
	require.NoError(t, err)
	err = reset(f, pool, "diego")
	assert.ErrorAs(t, err, new(*types.InvalidParameterException), "a changed email is unverified")
	_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("diego"),
		UserAttributes: []types.AttributeType{{Name: aws.String("sub"), Value: aws.String("x")}}})
	assert.ErrorAs(t, err, new(*types.InvalidParameterException))
	require.NoError(t, f.SetUserMFA(pool, "diego", []string{"SMS_MFA"}, "SMS_MFA"))
	g, err := f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	assert.Equal(t, []string{"SMS_MFA"}, g.UserMFASettingList)
}

// FuzzListUsersFilter feeds the Fake's filter parser arbitrary filters: it
// never panics, and answers either users or InvalidParameterException.
func FuzzListUsersFilter(f *testing.F) {
	for _, s := range []string{`email = "d@example.com"`, `username ^= "us"`, `given_name = "Q\"uote\\d"`,
		`status = "Enabled"`, `cognito:user_status = "CONFIRMED"`, `email = d`, `nickname = "x"`, `"`, `=`, ``,
		`"email"^="testuser"`, `"email^="d"`} {
		f.Add(s)
	}
	fake := resetpwtest.NewFake()
	pool := fake.AddPool(types.UserPoolType{})
	_, err := fake.AddUser(pool, resetpwtest.User("diego", "email", "d@example.com", "given_name", `Q"uote\d`))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, filter string) {
		out, err := fake.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: &filter})
		if err != nil {
			require.ErrorAs(t, err, new(*types.InvalidParameterException))
			return
		}
		require.LessOrEqual(t, len(out.Users), 1)
	})
}

func TestFake_DailyEmailLimit(t *testing.T) {
	f := resetpwtest.NewFake()
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return now })
	f.SetDailyEmailLimit(2)
	builtIn := f.AddPool(types.UserPoolType{})
	ses := f.AddPool(types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for i, pool := range []string{builtIn, builtIn, builtIn, ses} {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprint("u", i), "email", fmt.Sprintf("u%d@example.com", i), "email_verified", "true"))
		require.NoError(t, err)
	}
	require.NoError(t, reset(f, builtIn, "u0"))
	require.NoError(t, reset(f, builtIn, "u1"))
	err := reset(f, builtIn, "u2")
	var limit *types.LimitExceededException
	require.ErrorAs(t, err, &limit)
	assert.Contains(t, limit.ErrorMessage(), "Exceeded daily email limit")
	assert.Equal(t, resetpw.ErrDeliveryConfig, resetpw.KindOf(err), "the account's quota, not the user's")
	u, err := f.User(builtIn, "u2")
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.UserStatus, "no code went out")
	require.NoError(t, reset(f, ses, "u3"), "a pool on its own SES is not capped")
	now = now.Add(24 * time.Hour)
	require.NoError(t, reset(f, builtIn, "u2"), "a day later the quota is back")
	assert.Len(t, f.Deliveries(), 4)
}

func TestFake_FreezeListUsers(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("alice", "email", "a@example.com"))
	require.NoError(t, err)
	list := func() []string {
		out, err := f.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`email = "a@example.com"`)})
		require.NoError(t, err)
		var names []string
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.Username))
		}
		return names
	}
	thaw := f.FreezeListUsers()
	_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("alice"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("new@example.com")}}})
	require.NoError(t, err)
	_, err = f.AddUser(pool, resetpwtest.User("bob", "email", "a@example.com"))
	require.NoError(t, err)
	assert.Equal(t, []string{"alice"}, list(), "the frozen index")
	got, err := f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")})
	require.NoError(t, err)
	assert.Contains(t, got.UserAttributes, types.AttributeType{Name: aws.String("email"), Value: aws.String("new@example.com")}, "AdminGetUser is current")
	thaw()
	assert.Equal(t, []string{"bob"}, list())
}

func TestFakeSNS(t *testing.T) {
	f := resetpwtest.NewFake()
	s := f.SNS()
	st, err := s.GetSMSSandboxAccountStatus(ctx, nil)
	require.NoError(t, err)
	assert.False(t, st.IsInSandbox)
	f.SetSMSSandbox(true)
	f.SetSandboxVerifiedNumbers("+3", "+1", "+2")
	st, err = s.GetSMSSandboxAccountStatus(ctx, nil)
	require.NoError(t, err)
	assert.True(t, st.IsInSandbox)
	var numbers []string
	in := &sns.ListSMSSandboxPhoneNumbersInput{}
	for {
		out, err := s.ListSMSSandboxPhoneNumbers(ctx, in)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(out.PhoneNumbers), 2)
		for _, n := range out.PhoneNumbers {
			numbers = append(numbers, aws.ToString(n.PhoneNumber))
			assert.Equal(t, snstypes.SMSSandboxPhoneNumberVerificationStatusVerified, n.Status)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	assert.Equal(t, []string{"+1", "+2", "+3"}, numbers)
	_, err = s.ListOriginationNumbers(ctx, &sns.ListOriginationNumbersInput{NextToken: aws.String("bogus")})
	assert.ErrorAs(t, err, new(*snstypes.InvalidParameterException))
	f.AddOriginationNumber(snstypes.PhoneNumberInformation{PhoneNumber: aws.String("+12065550199")})
	o, err := s.ListOriginationNumbers(ctx, &sns.ListOriginationNumbersInput{})
	require.NoError(t, err)
	assert.Len(t, o.PhoneNumbers, 1)
	assert.Equal(t, 2, f.Calls("ListOriginationNumbers"), "calls are counted, failed ones too")
}

// R24: every search but username and status is case-insensitive, so an
// email matches in any case in every pool, case-sensitive ones included;
// usernames there still match exactly.
func TestFake_ListUsersEmailIgnoresCase(t *testing.T) {
	for _, sensitive := range []bool{true, false} {
		t.Run(fmt.Sprint("case sensitive ", sensitive), func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(sensitive)}})
			_, err := f.AddUser(pool, resetpwtest.User("Diego", "email", "Diego.Ruiz@Example.com", "email_verified", "true"))
			require.NoError(t, err)
			for _, filter := range []string{`email = "diego.ruiz@example.com"`, `email = "DIEGO.RUIZ@EXAMPLE.COM"`, `email ^= "diego.R"`} {
				out, err := f.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(filter)})
				require.NoError(t, err)
				require.Len(t, out.Users, 1, filter)
				assert.Equal(t, "Diego.Ruiz@Example.com", aws.ToString(out.Users[0].Attributes[0].Value), "the stored case is returned")
			}
			out, err := f.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`username = "diego"`)})
			require.NoError(t, err)
			assert.Len(t, out.Users, map[bool]int{true: 0, false: 1}[sensitive], "usernames follow the pool's CaseSensitive")
		})
	}
}

// R20, R36, R37: the Fake's daily email cap is per account and Region, over
// all the account's pools.
func TestFake_DailyEmailLimitPerAccount(t *testing.T) {
	f := resetpwtest.NewFake()
	f.SetDailyEmailLimit(2)
	a, b := f.AddPool(types.UserPoolType{}), f.AddPool(types.UserPoolType{})
	f.SetAccount("210987654321")
	c := f.AddPool(types.UserPoolType{})
	for i, pool := range []string{a, b, b, c} {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprint("u", i), "email", fmt.Sprintf("u%d@example.com", i), "email_verified", "true"))
		require.NoError(t, err)
	}
	out, err := f.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &a})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:cognito-idp:us-west-2:123456789012:userpool/"+a, aws.ToString(out.UserPool.Arn))
	require.NoError(t, reset(f, a, "u0"))
	require.NoError(t, reset(f, b, "u1"))
	require.ErrorAs(t, reset(f, b, "u2"), new(*types.LimitExceededException), "pool b shares pool a's cap")
	require.NoError(t, reset(f, c, "u3"), "another account has its own")
}

// A resolver tested against the Fake finds a user by email in any case, in
// a case-sensitive pool too, as Cognito's search does (R24), and the reset
// goes to that user.
func TestFake_ResolveEmailAnyCase(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(true)}})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "Diego@Example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "diego", res.Username)
	require.Len(t, f.Deliveries(), 1)
	assert.Equal(t, "Diego@Example.com", f.Deliveries()[0].Destination)
}

// R24: ListUsers' filter list marks only username and status (the Enabled
// column) case-sensitive and cognito:user_status case-insensitive; every
// other searchable attribute (name, given_name, family_name,
// preferred_username, sub) matches in any case too, on the Fake and
// through the real SDK client.
func TestFake_ListUsersSearchesIgnoreCaseExceptWhereMarked(t *testing.T) {
	const sub = "0b6d7a52-2f1e-4c51-9d3a-6f0e5b8c1a11"
	targets := map[string]func(f *resetpwtest.Fake) resetpw.API{
		"fake": func(f *resetpwtest.Fake) resetpw.API { return f },
		"server": func(f *resetpwtest.Fake) resetpw.API {
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			return srv.Client()
		},
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, resetpwtest.User("Diego", "sub", sub, "name", "Diego Ruiz", "given_name", "Diego", "family_name", "Ruiz",
				"preferred_username", "DRuiz", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			api := target(f)
			for filter, want := range map[string]int{
				`name = "diego ruiz"`:                  1,
				`given_name ^= "DIE"`:                  1,
				`family_name = "RUIZ"`:                 1,
				`preferred_username = "druiz"`:         1,
				`sub = "` + strings.ToUpper(sub) + `"`: 1,
				`cognito:user_status = "confirmed"`:    1,
				`status = "Enabled"`:                   1,
				`status = "enabled"`:                   0, // case-sensitive
				`username = "diego"`:                   0, // case-sensitive in a case-sensitive pool
			} {
				out, err := api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(filter)})
				require.NoError(t, err, filter)
				assert.Len(t, out.Users, want, filter)
			}
		})
	}
}
