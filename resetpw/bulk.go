package resetpw

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/alias"
)

// Cognito's account-wide quotas, requests per second, in each Region.
const (
	quotaUserAccountRecovery = 30  // AdminResetUserPassword; not adjustable
	quotaUserRead            = 120 // AdminGetUser
	quotaUserList            = 30  // ListUsers
	quotaUserPoolRead        = 15  // DescribeUserPool
)

// BulkOptions tune [Resetter.Bulk]. The zero value means the defaults; rates
// are requests per second shared by all workers of a run, and every rate
// must stay at or under its quota times QuotaScale.
type BulkOptions struct {
	Concurrency  int     // workers; default 8, at most 64
	ResetRate    float64 // AdminResetUserPassword; default 25 (quota 30)
	UserReadRate float64 // AdminGetUser; default 100 (quota 120)
	UserListRate float64 // ListUsers; default 25 (quota 30)
	PoolReadRate float64 // DescribeUserPool; default 12 (quota 15)
	// QuotaScale multiplies the quotas the rates are checked against, for
	// an account whose quotas were raised (UserAccountRecovery can't be) or
	// a test server that scales them; default 1.
	QuotaScale float64
	// Progress, when set, is called after each outcome, from the goroutine
	// that called Bulk.
	Progress func(Progress)
}

// Progress is a running count of a bulk run.
type Progress struct {
	Read       int // inputs read so far
	Done       int // outcomes so far
	Sent       int // resets sent
	Failed     int // outcomes with an error
	Duplicates int // repeats of a user already in the run
	Elapsed    time.Duration
}

// Outcome is what became of one input of a bulk run.
type Outcome struct {
	Index   int // the input's position, from 0
	Request Request
	Result  *Result // on success
	Err     error   // a *Error on failure
	// Duplicate is true when the same user came earlier in the run, at
	// DuplicateOf; nothing was sent for this input.
	Duplicate   bool
	DuplicateOf int
}

// Summary counts the outcomes of a bulk run.
type Summary struct {
	Progress
	ByKind map[string]int // failures by their kind's Code
}

func (s *Summary) add(o Outcome) {
	s.Done++
	switch {
	case o.Duplicate:
		s.Duplicates++
	case o.Err != nil:
		s.Failed++
		if s.ByKind == nil {
			s.ByKind = map[string]int{}
		}
		s.ByKind[KindOf(o.Err).Code()]++
	default:
		s.Sent++
	}
}

func (o BulkOptions) withDefaults() (BulkOptions, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	def(&o.QuotaScale, 1)
	def(&o.ResetRate, 25)
	def(&o.UserReadRate, 100)
	def(&o.UserListRate, 25)
	def(&o.PoolReadRate, 12)
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return o, optionErr("bulk concurrency %d is outside 1..64", o.Concurrency)
	}
	if o.QuotaScale < 0 {
		return o, optionErr("bulk quota scale %v is negative", o.QuotaScale)
	}
	for _, r := range []struct {
		name  string
		v     float64
		quota float64
	}{
		{"ResetRate", o.ResetRate, quotaUserAccountRecovery},
		{"UserReadRate", o.UserReadRate, quotaUserRead},
		{"UserListRate", o.UserListRate, quotaUserList},
		{"PoolReadRate", o.PoolReadRate, quotaUserPoolRead},
	} {
		if q := r.quota * o.QuotaScale; r.v < 0 || r.v > q {
			return o, optionErr("bulk %s %v is outside 0..%v (the quota)", r.name, r.v, q)
		}
	}
	return o, nil
}

// Bulk resets every request of reqs and calls each with one Outcome per
// input, in the order they finish, from the goroutine that called Bulk.
//
//   - At most Concurrency resets are in flight, and requests are paced by
//     one token bucket per quota category, shared by the run's workers
//     (golang.org/x/time/rate). When Cognito throttles, the bucket slows
//     down, then recovers as requests go through.
//   - A user that appears twice in a run (the same identifier, or two
//     identifiers that resolve to the same username) is reset once; the
//     repeat gets an Outcome with Duplicate set.
//   - When ctx ends, Bulk stops reading and sending at once; every input it
//     had read still gets an Outcome, with the context's error for those
//     not sent.
//
// Bulk returns the Summary and, when ctx ended first, ctx.Err(). Invalid
// options fail with ErrOption before anything is read. Bulk reads reqs from a
// goroutine of its own and returns once reqs yields again or ends, so an
// iterator that blocks (a pipe with no writer) delays its return.
func (r *Resetter) Bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if each == nil {
		each = func(Outcome) {}
	}
	start := time.Now()
	g := newPacer(opts, r.cfg.logger)
	b := &bulkRun{r: r, g: g, claimed: map[userKey]int{}}

	type job struct {
		i   int
		req Request
	}
	jobs := make(chan job)
	outcomes := make(chan Outcome, opts.Concurrency)
	var read atomic.Int64 // inputs taken by the reader

	var workers sync.WaitGroup
	for range opts.Concurrency {
		workers.Go(func() {
			for j := range jobs {
				outcomes <- b.one(ctx, j.i, j.req)
			}
		})
	}
	go func() {
		defer func() {
			close(jobs)
			workers.Wait()
			close(outcomes)
		}()
		i := 0
		for req := range reqs {
			if ctx.Err() != nil {
				return // stop reading: this input was not taken
			}
			read.Store(int64(i + 1))
			if first, dup := b.claim(givenKey(req), i); dup {
				outcomes <- Outcome{Index: i, Request: req, Duplicate: true, DuplicateOf: first}
			} else {
				select {
				case jobs <- job{i, req}:
				case <-ctx.Done():
					outcomes <- b.notSent(ctx, i, req)
					return
				}
			}
			i++
		}
	}()

	var sum Summary
	for o := range outcomes {
		sum.add(o)
		sum.Read = int(read.Load())
		sum.Elapsed = time.Since(start)
		each(o)
		if opts.Progress != nil {
			opts.Progress(sum.Progress)
		}
	}
	sum.Read = int(read.Load())
	sum.Elapsed = time.Since(start)
	return sum, ctx.Err()
}

