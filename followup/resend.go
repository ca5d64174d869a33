package followup

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Resend sends a second code to the users of pool whose code has expired,
// by the journal at path, and to nobody else. It resumes the journal
// (journal.Resume: locked, checked whole), reads every user it shows as
// sent with Read, and runs a bulk.Run of the Expired ones whose code was
// sent at least opts.MinAge ago (never less than CodeValidity; counted
// from User.CodeSince), in a new run of the journal:
//
//   - every reset has a run's guarantees (identity, the full preflight,
//     one request with its fate recorded, pacing, the daily email cap);
//   - its "sending" line is synced before it goes out, so that after a
//     crash the next Resend sees its code as sent (R66) and sends none
//     within the hour;
//   - the preflight reads the user just before the send and refuses one
//     no longer RESET_REQUIRED (resetpw.Request.OnlyResetRequired), or
//     modified since the read's User.CodeSince (bulk.Input.UnchangedSince):
//     a user who completed, or whom someone else reset again, since the
//     read gets no code;
//   - a reset of an earlier run left without an outcome gets an "unknown"
//     line, unless this run sends to its user.
//
// each, when set, is called with every outcome, after its line is
// written. A journal that can't be written stops the run. With nobody to
// send to and nothing to record, Resend writes nothing.
func Resend(ctx context.Context, r *resetpw.Resetter, path, pool string, opts Options, each func(bulk.Outcome)) (bulk.Summary, error) {
	j, h, err := journal.Resume(path, pool)
	if err != nil {
		return bulk.Summary{}, err
	}
	defer j.Close()
	if err := h.Resolve(func(names []string) ([]string, error) { return ownNames(ctx, r, pool, names, opts.Run) }); err != nil {
		return bulk.Summary{}, fmt.Errorf("followup: resolving the journal's users (nothing was sent): %w", err)
	}
	sent := h.SentAt()
	minAge := max(opts.MinAge, CodeValidity)
	var names []string
	since := map[string]time.Time{} // the hour of each one's newest code began
	now := time.Now()
	opts.Journal = h
	if _, err := Read(ctx, r, pool, sent, opts, func(u User) {
		if u.State == Expired && now.Sub(u.CodeSince) >= minAge {
			names = append(names, u.Username)
			since[u.Username] = u.CodeSince
		}
	}); err != nil {
		return bulk.Summary{}, err
	}
	slices.Sort(names)
	if len(names) == 0 && len(h.Unfinished()) == 0 {
		return bulk.Summary{ReadAll: true}, nil // nothing to send or record: the journal is left as it is
	}
	if err := j.Begin(pool, names, string(resetpw.PreflightFull)); err != nil {
		return bulk.Summary{}, err
	}
	i := len(names)
	for _, n := range h.Unfinished() {
		if !slices.Contains(names, n) {
			if err := j.Write(journal.Line{Index: i, Username: n, SentAs: n, Status: "unknown", MaybeSent: true,
				Error: "a reset may have gone out before the last run stopped"}); err != nil {
				return bulk.Summary{}, err
			}
			i++
		}
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	run := opts.Run
	run.Preflight = resetpw.PreflightFull
	run.BeforeSend = func(i int, in bulk.Input, username string) error {
		return j.Write(journal.Line{Index: i, Username: in.Request.Username, SentAs: username, Status: "sending"})
	}
	sum, err := bulk.Run(ctx, r, secondCodes(pool, names, since), run, func(o bulk.Outcome) {
		if err := j.Write(lineOf(o)); err != nil {
			stop(err)
		}
		if each != nil {
			each(o)
		}
	})
	if jerr := j.Err(); jerr != nil && err == nil {
		err = jerr
	}
	return sum, err
}

// secondCodes are the second codes to names in pool, each only for a user
// still in RESET_REQUIRED and not modified since the hour of its newest
// code began (since): a user reset again by someone else, or changed,
// since the read gets none (R66).
func secondCodes(pool string, names []string, since map[string]time.Time) iter.Seq[bulk.Input] {
	return func(yield func(bulk.Input) bool) {
		for i, n := range names {
			in := bulk.Input{Key: i, Request: resetpw.Request{UserPoolID: pool, Username: n, OnlyResetRequired: true}, UnchangedSince: since[n]}
			if !yield(in) {
				return
			}
		}
	}
}

// requests are the resets of names in pool.
func requests(pool string, names []string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for _, n := range names {
			if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
				return
			}
		}
	}
}

// ownNames returns the user's own username of each of names (a loose run's
// spellings), by a plan with the full preflight that sends nothing; "" where
// there is none.
func ownNames(ctx context.Context, r *resetpw.Resetter, pool string, names []string, o bulk.Options) ([]string, error) {
	own := make([]string, len(names))
	dupOf := map[int]int{}
	o.Preflight, o.BeforeSend, o.Progress = resetpw.PreflightFull, nil, nil
	_, err := bulk.Plan(ctx, r, bulk.Requests(requests(pool, names)), o, func(out bulk.Outcome) {
		switch {
		case out.Duplicate:
			dupOf[out.Index] = out.DuplicateOf
		case out.Result != nil:
			own[out.Index] = out.Result.Username
		}
	})
	for i, first := range dupOf {
		own[i] = own[first]
	}
	return own, err
}

// lineOf is the journal line of an outcome of Resend's run.
func lineOf(o bulk.Outcome) journal.Line {
	l := journal.Line{Index: o.Index, Username: o.Input.Request.Username}
	switch {
	case o.Duplicate:
		l.Status, l.DuplicateOf = "duplicate", &o.DuplicateOf
	case o.Err != nil:
		l.Status, l.Kind, l.Error = "failed", resetpw.KindOf(o.Err).Code(), o.Err.Error()
		l.MaybeSent = resetpw.MaybeSent(o.Err)
	default:
		l.Status, l.RequestID, l.SentAs = "sent", o.Result.RequestID, o.Result.Username
		if d := o.Result.Delivery; d != nil {
			l.Medium, l.Destination = string(d.Medium), d.MaskedDestination
		}
	}
	return l
}
