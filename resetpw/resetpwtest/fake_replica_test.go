package resetpwtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// R68: a pool whose ARN names another Region than its ID is a secondary
// replica of a pool whose primary is in the ID's Region. It serves reads,
// with the ARN it was given, and answers every write with
// OperationNotEnabledException (R22), changing nothing.
func TestFake_SecondaryReplicaRefusesWritesAndServesReads(t *testing.T) {
	ctx := context.Background()
	f := resetpwtest.NewFake()
	id := f.AddPool(types.UserPoolType{Id: aws.String("eu-west-1_Replica01"), Arn: aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/eu-west-1_Replica01")})
	_, err := f.AddUser(id, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	pool, user := aws.String(id), aws.String("diego")

	writes := map[string]func() error{
		"AdminResetUserPassword": func() error {
			_, err := f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: pool, Username: user})
			return err
		},
		"AdminSetUserPassword": func() error {
			_, err := f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pool, Username: user, Password: aws.String("Correct-Horse-9-Battery")})
			return err
		},
		"AdminCreateUser": func() error {
			_, err := f.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: aws.String("sam")})
			return err
		},
		"AdminCreateUser RESEND": func() error {
			_, err := f.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pool, Username: user, MessageAction: types.MessageActionTypeResend})
			return err
		},
		"AdminUserGlobalSignOut": func() error {
			_, err := f.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: pool, Username: user})
			return err
		},
		"AdminDisableUser": func() error {
			_, err := f.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: pool, Username: user})
			return err
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			var ne *types.OperationNotEnabledException
			require.ErrorAs(t, write(), &ne)
			assert.Contains(t, ne.ErrorMessage(), "eu-west-1", "names the primary's Region")
		})
	}
	assert.Empty(t, f.Deliveries())
	assert.Empty(t, f.SignOuts())
	u, err := f.User(id, "diego")
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeConfirmed, u.UserStatus)
	assert.True(t, u.Enabled)

	out, err := f.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pool})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:cognito-idp:us-west-2:"+resetpwtest.DefaultAccount+":userpool/eu-west-1_Replica01", aws.ToString(out.UserPool.Arn))
	_, err = f.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: user})
	require.NoError(t, err)
}
