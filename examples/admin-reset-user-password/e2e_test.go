package main

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
	"github.com/cognitoreset/cognitoreset/internal/moto"
)

// motoDefaultAccount is the account moto_server serves a request in when
// it names none, as the CLI's requests don't.
const motoDefaultAccount = "123456789012"

// The built CLI against moto_server: a dry run succeeds, a reset prints
// nothing with --output json (the default) and leaves the user
// RESET_REQUIRED, and an unknown user exits with user_not_found's status.
func TestCLIProgramAgainstMoto(t *testing.T) {
	endpoint := e2e.Moto(t) // skips without moto_server
	ctx := moto.Context(t)
	c := moto.NewClient(endpoint, motoDefaultAccount)
	created, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("e2e-cli")})
	require.NoError(t, err)
	pool := aws.ToString(created.UserPool.Id)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String("diego"), MessageAction: types.MessageActionTypeSuppress,
		TemporaryPassword: aws.String("Temp-Passw0rd!"),
		UserAttributes:    []types.AttributeType{{Name: aws.String("email"), Value: aws.String("diego@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}},
	})
	require.NoError(t, err)
	_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: aws.String(pool), Username: aws.String("diego"),
		Password: aws.String("Perm-Passw0rd!"), Permanent: true})
	require.NoError(t, err)

	bin := e2e.Build(t, ".")
	cli := func(args ...string) (string, string, int) {
		return e2e.Run(t, e2e.Command(bin, append([]string{"--endpoint-url", endpoint, "--user-pool-id", pool}, args...)...))
	}
	stdout, stderr, code := cli("--username", "diego", "--dry-run", "--output", "text")
	require.Zero(t, code, stderr)
	t.Logf("dry run: %s", stdout)
	stdout, stderr, code = cli("--username", "diego")
	require.Zero(t, code, stderr)
	assert.Empty(t, stdout, "--output json prints nothing on success")
	u, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String("diego")})
	require.NoError(t, err)
	assert.Equal(t, types.UserStatusTypeResetRequired, u.UserStatus)

	_, stderr, code = cli("--username", "ghost")
	t.Logf("unknown user: %s", stderr)
	assert.Equal(t, 12, code, "user_not_found")
}
