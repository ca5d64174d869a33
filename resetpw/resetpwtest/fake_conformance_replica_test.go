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

// TestConformance_SecondaryReplica runs the replica scenarios (R68) on the
// Fake and on the Server through the real SDK client: with a preflight the
// reset is refused before sending as ErrNotEnabled naming the primary's
// Region; without one the replica answers OperationNotEnabledException,
// ErrNotEnabled too, and nothing is sent; a user write is refused the
// same way. moto_server 5.2.1 models no replicas: skipped there.
func TestConformance_SecondaryReplica(t *testing.T) {
	for _, target := range confTargets() {
		t.Run(target.name, func(t *testing.T) {
			if target.moto {
				t.Skip("moto differs from Cognito here: moto 5.2.1 models no multi-Region replicas; the fake and the server assert Cognito's behaviour")
			}
			f := resetpwtest.NewFake()
			id := f.AddPool(types.UserPoolType{Id: aws.String("ap-southeast-2_Replica01"), Arn: aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/ap-southeast-2_Replica01"), SmsConfiguration: smsRole})
			_, err := f.AddUser(id, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			var c cognito = f
			if target.name == "server" {
				srv := resetpwtest.NewServer(f)
				t.Cleanup(srv.Close)
				c = srv.Client()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightOff} {
				r, err := resetpw.New(c, resetpw.WithPreflight(p), resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond))
				require.NoError(t, err)
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: id, Username: "diego"})
				require.ErrorIs(t, err, resetpw.ErrNotEnabled, p)
				assert.Contains(t, err.Error(), "ap-southeast-2", p)
			}
			assert.Equal(t, 1, f.Calls("AdminResetUserPassword"), "only the reset without a preflight was sent")
			assert.Empty(t, f.Deliveries())
			_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String("diego"), Password: aws.String("Perm-Passw0rd!"), Permanent: true})
			assert.ErrorAs(t, err, new(*types.OperationNotEnabledException))
			got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("diego")})
			require.NoError(t, err, "a replica serves reads")
			assert.Equal(t, types.UserStatusTypeConfirmed, got.UserStatus)
		})
	}
}