type bulkRun struct {
	r       *Resetter
	g       *pacer
	mu      sync.Mutex
	claimed map[userKey]int // the input that has each user
}

// userKey identifies a user of a bulk run, twice over: by the identifier as
// given (normalised), before anything is read, and by the username that
// would be sent, once resolved; an input is a duplicate when either is
// already claimed.
type userKey struct {
	pool     string
	name     string
	resolved bool // name is the username to send, not the identifier given
}

// claim takes key for input i, or reports the input that has it already.
func (b *bulkRun) claim(key userKey, i int) (first int, dup bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if first, ok := b.claimed[key]; ok && first != i {
		return first, true
	}
	b.claimed[key] = i
	return i, false
}

// givenKey identifies a request's user before anything is read: the pool
// and the normalised identifier.
func givenKey(req Request) userKey {
	id := strings.TrimSpace(req.Username)
	if n, err := alias.Normalize(id, alias.Classify(id), alias.PoolConfig{CaseSensitive: true}, alias.Options{}); err == nil {
		id = n
	}
	return userKey{pool: req.UserPoolID, name: id}
}

func (b *bulkRun) one(ctx context.Context, i int, req Request) Outcome {
	if ctx.Err() != nil {
		return b.notSent(ctx, i, req)
	}
	claim := func(name string) (int, bool) {
		return b.claim(userKey{pool: req.UserPoolID, name: name, resolved: true}, i)
	}
	res, err := b.r.runClaim(ctx, req, b.g, true, claim)
	var dup *duplicate
	if errors.As(err, &dup) {
		return Outcome{Index: i, Request: req, Duplicate: true, DuplicateOf: dup.first}
	}
	return Outcome{Index: i, Request: req, Result: res, Err: err}
}

func (b *bulkRun) notSent(ctx context.Context, i int, req Request) Outcome {
	return Outcome{Index: i, Request: req, Err: &Error{Kind: ErrUnavailable, Op: OpBulk, UserPoolID: req.UserPoolID,
		Username: req.Username, Err: fmt.Errorf("not sent: %w", context.Cause(ctx))}}
}

// pacer is the gate of a bulk run: a token bucket per quota category that
// slows down when throttled (×0.7, down to a tenth) and recovers as
// requests succeed (+2% of the configured rate each). Every change of pace
// is logged at Debug.
type pacer struct {
	mu      sync.Mutex
	lims    [numCategories]*rate.Limiter
	configs [numCategories]rate.Limit
	logger  *slog.Logger
}

func newPacer(o BulkOptions, logger *slog.Logger) *pacer {
	p := &pacer{logger: logger}
	for c, r := range map[category]float64{catRecovery: o.ResetRate, catUserRead: o.UserReadRate,
		catUserList: o.UserListRate, catPoolRead: o.PoolReadRate} {
		p.configs[c] = rate.Limit(r)
		p.lims[c] = rate.NewLimiter(rate.Limit(r), 1)
	}
	return p
}

func (p *pacer) wait(ctx context.Context, c category) error { return p.lims[c].Wait(ctx) }

func (p *pacer) throttled(c category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lims[c]
	p.set(c, max(l.Limit()*0.7, p.configs[c]/10), "bulk pace slowed: throttled")
}

func (p *pacer) ok(c category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur := p.lims[c].Limit(); cur < p.configs[c] {
		p.set(c, min(cur+p.configs[c]/50, p.configs[c]), "bulk pace recovering")
	}
}

// set changes a category's rate and logs the change; p.mu is held.
func (p *pacer) set(c category, r rate.Limit, msg string) {
	l := p.lims[c]
	if r == l.Limit() {
		return
	}
	l.SetLimit(r)
	if p.logger != nil && p.logger.Enabled(context.Background(), slog.LevelDebug) {
		p.logger.LogAttrs(context.Background(), slog.LevelDebug, msg, slog.String("category", c.String()),
			slog.Float64("rate", float64(r)), slog.Float64("configured", float64(p.configs[c])))
	}
}
