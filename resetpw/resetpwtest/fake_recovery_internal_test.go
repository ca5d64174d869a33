package resetpwtest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/require"
)

// A user's current code completes the reset even when an earlier code of
// theirs, spent or replaced, had the same six digits: codes are drawn at
// random, so a new one may repeat a retired one.
func TestFake_ConfirmForgotPasswordTakesTheCurrentCodeEqualToARetiredOne(t *testing.T) {
	f := NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	client, err := f.CreateUserPoolClient(t.Context(), &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})
	require.NoError(t, err)
	_, err = f.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	f.mu.Lock()
	_, u, err := f.lookup(pool, "diego")
	require.NoError(t, err)
	code := u.code
	u.oldCodes = append(u.oldCodes, code) // as if an earlier code had drawn the same digits
	f.mu.Unlock()

	_, err = f.ConfirmForgotPassword(t.Context(), &cip.ConfirmForgotPasswordInput{ClientId: client.UserPoolClient.ClientId,
		Username: aws.String("diego"), ConfirmationCode: &code, Password: aws.String("N3w-passw0rd!")})
	require.NoError(t, err)
	got, err := f.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
	require.NoError(t, err)
	require.Equal(t, types.UserStatusTypeConfirmed, got.UserStatus)
}
