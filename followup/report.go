package followup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// maxHours is the last row of a Report's ByHour: users at this many hours
// or more.
const maxHours = 24

// Report is what Read found: users per State, and per hour since the send.
type Report struct {
	Pool   string
	At     time.Time // when Read began: the time states are read at
	Counts map[State]int
	// ByHour[h] counts users by State at h hours since their send (at most
	// 24, for 24 hours or more): a completed user at the hour it completed
	// (its UserLastModifiedDate), or, when that date predates the send
	// (a pool that moves it on neither the reset nor the completion,
	// R66), at the code's age when read, the latest the completion can
	// have been; any other at the code's age, and a user
	// with no record at the age of its UserLastModifiedDate (since when it
	// is in RESET_REQUIRED, unless something else changed it since). The
	// Completed column, summed down, is the completion curve.
	ByHour []map[State]int
	// MaybeSent counts the users of Counts whose send may never have
	// reached Cognito (User.MaybeSent); NotSent the users whose reset
	// failed and sent nothing, who never got a code (Options.Journal's
	// NotSent): they are in no State.
	MaybeSent int
	NotSent   int
	Requests  int // ListUsers calls
	Reads     int // AdminGetUser calls, for users sent that neither sweep listed
	Elapsed   time.Duration
}

// add counts u.
func (r *Report) add(u User) {
	r.Counts[u.State]++
	if u.MaybeSent {
		r.MaybeSent++
	}
	var since time.Duration
	switch {
	case u.State == Completed && !u.Modified.Before(u.SentAt):
		since = u.Modified.Sub(u.SentAt)
	case !u.SentAt.IsZero():
		since = r.At.Sub(u.SentAt)
	case u.State == NoRecord && !u.Modified.IsZero():
		since = r.At.Sub(u.Modified)
	default:
		return
	}
	h := min(max(int(since/time.Hour), 0), maxHours)
	for len(r.ByHour) <= h {
		r.ByHour = append(r.ByHour, map[State]int{})
	}
	r.ByHour[h][u.State]++
}

// String prints the report as a table: the counts per state with their
// share of the users sent, then per hour since the send, with the
// completion curve (the share completed by the end of each hour), then
// the cost of the read.
func (r Report) String() string {
	var b strings.Builder
	sent := 0
	for _, s := range states {
		if s != NoRecord {
			sent += r.Counts[s]
		}
	}
	pct := func(n int) string {
		if sent == 0 {
			return "     -"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(n)/float64(sent))
	}
	fmt.Fprintf(&b, "pool %s at %s: %d users sent a code\n", r.Pool, r.At.UTC().Format(time.RFC3339), sent)
	for _, s := range states {
		if s == NoRecord {
			fmt.Fprintf(&b, "  %-10s %8d  (RESET_REQUIRED, no send on record)\n", s, r.Counts[s])
			continue
		}
		fmt.Fprintf(&b, "  %-10s %8d  %s\n", s, r.Counts[s], pct(r.Counts[s]))
	}
	if r.MaybeSent > 0 {
		fmt.Fprintf(&b, "  of which  %8d  maybe sent (a timeout or a crash: the reset may never have reached Cognito)\n", r.MaybeSent)
	}
	if r.NotSent > 0 {
		fmt.Fprintf(&b, "  %-10s %8d  (the reset failed and sent nothing: never got a code)\n", notSent, r.NotSent)
	}
	if len(r.ByHour) > 0 {
		fmt.Fprintf(&b, "hours since the send  %9s %9s %9s %9s %9s  completed by then\n", Completed, Pending, Expired, Changed, NoRecord)
		done := 0
		for h, c := range r.ByHour {
			label := fmt.Sprintf("%d-%d", h, h+1)
			if h == maxHours {
				label = fmt.Sprintf("%d+", h)
			}
			done += c[Completed]
			fmt.Fprintf(&b, "  %-18s  %9d %9d %9d %9d %9d  %s\n", label, c[Completed], c[Pending], c[Expired], c[Changed], c[NoRecord], pct(done))
		}
	}
	perUser, reads := "", ""
	if n := sent + r.Counts[NoRecord]; n > 0 {
		perUser = fmt.Sprintf(" (%.4f a user)", float64(r.Requests+r.Reads)/float64(n))
	}
	if r.Reads > 0 {
		reads = fmt.Sprintf(" and %d AdminGetUser calls", r.Reads)
	}
	fmt.Fprintf(&b, "read with %d ListUsers calls%s%s in %s\n", r.Requests, reads, perUser, r.Elapsed.Round(time.Millisecond))
	return b.String()
}

// notSent is the label of Report.NotSent's users: in no State.
const notSent = "not_sent"

// Record sets the gauge cognitoreset.followup.users of mp's meter to the
// report's count of each State, and of the users never sent a code
// (NotSent), its only attribute cognitoreset.state (one of the five States
// or "not_sent": nothing else, nothing personal), and the gauge
// cognitoreset.followup.maybe_sent, without attributes, to MaybeSent.
func (r Report) Record(ctx context.Context, mp metric.MeterProvider) error {
	m := mp.Meter("github.com/cognitoreset/cognitoreset/followup")
	g, err := m.Int64Gauge("cognitoreset.followup.users",
		metric.WithDescription("Users of the last follow-through, by the state of their recovery."), metric.WithUnit("{user}"))
	if err != nil {
		return err
	}
	maybe, err := m.Int64Gauge("cognitoreset.followup.maybe_sent",
		metric.WithDescription("Users of the last follow-through whose reset may never have reached Cognito."), metric.WithUnit("{user}"))
	if err != nil {
		return err
	}
	for _, s := range states {
		g.Record(ctx, int64(r.Counts[s]), metric.WithAttributes(attribute.String("cognitoreset.state", string(s))))
	}
	g.Record(ctx, int64(r.NotSent), metric.WithAttributes(attribute.String("cognitoreset.state", notSent)))
	maybe.Record(ctx, int64(r.MaybeSent))
	return nil
}
