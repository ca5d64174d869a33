package followup_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// target is what the conformance test calls: the Fake, or an SDK client
// of moto_server.
type target interface {
	resetpw.API
	CreateUserPool(context.Context, *cip.CreateUserPoolInput, ...func(*cip.Options)) (*cip.CreateUserPoolOutput, error)
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
	AdminDisableUser(context.Context, *cip.AdminDisableUserInput, ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error)
}

// Read's sweeps (the cognito:user_status filter, pages, Enabled) read the
// same states from the Fake and from moto_server, which models
// RESET_REQUIRED after a reset but neither completion nor expiry (R63: the
// Fake's own tests cover those). The user whose send is on record two
// hours ago was modified (created, reset) since, on either server, so its
// newest code's hour runs from that modification: pending, not expired
// (R66). The setup is safe to retry: a user an SDK retry already created
// is used as it is.
func TestRead_ConformsOnTheFakeAndMoto(t *testing.T) {
	for name, newTarget := range map[string]func(t *testing.T) target{
		"fake": func(*testing.T) target { return resetpwtest.NewFake() },
		"moto": func(t *testing.T) target { return moto.Client(t) },
	} {
		t.Run(name, func(t *testing.T) {
			api := newTarget(t)
			ctx := t.Context()
			p, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("followup"),
				AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
					{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(1)}}}})
			require.NoError(t, err)
			pool := aws.ToString(p.UserPool.Id)
			for _, n := range []string{"pending", "expired", "disabled", "elsewhere", "untouched"} {
				_, err := api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String(n), MessageAction: types.MessageActionTypeSuppress,
					UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(n + "@example.com")},
						{Name: aws.String("email_verified"), Value: aws.String("true")}}})
				if _, exists := errors.AsType[*types.UsernameExistsException](err); !exists { // created by an SDK retry: the same user
					require.NoError(t, err)
				}
				_, err = api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String(n),
					Password: aws.String("Passw0rd!-conformance"), Permanent: true})
				require.NoError(t, err)
				if n != "untouched" {
					_, err = api.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String(n)})
					require.NoError(t, err)
				}
			}
			_, err = api.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("disabled")})
			require.NoError(t, err)
			now := time.Now()
			sent := map[string]time.Time{"pending": now, "expired": now.Add(-2 * time.Hour), "disabled": now, "gone": now}
			r, err := resetpw.New(api)
			require.NoError(t, err)
			got := map[string]followup.State{}
			rep, err := followup.Read(ctx, r, pool, sent, followup.Options{}, func(u followup.User) { got[u.Username] = u.State })
			require.NoError(t, err)
			assert.Equal(t, map[string]followup.State{"pending": followup.Pending, "expired": followup.Pending, "disabled": followup.Changed,
				"elsewhere": followup.NoRecord, "gone": followup.Changed}, got)
			assert.Equal(t, 2, rep.Requests)
		})
	}
}
