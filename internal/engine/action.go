package engine

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/quota"
)

// Action is a recovery action: a value the engine carries through its
// stages, not a branch inside them. It names the one request the action
// sends, the quota category that request draws on (which also says what
// may be retried: see call), the Op its failures carry, and the action
// that may follow it once it was sent. The next actions (inviting again a
// user stuck in FORCE_CHANGE_PASSWORD, setting a temporary password) are
// further values.
type Action struct {
	Name     string // for logs and spans, such as "reset"
	Op       Op     // the Op of the errors of its request
	Category quota.Category
	// Send sends the request for req's user, named username (resolved by
	// the stages before), with the per-call options o, and returns
	// Cognito's request ID.
	Send func(ctx context.Context, api API, req Request, username string, o ...func(*cip.Options)) (requestID string, err error)
	// Then follows the action once it was sent, when the request asks it
	// (Request.SignOut): its failure is the Result's SignOutErr, never the
	// action's.
	Then *Action
	// Log names the action in its log lines ("password reset" when
	// empty): "<Log> sent", "<Log> refused"...
	Log string

	// check, when set, replaces a reset's checks of the user (R10, R11,
	// the prediction of the code's delivery) and admin_only's refusal
	// (R1) with the action's own; it may fill res. send, when set,
	// replaces Send and may fill res (after the request is sent); its
	// request is retried only when provably not sent, as a reset is.
	check func(ctx context.Context, r *Engine, p *poolInfo, u *userInfo, res *Result) (*refusal, error)
	send  func(ctx context.Context, a *Attempt, res *Result, o ...func(*cip.Options)) (string, error)
	wire  string // the operation send sends, for log lines and metrics
}

func (act *Action) logName() string {
	if act.Log == "" {
		return "password reset"
	}
	return act.Log
}

// ResetAction sends AdminResetUserPassword, then signs the user out when
// the request asks it.
var ResetAction = Action{
	Name: "reset", Op: OpReset, Category: quota.CategoryUserAccountRecovery, Then: &SignOutAction,
	Send: func(ctx context.Context, api API, req Request, username string, o ...func(*cip.Options)) (string, error) {
		in := &cip.AdminResetUserPasswordInput{UserPoolId: &req.UserPoolID, Username: &username}
		if len(req.ClientMetadata) > 0 {
			in.ClientMetadata = req.ClientMetadata
		}
		out, err := api.AdminResetUserPassword(ctx, in, o...)
		if err != nil || out == nil {
			return "", err
		}
		id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		return id, nil
	},
}

// SignOutAction sends AdminUserGlobalSignOut: every session of the user
// ends, so that an attacker's refresh tokens stop working. It can be
// repeated safely, and is retried like a read.
var SignOutAction = Action{
	Name: "sign_out", Op: OpSignOut, Category: quota.CategoryUserUpdate,
	Send: func(ctx context.Context, api API, req Request, username string, o ...func(*cip.Options)) (string, error) {
		out, err := api.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &req.UserPoolID, Username: &username}, o...)
		if err != nil || out == nil {
			return "", err
		}
		id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		return id, nil
	},
}
