package engine

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/quota"
)

// ListUsersPage is the most users one ListUsers page holds.
const ListUsersPage = 60

// ListUsers reads one page of a pool's users (ListUsersPage at most) from
// token on, paced by g and retried as every call is.
func (r *Engine) ListUsers(ctx context.Context, g *Gate, poolID, token string) (*cip.ListUsersOutput, error) {
	in := &cip.ListUsersInput{UserPoolId: &poolID, Limit: aws.Int32(ListUsersPage)}
	if token != "" {
		in.PaginationToken = aws.String(token)
	}
	return call(ctx, r, g, quota.CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
		return r.api.ListUsers(ctx, in, o...)
	})
}

// ListUsersWhere is ListUsers with a Filter, such as
// `cognito:user_status = "RESET_REQUIRED"` (R24): a sweep of the users it
// matches, 60 a page.
func (r *Engine) ListUsersWhere(ctx context.Context, g *Gate, poolID, filter, token string) (*cip.ListUsersOutput, error) {
	in := &cip.ListUsersInput{UserPoolId: &poolID, Limit: aws.Int32(ListUsersPage), Filter: &filter}
	if token != "" {
		in.PaginationToken = aws.String(token)
	}
	return call(ctx, r, g, quota.CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
		return r.api.ListUsers(ctx, in, o...)
	})
}

// GetUser reads one user with AdminGetUser, paced in UserRead: what
// package followup reads of a user neither of its sweeps listed.
func (r *Engine) GetUser(ctx context.Context, g *Gate, poolID, username string) (*cip.AdminGetUserOutput, error) {
	in := &cip.AdminGetUserInput{UserPoolId: &poolID, Username: &username}
	return call(ctx, r, g, quota.CategoryUserRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
		return r.api.AdminGetUser(ctx, in, o...)
	})
}

// needsUserRead reports whether a user's MFA settings can change where the
// code goes: only with a recovery setting (R4, R5; R6) and MFA not OFF (an
// unset MfaConfiguration is OFF, the API's default).
func needsUserRead(p *poolInfo) bool {
	return p.hasSetting && p.mfa != "" && p.mfa != types.UserPoolMfaTypeOff
}

// PrepareListed is Prepare for a user ListUsers listed (PlanPool): it
// predicts from the listing itself, reading the user with AdminGetUser only
// when its MFA settings matter.
func (r *Engine) PrepareListed(ctx context.Context, g *Gate, poolID string, user types.UserType, preflight Preflight) (*Attempt, *Result, error) {
	req := Request{UserPoolID: poolID, Username: aws.ToString(user.Username)}
	a := &Attempt{r: r, g: g, act: &ResetAction, preflight: preflight, forRun: true, req: req, name: req.Username, kind: alias.Username}
	a.safe = append(a.safe, req.Username)
	if preflight == PreflightOff {
		// Nothing is read: the listing's username is what would be sent.
		return a, &Result{UserPoolID: poolID, Username: a.name, Input: alias.Username}, nil
	}
	pool, err := r.pool(ctx, g, poolID)
	if err != nil {
		return a, nil, a.Fail(OpPreflight, Kind{}, err)
	}
	a.pool = pool
	if f := replicaRefusal(pool); f != nil {
		return a, nil, a.Fail(OpPreflight, f.kind, f)
	}
	if pool.adminOnly {
		f := &refusal{kind: ErrRecoveryNotConfigured, reason: "the pool's account recovery is admin_only", way: temporaryPasswordWay(userInfoFromListed(user))}
		return a, nil, a.Fail(OpPreflight, f.kind, f)
	}
	if err := a.checkMessage(pool); err != nil {
		return a, nil, err
	}
	if preflight == PreflightPool {
		// The pool is read and nothing is predicted, as a Check would.
		return a, &Result{UserPoolID: poolID, Username: a.name, Input: alias.Username}, nil
	}
	var u *userInfo
	if needsUserRead(pool) {
		if u, err = a.readUser(ctx, pool); err != nil {
			return a, nil, err
		}
	} else {
		u = userInfoFromListed(user)
		for _, k := range []string{"email", "phone_number"} {
			if v := u.attrs[k]; v != "" {
				a.safe = append(a.safe, v)
			}
		}
		if u.status == types.UserStatusTypeExternalProvider {
			return a, nil, a.Fail(OpPreflight, federatedRefusal.kind, federatedRefusal)
		}
	}
	if f := checkUser(u); f != nil {
		return a, nil, a.Fail(OpPreflight, f.kind, r.forceChange(ctx, pool, u, f))
	}
	pr, f, err := r.predict(ctx, pool, u)
	if err != nil {
		return a, nil, a.Fail(OpPreflight, Kind{}, err)
	}
	if f != nil {
		return a, nil, a.Fail(OpPreflight, f.kind, f)
	}
	res := &Result{UserPoolID: poolID, Username: a.name, Input: alias.Username,
		Delivery: &Delivery{Medium: pr.medium, Destination: alias.Mask(pr.dest), Sender: pr.sender}, Caveats: pr.caveats}
	return a, res, nil
}

// userInfoFromListed reads what a ListUsers entry says of a user; its MFA
// settings are unknown (ListUsers returns only the legacy MFAOptions).
func userInfoFromListed(ut types.UserType) *userInfo {
	out := &cip.AdminGetUserOutput{Username: ut.Username, Enabled: ut.Enabled, UserStatus: ut.UserStatus,
		UserAttributes: ut.Attributes, MFAOptions: ut.MFAOptions}
	return userInfoFrom(out)
}
