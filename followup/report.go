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
	// (its UserLastModifiedDate), any other at the code's age, and a user
	// with no record at the age of its UserLastModifiedDate (since when it
	// is in RESET_REQUIRED, unless something else changed it since). The
	// Completed column, summed down, is the completion curve.
	ByHour   []map[State]int
	Requests int // ListUsers calls
	Elapsed  time.Duration
}

// add counts u.
func (r *Report) add(u User) {
	r.Counts[u.State]++
	var since time.Duration
	switch {
	case u.State == Completed:
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
	perUser := ""
	if n := sent + r.Counts[NoRecord]; n > 0 {
		perUser = fmt.Sprintf(" (%.4f a user)", float64(r.Requests)/float64(n))
	}
	fmt.Fprintf(&b, "read with %d ListUsers calls%s in %s\n", r.Requests, perUser, r.Elapsed.Round(time.Millisecond))
	return b.String()
}

// Record sets the gauge cognitoreset.followup.users of mp's meter to the
// report's count of each State, its only attribute cognitoreset.state
// (one of the five States: nothing else, nothing personal).
func (r Report) Record(ctx context.Context, mp metric.MeterProvider) error {
	g, err := mp.Meter("github.com/cognitoreset/cognitoreset/followup").Int64Gauge("cognitoreset.followup.users",
		metric.WithDescription("Users of the last follow-through, by the state of their recovery."), metric.WithUnit("{user}"))
	if err != nil {
		return err
	}
	for _, s := range states {
		g.Record(ctx, int64(r.Counts[s]), metric.WithAttributes(attribute.String("cognitoreset.state", string(s))))
	}
	return nil
}
