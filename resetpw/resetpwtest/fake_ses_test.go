package resetpwtest_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// R34, R35: FakeSES answers the reads WithSES makes, and its deliveries obey
// them.
func TestFakeSES(t *testing.T) {
	f := resetpwtest.NewFake()
	s := f.SES()
	acct, err := s.GetAccount(ctx, &sesv2.GetAccountInput{})
	require.NoError(t, err)
	assert.True(t, acct.ProductionAccessEnabled)
	assert.True(t, acct.SendingEnabled)
	assert.Equal(t, float64(50000), acct.SendQuota.Max24HourSend)
	f.SetSESSandbox(true)
	f.PauseSESSending(true)
	acct, err = s.GetAccount(ctx, &sesv2.GetAccountInput{})
	require.NoError(t, err)
	assert.False(t, acct.ProductionAccessEnabled)
	assert.False(t, acct.SendingEnabled)
	assert.Equal(t, float64(200), acct.SendQuota.Max24HourSend)

	_, err = s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	require.ErrorAs(t, err, new(*sestypes.NotFoundException))
	f.VerifySESIdentities("example.com")
	_, err = s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.COM")})
	require.ErrorAs(t, err, new(*sestypes.NotFoundException), "identities match exactly (R34)")
	id, err := s.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")})
	require.NoError(t, err)
	assert.True(t, id.VerifiedForSendingStatus)
	assert.Equal(t, sestypes.IdentityTypeDomain, id.IdentityType)
	assert.Equal(t, 5, f.Calls("GetAccount")+f.Calls("GetEmailIdentity"))

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
