package bulk_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// A run and a plan check each input's ClientMetadata against the custom
// message trigger resetpw.WithCustomMessage describes, as a single reset
// does: an input that lacks what the trigger's messages show is refused
// before anything is sent for it, and the others go on. PlanPool's inputs
// carry no ClientMetadata, which is what a Run of its Resettable inputs
// would send: they are refused too.
func TestRun_ChecksEachInputAgainstTheCustomMessageTrigger(t *testing.T) {
	const arn = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	errNoTicket := errors.New(`ClientMetadata has no "ticket"`)
	var mu sync.Mutex
	checked := 0
	check := func(md map[string]string) error {
		mu.Lock()
		checked++
		mu.Unlock()
		if md["ticket"] == "" {
			return errNoTicket
		}
		return nil
	}
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(arn)}})
	for _, name := range []string{"ana", "bo"} {
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	r, err := resetpw.New(f, resetpw.WithCustomMessage(arn, check))
	require.NoError(t, err)
	inputs := slices.Values([]bulk.Input{
		{Key: "line 1", Request: resetpw.Request{UserPoolID: pool, Username: "ana", ClientMetadata: map[string]string{"ticket": "T-1"}}},
		{Key: "line 2", Request: resetpw.Request{UserPoolID: pool, Username: "bo"}},
	})
	ctx := context.Background()

	for _, send := range []bool{false, true} {
		var outs []bulk.Outcome
		do := bulk.Plan
		if send {
			do = bulk.Run
		}
		sum, err := do(ctx, r, inputs, bulk.Options{}, func(o bulk.Outcome) { outs = append(outs, o) })
		require.NoError(t, err)
		assert.Equal(t, map[resetpw.Kind]int{resetpw.ErrInvalidInput: 1}, sum.ByKind, "send %v", send)
		for _, o := range outs {
			if o.Input.Key == "line 2" {
				assert.ErrorIs(t, o.Err, errNoTicket)
				var e *resetpw.Error
				require.ErrorAs(t, o.Err, &e)
				assert.Equal(t, "ClientMetadata", e.Field)
				continue
			}
			require.NoError(t, o.Err)
		}
	}
	assert.Equal(t, 4, checked, "each input, in the plan and in the run")
	require.Len(t, f.Deliveries(), 1, "only the input with its ticket was sent")
	assert.Equal(t, "ana", f.Deliveries()[0].Username)

	sum, err := bulk.PlanPool(ctx, r, pool, bulk.Options{}, func(bulk.Outcome) {})
	require.NoError(t, err)
	assert.Equal(t, map[resetpw.Kind]int{resetpw.ErrInvalidInput: 2}, sum.ByKind)
}
