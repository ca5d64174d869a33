package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// This file is the glue between the run and its journal
// (github.com/cognitoreset/cognitoreset/bulk/journal): which journal --out
// names, and the line of each request and outcome of the run.

// openJournal opens --out: stdout (-), a new journal, or with resume the
// journal of pool to continue, with its history.
func openJournal(out string, stdout io.Writer, resume bool, pool string) (*journal.Journal, *journal.History, error) {
	switch {
	case out == "-":
		return journal.New(stdout, "stdout"), nil, nil
	case resume:
		j, h, err := journal.Resume(out, pool)
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("--resume: %w (run without --resume to start a new one)", err)
		}
		return j, h, err
	}
	j, err := journal.Create(out)
	if errors.Is(err, fs.ErrExist) {
		err = fmt.Errorf("%w: --resume continues it, or name a new file", err)
	}
	return j, nil, err
}

// journaled journals a bulk.Run: index maps the run's
// requests to the inputs' positions, which the journal keys lines by.
type journaled struct {
	j             *journal.Journal
	h             *journal.History
	index         []int
	resendUnknown bool
	stop          func(error) // stops the run: no journal, no run

	mu     sync.Mutex
	sentAs map[int]string // by request
}

// beforeSend is the run's BeforeSend: it journals, and syncs, the username
// about to be sent, after a last guard: a user the journal shows as sent,
// under a spelling the checks before the run could not see.
func (r *journaled) beforeSend(i int, in bulk.Input, username string) error {
	req := in.Request
	if st := r.h.Status(username); st == "sent" || st != "" && !r.resendUnknown {
		return fmt.Errorf("the journal shows user %s as sent or maybe sent under another spelling: not sending it again", alias.Mask(username))
	}
	r.mu.Lock()
	if r.sentAs == nil {
		r.sentAs = map[int]string{}
	}
	r.sentAs[i] = username
	r.mu.Unlock()
	return r.j.Write(journal.Line{Index: r.index[i], Username: req.Username, Status: "sending", SentAs: username})
}

// outcome journals the outcome of a request of the run.
func (r *journaled) outcome(out bulk.Outcome) {
	l := lineOf(out)
	l.Index = r.index[out.Index]
	r.mu.Lock()
	if s := r.sentAs[out.Index]; s != "" && l.SentAs == "" {
		l.SentAs = s
	}
	r.mu.Unlock()
	if l.DuplicateOf != nil {
		first := r.index[*l.DuplicateOf]
		l.DuplicateOf = &first
	}
	if err := r.j.Write(l); err != nil {
		r.stop(err)
	}
}

// lineOf is the journal line of an outcome.
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
		l.SignedOut = o.Result.SignedOut
		if o.Result.SignOutErr != nil {
			l.SignOutError = o.Result.SignOutErr.Error()
		}
		if d := o.Result.Delivery; d != nil {
			l.Medium, l.Destination = string(d.Medium), d.MaskedDestination
		}
	}
	return l
}
