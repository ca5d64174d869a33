package engine

import (
	"context"
	"errors"
	"testing"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/quota"
)

// An action is a value the stages carry: a new one (here a stand-in for
// the next issues' actions) gets validation, the resolved username, the
// preflight, pacing in its own category, its fate recorded and its Op on
// its errors, with no change to the engine.
func TestAction_AValueThroughTheStages(t *testing.T) {
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	r := newTestResetter(t, stub)
	var sentAs []string
	lim := &recordingLimiter{}
	act := &Action{Name: "invite", Op: OpReset, Category: quota.CategoryUserUpdate,
		Send: func(ctx context.Context, api API, req Request, username string, o ...func(*cip.Options)) (string, error) {
			sentAs = append(sentAs, username)
			if len(sentAs) == 1 {
				return "", &types.InternalErrorException{} // unavailable: retried, its category is not a reset's
			}
			return "req-1", nil
		}}
	a := r.NewAttempt(act, Request{UserPoolID: testPool, Username: " diego "}, NewGate(lim), PreflightFull, false)
	res, err := a.Prepare(context.Background())
	require.NoError(t, err)
	require.NoError(t, a.Send(context.Background(), res))
	assert.Equal(t, []string{"diego", "diego"}, sentAs, "the username the stages read, trimmed; retried once")
	assert.Equal(t, "req-1", res.RequestID)
	assert.Contains(t, lim.events, "wait UserUpdate", "paced in the action's category")
	assert.Zero(t, stub.count("AdminResetUserPassword"), "nothing of the reset's")

	failing := &Action{Name: "invite", Op: OpSignOut, Category: quota.CategoryUserAccountRecovery,
		Send: func(context.Context, API, Request, string, ...func(*cip.Options)) (string, error) {
			return "", &types.InternalErrorException{}
		}}
	a = r.NewAttempt(failing, Request{UserPoolID: testPool, Username: "diego"}, nil, PreflightOff, false)
	res, err = a.Prepare(context.Background())
	require.NoError(t, err)
	err = a.Send(context.Background(), res)
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, OpSignOut, e.Op, "the action's Op")
	assert.Equal(t, ErrUnavailable, e.Kind)
}
