package resetpw

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
)

// listUsersPage is the most users one ListUsers page holds.
const listUsersPage = 60

// listedUser is a user as ListUsers listed it, and the page it came from.
type listedUser struct {
	user types.UserType
	page string // the pagination token that fetched its page
}

// PlanPool plans a reset of every user of a pool, as Plan does for a list:
// one Outcome per user, saying where the code would go or why the reset
// would be refused, and nothing sent. Users are read with ListUsers, 60 a
// page, from BulkOptions.PageToken on; each Outcome carries the token of its
// page, to resume from after a crash.
//
// The prediction comes from the page itself (attributes, status, enabled)
// wherever that is enough: AdminGetUser is called only for users whose
// prediction depends on their MFA settings, which ListUsers does not return,
// that is, in pools with an AccountRecoverySetting whose MfaConfiguration is
// not OFF (docs/cognito-rules.md, R4 to R6). A pool whose MFA is OFF costs
// one DescribeUserPool and ⌈users/60⌉ ListUsers calls in all.
//
// PlanPool always predicts in full, as PreflightFull does, whatever the
// Resetter's Preflight option: a plan is a prediction, and each page
// already holds what it needs. (Plan, like Reset, Check and Bulk, follows
// the option: under PreflightOff its outcomes say nothing of where codes
// would go, and refuse nothing that Cognito would.)
//
// PlanPool keeps nothing per user, so its memory does not grow with the
// pool: one chain of ListUsers pages returns no user twice
// (docs/cognito-rules.md, R24), so it looks for no duplicates.
//
// A ListUsers failure (after retries) stops the plan, as the breaker does
// (BulkOptions.KeepGoing); PlanPool then returns a *Error of kind
// ErrRunStopped that wraps the cause. A stopped plan lists no further page,
// since listing is a Cognito call: the users of the page it had read get
// ErrRunStopped outcomes (with StopReading, only those taken before the
// stop have outcomes), Summary.ReadAll is false, and the last outcome's
// PageToken resumes it.
func (r *Resetter) PlanPool(ctx context.Context, poolID string, opts BulkOptions, each func(Outcome)) (Summary, error) {
	ctx, span := r.tel.startRun(ctx, "cognitoreset.PlanPool", poolID)
	ended := false
	defer endOnPanic(span, &ended)
	sum, err := r.planPool(ctx, poolID, opts, each)
	endRun(span, sum, err)
	ended = true
	return sum, err
}

// planPool is PlanPool, in its span.
func (r *Resetter) planPool(ctx context.Context, poolID string, opts BulkOptions, each func(Outcome)) (Summary, error) {
	if err := checkPoolID(poolID); err != nil {
		return Summary{}, &Error{Kind: ErrInvalidInput, Op: OpValidate, Field: FieldUserPoolID, UserPoolID: poolID, Fate: FateNotSent, Err: err}
	}
	return r.runJobs(ctx, opts, each, false, func(b *bulkRun, emit func(job) bool) bool {
		token, i := b.opts.PageToken, 0
		for {
			if b.cause(ctx) != nil {
				return false // listing on would be Cognito calls after the stop
			}
			in := &cip.ListUsersInput{UserPoolId: &poolID, Limit: aws.Int32(listUsersPage)}
			if token != "" {
				in.PaginationToken = aws.String(token)
			}
			out, err := call(ctx, r, b.g, CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
				return r.api.ListUsers(ctx, in, o...)
			})
			if err != nil {
				if ctx.Err() == nil {
					b.trip(&Error{Kind: classify(err), Op: OpPreflight, UserPoolID: poolID, RequestID: requestIDOf(err), Fate: fateOrNotSent(err), Err: err})
				}
				return false
			}
			for _, u := range out.Users {
				if !emit(job{i: i, req: Request{UserPoolID: poolID, Username: aws.ToString(u.Username)}, listed: &listedUser{user: u, page: token}}) {
					return false
				}
				i++
			}
			next := aws.ToString(out.PaginationToken)
			switch {
			case next == "":
				return true
			case next == token:
				b.trip(&Error{Kind: ErrUnavailable, Op: OpPreflight, UserPoolID: poolID, Fate: FateAnswered,
					Err: errors.New("ListUsers repeated its pagination token")})
				return false
			}
			token = next
		}
	})
}

// needsUserRead reports whether a user's MFA settings can change where the
// code goes: only with a recovery setting (R4, R5; R6) and MFA not OFF (an
// unset MfaConfiguration is OFF, the API's default).
func needsUserRead(p *poolInfo) bool {
	return p.hasSetting && p.mfa != "" && p.mfa != types.UserPoolMfaTypeOff
}

// planListed predicts one listed user, reading it with AdminGetUser only
// when its MFA settings matter.
func (b *bulkRun) planListed(ctx context.Context, j job) (*Result, verdict, error) {
	r := b.r
	a := &attempt{r: r, g: b.g, req: j.req, name: j.req.Username, kind: alias.Username, hook: b.hook(ctx, j)}
	a.safe = append(a.safe, j.req.Username)
	pool, err := r.pool(ctx, b.g, j.req.UserPoolID)
	if err != nil {
		return nil, verdict{}, a.fail(OpPreflight, Kind{}, err)
	}
	a.pool = pool
	if pool.adminOnly {
		f := &refusal{ErrRecoveryNotConfigured, "the pool's account recovery is admin_only"}
		return nil, verdict{}, a.fail(OpPreflight, f.kind, f)
	}
	var u *userInfo
	if needsUserRead(pool) {
		if u, err = a.readUser(ctx, pool); err != nil {
			return nil, verdict{}, err
		}
	} else {
		u = userInfoFromListed(j.listed.user)
		for _, k := range []string{"email", "phone_number"} {
			if v := u.attrs[k]; v != "" {
				a.safe = append(a.safe, v)
			}
		}
		if u.status == types.UserStatusTypeExternalProvider {
			return nil, verdict{}, a.fail(OpPreflight, federatedRefusal.kind, federatedRefusal)
		}
	}
	if f := checkUser(u); f != nil {
		return nil, verdict{}, a.fail(OpPreflight, f.kind, f)
	}
	pr, f, err := r.predict(ctx, pool, u)
	if err != nil {
		return nil, verdict{}, a.fail(OpPreflight, Kind{}, err)
	}
	if f != nil {
		return nil, verdict{}, a.fail(OpPreflight, f.kind, f)
	}
	res := &Result{UserPoolID: j.req.UserPoolID, Username: a.name, Input: alias.Username,
		Delivery: &Delivery{Medium: pr.medium, Destination: alias.Mask(pr.dest), Sender: pr.sender}, Caveats: pr.caveats}
	if v := a.hook(a, res); v.act != goOn {
		return nil, v, nil
	}
	return res, verdict{}, nil
}

// userInfoFromListed reads what a ListUsers entry says of a user; its MFA
// settings are unknown (ListUsers returns only the legacy MFAOptions).
func userInfoFromListed(ut types.UserType) *userInfo {
	out := &cip.AdminGetUserOutput{Username: ut.Username, Enabled: ut.Enabled, UserStatus: ut.UserStatus,
		UserAttributes: ut.Attributes, MFAOptions: ut.MFAOptions}
	return userInfoFrom(out)
}
