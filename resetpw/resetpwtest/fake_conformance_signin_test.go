package resetpwtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const passwordlessSignIn = resetpw.CaveatCode("passwordless_sign_in")

// TestConformance_PasswordlessSignIn: CheckPool reports a pool's feature
// plan and first factors as DescribeUserPool gives them (R71), and a reset
// in a pool that lets users sign in with a one-time code goes out with the
// caveat that it may not stop such a sign-in (R72), on every target. A pool
// created without a plan is on Essentials, Cognito's documented default,
// on the Fake and the Server; moto keeps no plan.
func TestConformance_PasswordlessSignIn(t *testing.T) {
	for _, target := range confTargets() {
		t.Run(target.name, func(t *testing.T) {
			c := target.api(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			create := func(name string, tier types.UserPoolTierType, factors ...types.AuthFactorType) string {
				in := &cip.CreateUserPoolInput{PoolName: aws.String(name), AccountRecoverySetting: recoveryBy("verified_email"),
					AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}, UserPoolTier: tier}
				if len(factors) > 0 {
					in.Policies = &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: factors}}
				}
				out, err := c.CreateUserPool(ctx, in)
				require.NoError(t, err)
				return aws.ToString(out.UserPool.Id)
			}
			otp := create("conformance-passwordless", types.UserPoolTierTypeEssentials, "PASSWORD", "EMAIL_OTP")
			plain := create("conformance-password-only", "")
			for _, id := range []string{otp, plain} {
				_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("otp.user"),
					MessageAction: types.MessageActionTypeSuppress, TemporaryPassword: aws.String("Temp-Passw0rd!"), UserAttributes: []types.AttributeType{
						{Name: aws.String("email"), Value: aws.String("otp.user@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
				require.NoError(t, err)
				_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("otp.user"),
					Password: aws.String("Perm-Passw0rd!"), Permanent: true})
				require.NoError(t, err)
			}
			r, err := resetpw.New(c)
			require.NoError(t, err)

			rep, err := r.CheckPool(ctx, otp)
			require.NoError(t, err)
			assert.Equal(t, "ESSENTIALS", rep.FeaturePlan)
			assert.Equal(t, []string{"PASSWORD", "EMAIL_OTP"}, rep.FirstFactors)
			assert.Contains(t, caveatCodes(rep.Caveats), passwordlessSignIn)
			res, err := r.Reset(ctx, resetpw.Request{UserPoolID: otp, Username: "otp.user"})
			require.NoError(t, err, "the caveat never refuses")
			assert.Contains(t, caveatCodes(res.Caveats), passwordlessSignIn)
			got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &otp, Username: aws.String("otp.user")})
			require.NoError(t, err)
			assert.Equal(t, types.UserStatusTypeResetRequired, got.UserStatus)

			rep, err = r.CheckPool(ctx, plain)
			require.NoError(t, err)
			assert.Nil(t, rep.FirstFactors)
			assert.NotContains(t, caveatCodes(rep.Caveats), passwordlessSignIn)
			res, err = r.Reset(ctx, resetpw.Request{UserPoolID: plain, Username: "otp.user"})
			require.NoError(t, err)
			assert.NotContains(t, caveatCodes(res.Caveats), passwordlessSignIn)
			if target.moto {
				t.Log("moto keeps no feature plan for a pool created without one; Cognito's default (ESSENTIALS) is asserted on the Fake and the Server")
				return
			}
			assert.Equal(t, "ESSENTIALS", rep.FeaturePlan, "Cognito's default plan")
		})
	}
}

func caveatCodes(cs []resetpw.Caveat) []resetpw.CaveatCode {
	var out []resetpw.CaveatCode
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return out
}

// The Fake's CreateUserPool keeps the plan it is given; AddPool stores the
// pool as given, without a default.
func TestFake_CreateUserPoolKeepsTheGivenPlan(t *testing.T) {
	f := resetpwtest.NewFake()
	out, err := f.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("plus"), UserPoolTier: types.UserPoolTierTypePlus})
	require.NoError(t, err)
	assert.Equal(t, types.UserPoolTierTypePlus, out.UserPool.UserPoolTier)
	id := f.AddPool(types.UserPoolType{})
	d, err := f.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: &id})
	require.NoError(t, err)
	assert.Empty(t, d.UserPool.UserPoolTier)
}
