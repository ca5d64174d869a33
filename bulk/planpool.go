package bulk

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// PlanPool plans a reset of every user of a pool, as Plan does for a list:
// one Outcome per user, saying where the code would go or why the reset
// would be refused, and nothing sent. Users are read with ListUsers, 60 a
// page, from Options.PageToken on; each Outcome carries the token of its
// page, to resume from after a crash, and an Input whose Request names the
// listed user, to feed a Run (Resettable).
//
// The prediction comes from the page itself (attributes, status, enabled)
// wherever that is enough: AdminGetUser is called only for users whose
// prediction depends on their MFA settings, which ListUsers does not
// return, that is, in pools with an AccountRecoverySetting whose
// MfaConfiguration is not OFF (docs/cognito-rules.md, R4 to R6). A pool
// whose MFA is OFF costs one DescribeUserPool and ⌈users/60⌉ ListUsers
// calls in all. Options.Preflight sets how much is predicted, as for Plan:
// PreflightPool reads the pool and predicts nothing, PreflightOff reads no
// more than the listing.
//
// The listed users' requests carry no ClientMetadata: in a pool whose
// custom message trigger resetpw.WithCustomMessage describes, they are
// checked as they are, as a Run of them (Resettable) would be.
//
// PlanPool keeps nothing per user, so its memory does not grow with the
// pool: one chain of ListUsers pages returns no user twice (R24), so it
// looks for no duplicates.
//
// A ListUsers failure (after retries) stops the plan, as the breaker does;
// PlanPool then returns a *resetpw.Error of kind ErrRunStopped that wraps
// the cause. A stopped plan lists no further page: the users of the page
// it had read get ErrRunStopped outcomes (with StopReading, only those
// taken before the stop have outcomes), Summary.ReadAll is false, and the
// last outcome's PageToken resumes it.
func PlanPool(ctx context.Context, r *resetpw.Resetter, poolID string, opts Options, each func(Outcome)) (Summary, error) {
	if err := engine.CheckPoolID(poolID); err != nil {
		return Summary{}, &resetpw.Error{Kind: resetpw.ErrConfig, Op: resetpw.OpValidate, Field: "UserPoolID", UserPoolID: poolID,
			Fate: resetpw.FateNotSent, Err: err}
	}
	e := engine.EngineOf(r)
	return run(ctx, e, "cognitoreset.PlanPool", poolID, opts, each, false, func(b *bulkRun, emit func(job) bool) bool {
		token, i := b.opts.PageToken, 0
		for {
			if b.cause(ctx) != nil {
				return false // listing on would be Cognito calls after the stop
			}
			out, err := e.ListUsers(ctx, b.g, poolID, token)
			if err != nil {
				if ctx.Err() == nil {
					b.trip(engine.PublicError(engine.ErrorOf(engine.OpPreflight, engine.Kind{}, poolID, err)))
				}
				return false
			}
			for _, u := range out.Users {
				in := Input{Request: resetpw.Request{UserPoolID: poolID, Username: aws.ToString(u.Username)}}
				if !emit(job{i: i, in: in, listed: &listedUser{user: u, page: token}}) {
					return false
				}
				i++
			}
			next := aws.ToString(out.PaginationToken)
			switch {
			case next == "":
				return true
			case next == token:
				b.trip(&resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpPreflight, UserPoolID: poolID, Fate: resetpw.FateAnswered,
					Err: errors.New("ListUsers repeated its pagination token")})
				return false
			}
			token = next
		}
	})
}
