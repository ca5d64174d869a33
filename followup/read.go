package followup

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/errgroup"

	"github.com/cognitoreset/cognitoreset/bulk"
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
}

// Read reads the state of the recovery of every user of sent (by the
// username sent, the time the code went out; nil when there is no record)
// in pool, calling each, when set, for every user sent and every user in
// RESET_REQUIRED without a record, one call at a time. It
// lists the users of two statuses, RESET_REQUIRED and CONFIRMED (the
// second only when sent has users), with ListUsers, 60 a page, the two
// sweeps side by side, paced in quota.CategoryUserList. A ListUsers
// failure (after retries) stops it: the error is a *resetpw.Error, and the
// Report holds what was read.
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
	var mu sync.Mutex // guards left, rep and each's calls
	take := func(u types.UserType) {
		name := aws.ToString(u.Username)
		mu.Lock()
		defer mu.Unlock()
		at, ok := left[name]
		if !ok && u.UserStatus != types.UserStatusTypeResetRequired {
			return // CONFIRMED and never sent: not ours
		}
		delete(left, name)
		usr := User{Username: name, SentAt: at, Status: u.UserStatus, Modified: aws.ToTime(u.UserLastModifiedDate)}
		usr.State = classify(u, at, ok, start)
		if ok && !at.IsZero() && u.UserStatus == types.UserStatusTypeResetRequired {
			usr.CodeSince = codeSince(at, usr.Modified)
		}
		rep.add(usr)
		if each != nil {
			each(usr)
		}
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
		for name, at := range left { // listed by neither sweep
			usr := User{Username: name, SentAt: at, State: Changed}
			rep.add(usr)
			if each != nil {
				each(usr)
			}
		}
	}
	rep.Elapsed = time.Since(start)
	return rep, err
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
