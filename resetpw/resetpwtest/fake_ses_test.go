package resetpwtest_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

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

// R34, R35: FakeSES answers the reads WithSES makes, and its deliveries obey
// them.
func TestFakeSES(t *testing.T) {
	f := resetpwtest.NewFake()
	s := f.SES()
	acct, err := s.GetAccount(ctx, &sesv2.GetAccountInput{})
	require.NoError(t, err)
	assert.True(t, acct.ProductionAccessEnabled)
	assert.True(t, acct.SendingEnabled)
	f.SetSESSandbox(true)
	f.PauseSESSending(true)
	acct, err = s.GetAccount(ctx, &sesv2.GetAccountInput{})
	require.NoError(t, err)
	assert.False(t, acct.ProductionAccessEnabled)
	assert.False(t, acct.SendingEnabled)
	assert.Equal(t, float64(resetpwtest.SESSandboxQuota), acct.SendQuota.Max24HourSend)

	_, err = s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	require.ErrorAs(t, err, new(*sestypes.NotFoundException))
	f.VerifySESIdentities("example.com")
	_, err = s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.COM")})
	require.ErrorAs(t, err, new(*sestypes.NotFoundException), "identities match exactly (R34)")
	id, err := s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	require.NoError(t, err)
	assert.True(t, id.VerifiedForSendingStatus)
	assert.Equal(t, sestypes.IdentityTypeDomain, id.IdentityType)
	assert.Equal(t, 5, f.Calls(resetpwtest.OpGetAccount)+f.Calls(resetpwtest.OpGetEmailIdentity))

	f.PauseSESSending(false)
	pool := f.AddPool(types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper,
		SourceArn: aws.String("arn:aws:ses:us-west-2:123456789012:identity/example.com")}})
	for _, u := range []string{"in", "out", "case"} {
		domain := map[string]string{"in": "example.com", "out": "example.org", "case": "Example.com"}[u]
		_, err := f.AddUser(pool, resetpwtest.User(u, "email", u+"@"+domain, "email_verified", "true"))
		require.NoError(t, err)
		require.NoError(t, reset(f, pool, u), "Cognito answers success")
	}
	d := f.Deliveries()
	require.Len(t, d, 3)
	assert.False(t, d[0].Dropped, "a verified domain receives in the sandbox")
	assert.True(t, d[1].Dropped)
	assert.Equal(t, "SES sandbox: recipient not verified", d[1].DropReason)
	assert.True(t, d[2].Dropped, "another case of the domain is not the verified identity (R34)")
	acct, err = s.GetAccount(ctx, &sesv2.GetAccountInput{})
	require.NoError(t, err)
	assert.Equal(t, 1.0, acct.SendQuota.SentLast24Hours)
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
