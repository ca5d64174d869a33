package bulk_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// R68: a secondary replica refuses every input before sending, as
// ErrNotEnabled, which trips a run's, a plan's and a pool plan's breaker:
// each stops, its error ErrRunStopped wrapping ErrNotEnabled and naming the
// primary's Region.
func TestRunAndPlans_StopOnASecondaryReplica(t *testing.T) {
	ctx := context.Background()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("sa-east-1_Replica01"), Arn: aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/sa-east-1_Replica01")})
	for _, name := range []string{"ana", "bo"} {
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	r, err := resetpw.New(f)
	require.NoError(t, err)
	inputs := slices.Values([]bulk.Input{{Request: resetpw.Request{UserPoolID: pool, Username: "ana"}}, {Request: resetpw.Request{UserPoolID: pool, Username: "bo"}}})
	for name, do := range map[string]func() (bulk.Summary, error){
		"run":      func() (bulk.Summary, error) { return bulk.Run(ctx, r, inputs, bulk.Options{}, nil) },
		"plan":     func() (bulk.Summary, error) { return bulk.Plan(ctx, r, inputs, bulk.Options{}, nil) },
		"planPool": func() (bulk.Summary, error) { return bulk.PlanPool(ctx, r, pool, bulk.Options{}, nil) },
	} {
		_, err := do()
		require.ErrorIs(t, err, resetpw.ErrRunStopped, name)
		require.ErrorIs(t, err, resetpw.ErrNotEnabled, name)
		assert.Contains(t, err.Error(), "sa-east-1", name)
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing sent")
}
