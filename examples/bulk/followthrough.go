package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/examples/internal/promexport"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// This file follows a run through (package followup): the status command,
// which prints who completed, whose code is pending or expired, and
// --resend-expired, a second code for the expired alone.

// runStatus is "bulk status": the state of the users of a journal (or,
// with --all-users, of every user in RESET_REQUIRED), printed, and with
// --metrics-addr served as a gauge per state, read again every --every
// until a signal when set.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer, api resetpw.API) error {
	o := options{pf: resetpw.PreflightFull, concurrency: 8}
	var path string
	var every time.Duration
	fs := flag.NewFlagSet("bulk status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.poolID, "user-pool-id", "", "the user pool (required)")
	fs.StringVar(&path, "journal", "", "the journal of the run to follow (read only)")
	fs.BoolVar(&o.allUsers, "all-users", false, "no journal: every user in RESET_REQUIRED, and since when")
	fs.DurationVar(&every, "every", 0, "read again at this interval until a signal (0: once)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve a gauge per state at http://ADDR/metrics (empty: none)")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "the endpoint to call instead of Cognito's")
	fs.StringVar(&o.region, "region", "", "the AWS Region (default: the SDK's chain)")
	fs.StringVar(&o.profile, "profile", "", "the shared config profile")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.poolID == "":
		return errors.New("status: missing required flag --user-pool-id")
	case (path == "") == !o.allUsers:
		return errors.New("status: name the run's --journal FILE, or --all-users for a pool without one")
	case every < 0:
		return errors.New("status: --every can't be negative")
	}
	var sent map[string]time.Time
	var h *journal.History
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		h, err = journal.Read(f, o.poolID)
		f.Close()
		if err != nil {
			return fmt.Errorf("status: %s: %w", path, err)
		}
	}
	metricsAddr := o.metricsAddr
	o.metricsAddr = "" // the Resetter's own metrics are a run's, not the status'
	r, closeAll, err := o.resetter(ctx, api, nil, stderr)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := h.Resolve(func(names []string) ([]string, error) { return o.canonicalNames(ctx, r, names) }); err != nil {
		return fmt.Errorf("status: resolving the journal's users (AdminGetUser; nothing was sent): %w", err)
	}
	if h != nil {
		sent = h.SentAt()
	}
	record := func(followup.Report) error { return nil }
	if metricsAddr != "" {
		l, err := promexport.Listen(metricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mp, shutdown, err := promexport.Serve(l)
		if err != nil {
			_ = l.Close()
			return err
		}
		defer shutdown(context.Background())
		fmt.Fprintf(stderr, "bulk: metrics at http://%s/metrics\n", l.Addr())
		record = func(rep followup.Report) error { return rep.Record(ctx, mp) }
	}
	for {
		rep, err := followup.Read(ctx, r, o.poolID, sent, followup.Options{Journal: h}, nil)
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, rep)
		if err := record(rep); err != nil {
			return err
		}
		if every == 0 {
			return nil
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// runResendExpired is --resend-expired: a second code to the users of the
// journal --out whose code expired at least --min-age ago, each journaled
// before it is sent (followup.Resend).
func (o options) runResendExpired(ctx context.Context, api resetpw.API, stderr io.Writer) error {
	o.pf = resetpw.PreflightFull // Resend's own: it re-reads each user before the send
	r, closeAll, err := o.resetter(ctx, api, nil, stderr)
	if err != nil {
		return err
	}
	defer closeAll()
	sum, err := followup.Resend(ctx, r, o.out, o.poolID, followup.Options{MinAge: o.minAge,
		Run: bulk.Options{Concurrency: o.concurrency, Rates: o.rates()}}, nil)
	fmt.Fprintf(stderr, "bulk: --resend-expired: %d expired users, %d sent a second code %v, %d failed %v\n",
		sum.Read, sum.Sent, sum.ByMedium, sum.Failed, kindCodes(sum.ByKind))
	return err
}
