package followup

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Options tune Read and Resend. The zero value means the defaults.
type Options struct {
	// MinAge limits Resend to users whose newest code (User.CodeSince)
	// was sent at least MinAge ago; it is never less than CodeValidity.
	MinAge time.Duration
	// Run is the options of Resend's run, whose Preflight is always full
	// and BeforeSend the journal's. Read paces its ListUsers calls by
	// Run.Limiter, or else the Resetter's WithLimiter, or else token
	// buckets of its own at Run.Rates (quota.DefaultRates where unset).
	Run bulk.Options
	// Journal, when set, is the journal the users sent come from: Read
	// marks those it shows only as maybe sent (User.MaybeSent: its Status
	// is "unknown" or "sending") and counts those who never got a code
	// (Report.NotSent, its NotSent). Resend sets it.
	Journal *journal.History
}

// Read reads the state of the recovery of every user of sent (by the
// username sent, the time the code went out; nil when there is no record)
// in pool, calling each, when set, for every user sent and every user in
// RESET_REQUIRED without a record, one call at a time, once a user. It
// lists the users of two statuses, RESET_REQUIRED and CONFIRMED (the
// second only when sent has users), with ListUsers, 60 a page, the two
// sweeps side by side, paced in quota.CategoryUserList; a user sent that
// both list (its status moved between them) counts once, as first listed,
// and each user sent that neither lists (deleted, another status, or one
// whose status moved during the read) is read with AdminGetUser, paced in
// quota.CategoryUserRead. A failure of either (after retries) stops it:
// the error is a *resetpw.Error, and the Report holds what was read.
func Read(ctx context.Context, r *resetpw.Resetter, pool string, sent map[string]time.Time, opts Options, each func(User)) (Report, error) {
	start := time.Now()
	rep := Report{Pool: pool, At: start, Counts: map[State]int{}}
	if err := engine.CheckPoolID(pool); err != nil {
		return rep, &resetpw.Error{Kind: resetpw.ErrConfig, Op: resetpw.OpValidate, Field: "UserPoolID", UserPoolID: pool,
			Fate: resetpw.FateNotSent, Err: err}
	}
	e := engine.EngineOf(r)
	g := engine.NewGate(limiter(e, opts.Run))
	left := maps.Clone(sent) // the users sent that no sweep has listed yet
	if left == nil {
		left = map[string]time.Time{}
	}
	maybe := map[string]bool{} // the users sent whose send may not have reached Cognito
	if h := opts.Journal; h != nil {
		for name := range sent {
			if st := h.Status(name); st == "unknown" || st == "sending" {
				maybe[name] = true
			}
		}
		rep.NotSent = h.NotSent
	}
	var mu sync.Mutex // guards left, rep and each's calls
	give := func(u types.UserType, at time.Time, ok bool) {
		name := aws.ToString(u.Username)
		usr := User{Username: name, SentAt: at, Status: u.UserStatus, Modified: aws.ToTime(u.UserLastModifiedDate), MaybeSent: ok && maybe[name]}
		usr.State = classify(u, at, ok, usr.MaybeSent, start)
		if ok && !at.IsZero() && u.UserStatus == types.UserStatusTypeResetRequired {
			usr.CodeSince = codeSince(at, usr.Modified)
		}
		rep.add(usr)
		if each != nil {
			each(usr)
		}
	}
	take := func(u types.UserType) {
		name := aws.ToString(u.Username)
		mu.Lock()
		defer mu.Unlock()
		at, ok := sent[name]
		_, unseen := left[name]
		switch {
		case ok && !unseen:
			return // listed by the other sweep too (its status moved between them): counted once, as first listed
		case !ok && u.UserStatus != types.UserStatusTypeResetRequired:
			return // CONFIRMED and never sent: not ours
		}
		delete(left, name)
		give(u, at, ok)
	}
	grp, gctx := errgroup.WithContext(ctx)
	sweep := func(status types.UserStatusType) {
		grp.Go(func() error {
			return sweepStatus(gctx, e, g, pool, status, &mu, &rep.Requests, take)
		})
	}
	sweep(types.UserStatusTypeResetRequired)
	if len(sent) > 0 {
		sweep(types.UserStatusTypeConfirmed)
	}
	err := grp.Wait()
	if err == nil {
		err = readLeft(ctx, e, g, pool, left, &rep, give)
	}
	rep.Elapsed = time.Since(start)
	return rep, err
}

// readLeft reads each user of left, the users sent that neither sweep
// listed, with AdminGetUser, one at a time, sorted, and gives each to give
// (a user Cognito no longer has: Changed). Most are users deleted, or of
// another status (FORCE_CHANGE_PASSWORD, a federated user), but a user
// whose status moved between the two sweeps (who completed during the
// read) is listed by neither, and is read here rather than misreported.
func readLeft(ctx context.Context, e *engine.Engine, g *engine.Gate, pool string, left map[string]time.Time, rep *Report,
	give func(types.UserType, time.Time, bool)) error {
	for _, name := range slices.Sorted(maps.Keys(left)) {
		at := left[name]
		out, err := e.GetUser(ctx, g, pool, name)
		rep.Reads++
		var gone *types.UserNotFoundException
		switch {
		case errors.As(err, &gone):
			give(types.UserType{Username: aws.String(name)}, at, true)
		case err != nil:
			return engine.PublicError(engine.ErrorOf(engine.OpPreflight, engine.Kind{}, pool, err))
		default:
			give(types.UserType{Username: aws.String(name), UserStatus: out.UserStatus, Enabled: out.Enabled,
				UserLastModifiedDate: out.UserLastModifiedDate}, at, true)
		}
	}
	return nil
}

// sweepStatus lists the users of pool whose status is status, page by page,
// giving each to take and counting the pages in *requests (under mu).
func sweepStatus(ctx context.Context, e *engine.Engine, g *engine.Gate, pool string, status types.UserStatusType,
	mu *sync.Mutex, requests *int, take func(types.UserType)) error {
	filter := `cognito:user_status = "` + string(status) + `"`
	token := ""
	for {
		out, err := e.ListUsersWhere(ctx, g, pool, filter, token)
		mu.Lock()
		*requests++
		mu.Unlock()
		if err != nil {
			return engine.PublicError(engine.ErrorOf(engine.OpPreflight, engine.Kind{}, pool, err))
		}
		for _, u := range out.Users {
			take(u)
		}
		next := aws.ToString(out.PaginationToken)
		switch {
		case next == "":
			return nil
		case next == token:
			return &resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpPreflight, UserPoolID: pool, Fate: resetpw.FateAnswered,
				Err: errors.New("ListUsers repeated its pagination token")}
		}
		token = next
	}
}

// limiter is what paces Read: the run's Limiter, the Resetter's, or token
// buckets at the run's Rates.
func limiter(e *engine.Engine, o bulk.Options) quota.Limiter {
	switch {
	case o.Limiter != nil:
		return o.Limiter
	case e.Limiter() != nil:
		return e.Limiter()
	}
	return quota.NewLocalLimiter(quota.WithDefaults(o.Rates), e.Logger())
}
