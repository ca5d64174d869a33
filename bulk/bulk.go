package bulk

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/otelobs"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"go.opentelemetry.io/otel/trace"
)

// defaultMaxUnavailable is how many inputs in a row may fail as
// unavailable before a run stops (Options.MaxUnavailable).
const defaultMaxUnavailable = 5

// Options tune Run, Plan and PlanPool. The zero value means the defaults.
type Options struct {
	Concurrency int // workers; default 8, at most 64
	// Rates are the run's paces per category, requests per second shared by
	// all its workers: a category Rates does not name, or names with 0, goes
	// at its quota.DefaultRates pace (resets at 15 a second, half of their
	// quota). Each rate must be at or under its category's quota
	// (quota.Quota) times QuotaScale.
	Rates map[quota.Category]float64
	// QuotaScale multiplies the quotas Rates are checked against, for an
	// account whose quotas were raised (UserAccountRecovery can't be) or a
	// test server that scales them; default 1.
	QuotaScale float64
	// Limiter, when set, paces the run instead of the run's own token
	// buckets (Rates): a limiter shared with other runs and processes, such
	// as quota/redisquota's. Without it, a Resetter made WithLimiter uses
	// its own.
	Limiter quota.Limiter
	// Preflight is how much the run checks before each reset, when it is
	// not the Resetter's (WithPreflight; "" keeps it). PreflightPool reads
	// the pool and each user (to learn its username, which tells the run's
	// users apart) and predicts nothing; PreflightOff reads nothing, so two
	// names of one user send two codes. PlanPool honours it too.
	Preflight resetpw.Preflight
	// Progress, when set, is called after each outcome, from the goroutine
	// that called the run.
	Progress func(Progress)
	// KeepGoing turns the circuit breaker off. By default a run stops at
	// the first failure that is the account's, not the user's:
	// ErrDeliveryConfig (the daily email limit included), ErrAccessDenied,
	// ErrPoolNotFound, ErrNotEnabled, or MaxUnavailable ErrUnavailable
	// failures in a row. Each of those resets may have invalidated a
	// password for nothing.
	KeepGoing bool
	// MaxUnavailable is how many resets in a row may fail as
	// ErrUnavailable before the run stops; default 5, negative: never.
	MaxUnavailable int
	// StopReading makes a run that stopped (the breaker, BeforeSend, ctx)
	// read no more inputs, for an endless stream, and return without
	// waiting for the iterator: each input read has its outcome, and
	// Summary.ReadAll is false unless all were read already. By default a
	// stopped run reads every remaining input and gives it an
	// ErrRunStopped outcome, with no Cognito call. PlanPool always stops
	// listing when its run stops.
	StopReading bool
	// BeforeSend, when set, is called from a worker just before each reset
	// is sent, with the input's index, the input and the username that
	// will be sent: a journal written there survives a crash. An error
	// sends nothing and stops the run with that error as the cause. It must
	// be safe for concurrent use. Plans never call it.
	BeforeSend func(index int, in Input, username string) error
	// PageToken is where PlanPool starts: a ListUsers pagination token,
	// such as an Outcome's PageToken; empty for the first page.
	PageToken string
}

// Input is one user of a run: the request, and the caller's own key (a
// line number, a ticket ID), which its Outcome carries back.
type Input struct {
	Key     any
	Request resetpw.Request
	// Way is the action for this input: "" a reset, wayout.InviteAgain an
	// invitation again (AdminCreateUser RESEND; the Resetter's API must
	// serve it, as wayout.API does), always with a full preflight. A run
	// takes no other way: a temporary password is handed over by a person,
	// one user at a time (package wayout).
	Way resetpw.WayOut
	// UnchangedSince, with Request.OnlyResetRequired, also refuses
	// (resetpw.ErrUserState, nothing sent) a user whose
	// UserLastModifiedDate, read just before the send, is later: reset
	// again or changed since the code on record, whose newest code may
	// still be valid (package followup; docs/cognito-rules.md, R66).
	// Without OnlyResetRequired the input is refused
	// (resetpw.ErrInvalidInput, nothing sent).
	UnchangedSince time.Time
}

// Progress is a running count of a bulk run.
type Progress struct {
	Read       int // inputs read so far
	Done       int // outcomes so far
	Sent       int // resets sent, or for a plan, that would be sent
	Failed     int // outcomes with an error
	Duplicates int // repeats of a user already in the run
	Elapsed    time.Duration
}

// Outcome is what became of one input of a run or a plan.
type Outcome struct {
	Index  int             // the input's position, from 0
	Input  Input           // as given (for PlanPool, the listed user's request)
	Result *resetpw.Result // on success; for a plan, also on an input past the daily email cap
	Err    error           // a *resetpw.Error on failure
	// Duplicate is true when the same user came earlier in the run, at
	// DuplicateOf; nothing was sent for this input.
	Duplicate   bool
	DuplicateOf int
	// PageToken is, for PlanPool, the ListUsers pagination token of the
	// page this user came from ("" for the first page): a plan resumed from
	// it (Options.PageToken) repeats at most that page.
	PageToken string
}

// Summary counts the outcomes of a bulk run or a plan.
type Summary struct {
	Progress
	ByKind   map[resetpw.Kind]int   // failures by kind
	ByMedium map[resetpw.Medium]int // successes by Delivery.Medium, when predicted
	// OverEmailCap counts the inputs refused because the daily email cap of
	// their pool's account was reached (resetpw.WithEmailCap).
	OverEmailCap int
	// SignedOut and SignOutFailed count the sign-outs after resets sent.
	SignedOut, SignOutFailed int
	// ReadAll is true when the run read its inputs to their end (for
	// PlanPool, listed the pool to its last page): every input has an
	// outcome. When it is false, the inputs from index Read on were never
	// read (Options.StopReading, a context that ended while the
	// iterator blocked, a stopped PlanPool).
	ReadAll bool
}

func (s *Summary) add(o Outcome) {
	s.Done++
	switch {
	case o.Duplicate:
		s.Duplicates++
	case o.Err != nil:
		s.Failed++
		if s.ByKind == nil {
			s.ByKind = map[resetpw.Kind]int{}
		}
		s.ByKind[resetpw.KindOf(o.Err)]++
		if errors.Is(o.Err, engine.ErrEmailCap) {
			s.OverEmailCap++
		}
	default:
		s.Sent++
		if o.Result != nil && o.Result.SignedOut {
			s.SignedOut++
		}
		if o.Result != nil && o.Result.SignOutErr != nil {
			s.SignOutFailed++
		}
		if o.Result != nil && o.Result.Delivery != nil {
			if s.ByMedium == nil {
				s.ByMedium = map[resetpw.Medium]int{}
			}
			s.ByMedium[o.Result.Delivery.Medium]++
		}
	}
}

// withDefaults returns o with its defaults filled in (Rates a new map, with
// every category), or the *Error of its first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.QuotaScale == 0 {
		o.QuotaScale = 1
	}
	if o.MaxUnavailable == 0 {
		o.MaxUnavailable = defaultMaxUnavailable
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return o, optionErr("Options.Concurrency", "bulk concurrency %d is outside 1..64", o.Concurrency)
	}
	if o.QuotaScale < 0 {
		return o, optionErr("Options.QuotaScale", "bulk quota scale %v is negative", o.QuotaScale)
	}
	o.Rates = quota.WithDefaults(o.Rates)
	if err := checkRates(o.Rates, o.QuotaScale); err != nil {
		return o, err
	}
	return o, nil
}

// checkRates checks each rate against its category's quota times scale,
// in the order of the categories' names: an error names the first that
// fails, as Options.Rates[category].
func checkRates(rates map[quota.Category]float64, scale float64) error {
	for _, c := range slices.Sorted(maps.Keys(rates)) {
		v := rates[c]
		field := "Options.Rates[" + string(c) + "]"
		q, ok := quota.Quota(c)
		if !ok {
			return optionErr(field, "%q is not a quota category", string(c))
		}
		if q := q * scale; !(v >= 0 && v <= q) {
			return optionErr(field, "bulk rate %v for %s is outside 0..%v (the quota)", v, c, q)
		}
	}
	return nil
}

// Run resets the user of every input with r and calls each with one
// Outcome per input, in the order they finish, from the goroutine that
// called Run.
//
//   - At most Concurrency resets are in flight, and requests are paced by
//     one token bucket per quota category, shared by the run's workers
//     (golang.org/x/time/rate), at RunOptions.Rates: resets at 15 a
//     second unless Rates says otherwise (DefaultRates). When Cognito
//     throttles, the bucket slows down, then recovers as requests go
//     through.
//   - A user that appears twice in a run (the same identifier, or two
//     identifiers that resolve to the same username) is reset once; the
//     repeat gets an Outcome with Duplicate set. With PreflightOff nothing
//     is resolved, and only the same identifier is a repeat.
//   - A circuit breaker stops the run at the first failure that is the
//     account's, not the user's (see RunOptions.KeepGoing): no reset is
//     sent after it, except those already in flight; a call still waiting
//     its turn at the limiter is not sent, and its input gets ErrRunStopped.
//     A call whose turn would come after ctx's deadline waits for the
//     deadline: the run's end, not a failure.
//   - In a pool on Cognito's built-in email, at most DailyEmailLimit codes
//     go by email.
//
// Every input read gets exactly one Outcome. When the run stops (the
// breaker, a BeforeSend error, ctx ended), nothing more is sent but the
// resets in flight, and Run reads on with no Cognito call: each input read
// after the stop gets an Outcome whose error is of kind ErrRunStopped and
// wraps the cause (the failure that stopped the run, or the context's
// error), except a repeat of an identifier the run had already taken (as
// given: nothing is resolved any more), which gets Duplicate as before. The
// inputs over the email cap get ErrRunStopped too, and the run goes on.
// RunOptions.StopReading makes a stopped run read nothing more instead,
// for an endless stream.
//
// Summary.Read counts the inputs Run took from inputs, indexed 0 to Read−1,
// and when Run returns each has its outcome (Summary.Done equals Read).
// Summary.ReadAll says inputs was read to its end; when it is false
// (StopReading, or ctx ended while inputs blocked), the inputs from index
// Read on were never read and have no outcome. While ctx lives, a stopped
// run waits for inputs as a running one does; once ctx has ended, Run stops
// reading when no outcome has come for a second, so an iterator that blocks
// (a pipe whose writer is still open) can't keep it from returning. Run
// reads inputs from a goroutine of its own: one left blocked in inputs ends at
// its next yield, which is refused (yield returns false) and has no
// outcome; an iterator that yields again after a refusal is refused again.
// When inputs panics, the inputs it gave get their outcomes and Run panics
// with the value (and the iterator's stack) in the caller's goroutine, as a
// range loop would; a panic after Run returned, in an iterator it left
// blocked, is nobody's, and ends the program. When each (or Progress)
// panics, the run stops as it would on the breaker, its goroutines end once
// what is in flight has, and the panic goes on.
//
// Run returns the Summary and, when the run stopped early, a *Error of kind
// ErrRunStopped that wraps the cause, so that errors.Is matches the cause's
// kind (ErrDeliveryConfig, ...) or context.Canceled as well. Invalid options
// fail with resetpw.ErrConfig before anything is read.
func Run(ctx context.Context, r *resetpw.Resetter, inputs iter.Seq[Input], opts Options, each func(Outcome)) (Summary, error) {
	return run(ctx, engine.EngineOf(r), "cognitoreset.Bulk", "", opts, each, true, listOf(inputs))
}

// Plan is Run without the resets: the same validation, preflight, pacing,
// deduplication, email cap and breaker, and one Outcome per input that says
// where the code would go (Result.Delivery, with PreflightFull) or why the
// reset would be refused, read as Run reads. Nothing is sent; BeforeSend is
// not called. Summary.ByMedium and Summary.OverEmailCap say what a Run of
// the same inputs would do, and Resettable feeds it the inputs that would
// be sent.
func Plan(ctx context.Context, r *resetpw.Resetter, inputs iter.Seq[Input], opts Options, each func(Outcome)) (Summary, error) {
	return run(ctx, engine.EngineOf(r), "cognitoreset.Plan", "", opts, each, false, listOf(inputs))
}

// Resettable returns the inputs of a plan's outcomes that a Run would send:
// neither failed nor duplicates, in the plan's order, each with its Key.
func Resettable(outcomes []Outcome) iter.Seq[Input] {
	return func(yield func(Input) bool) {
		for _, o := range outcomes {
			if o.Err == nil && !o.Duplicate && !yield(o.Input) {
				return
			}
		}
	}
}

// run starts the span of a run or plan and runs it.
func run(ctx context.Context, r *engine.Engine, name, poolID string, opts Options, each func(Outcome), send bool, produce producer) (Summary, error) {
	ctx, espan := r.Tel().Start(ctx, name, poolID)
	span := otelobs.TraceSpan(espan)
	ended := false
	defer endOnPanic(span, &ended)
	sum, err := runJobs(ctx, r, span, opts, each, send, produce)
	endRun(span, sum, err)
	ended = true
	return sum, err
}

// job is one input of a run: the input, and for PlanPool the listed user
// and its page.
type job struct {
	i      int
	in     Input
	listed *listedUser
}

// listedUser is a user as ListUsers listed it, and the page it came from.
type listedUser struct {
	user types.UserType
	page string // the pagination token that fetched its page
}

// page is the pagination token of a listed job's page; "" for a list's.
func (j job) page() string {
	if j.listed == nil {
		return ""
	}
	return j.listed.page
}

// producer reads a run's inputs and hands each to emit, which returns
// false when the run takes no more; it returns true when it read them all.
type producer func(b *bulkRun, emit func(job) bool) bool

// listOf is the producer of a list of inputs.
func listOf(inputs iter.Seq[Input]) producer {
	return func(b *bulkRun, emit func(job) bool) bool {
		// Not a range loop: an iterator that yields again after yield
		// returned false would make the range panic, on the reader's
		// goroutine, where nobody can recover it. Each such yield is
		// refused again instead.
		i, refused := 0, false
		inputs(func(in Input) bool {
			if refused || !emit(job{i: i, in: in}) {
				refused = true
				return false
			}
			i++
			return true
		})
		return !refused
	}
}

// drainWait is how long a run whose context has ended waits for an outcome
// before it stops reading its inputs.
const drainWait = time.Second

// runJobs runs the jobs that produce emits through Concurrency workers and
// hands each outcome to each, as Bulk documents. produce reads the inputs
// and returns true when it read them all; emit returns false when the run
// takes no more.
func runJobs(ctx context.Context, r *engine.Engine, span trace.Span, opts Options, each func(Outcome), send bool, produce producer) (Summary, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if each == nil {
		each = func(Outcome) {}
	}
	start := time.Now()
	preflight := r.Preflight()
	if opts.Preflight != "" {
		if preflight, err = engine.ParsePreflight("Options.Preflight", string(opts.Preflight)); err != nil {
			return Summary{}, engine.PublicError(err)
		}
	}
	b := newBulkRun(r, opts, send, preflight)
	b.span = span

	jobs := make(chan job)
	outcomes := make(chan Outcome, opts.Concurrency)
	var quitOnce sync.Once
	defer func() {
		// each or Progress panicked: stop the run, and let the workers and
		// the reader go (what is in flight ends, nothing more is sent).
		quitOnce.Do(func() {
			b.trip(errEachPanicked)
			b.closeReading()
			close(b.quit)
		})
	}()
	workers := b.startWorkers(ctx, jobs, outcomes)
	readerDone := make(chan struct{})
	var readAll bool // the reader's, until readerDone is closed
	go func() {
		defer close(readerDone)
		defer b.recoverReader()
		readAll = produce(b, func(j job) bool { return b.take(ctx, j, jobs, outcomes) })
	}()

	sum, readerReturned := b.collect(ctx, start, outcomes, readerDone, each)
	quitOnce.Do(func() { close(b.quit) })
	workers.Wait()
	b.mu.Lock()
	b.returned = true
	rp := b.readerPanic
	b.mu.Unlock()
	if rp != nil {
		// The iterator panicked: every input it gave has its outcome, and
		// the panic goes on in the caller's goroutine, where it can be
		// recovered, as it would from a range loop.
		panic(rp)
	}
	sum.ReadAll = readerReturned && readAll
	sum.Elapsed = time.Since(start)
	if cause := b.cause(ctx); cause != nil {
		return sum, &resetpw.Error{Kind: resetpw.ErrRunStopped, Op: resetpw.OpBulk, Fate: resetpw.FateNotSent, Err: cause}
	}
	return sum, nil
}

// recoverReader, deferred by the reader, keeps the iterator's panic for
// runJobs to panic with again, or panics on when the run has returned.
func (b *bulkRun) recoverReader() {
	p := recover()
	if p == nil {
		return
	}
	rp := &panicked{p, debug.Stack()}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.returned {
		panic(rp) // nobody to hand it to any more
	}
	b.readerPanic = rp
}

// newBulkRun returns the state of one run. It is paced by opts.Limiter, or
// else the Resetter's WithLimiter, or else token buckets of its own at
// opts.Rates (which withDefaults filled in), through a runLimiter: a stop
// ends the waits. Its email cap is the Resetter's (resetpw.WithEmailCap).
func newBulkRun(r *engine.Engine, opts Options, send bool, preflight engine.Preflight) *bulkRun {
	var l quota.Limiter
	switch {
	case opts.Limiter != nil:
		l = opts.Limiter
	case r.Limiter() != nil:
		l = r.Limiter()
	default:
		l = quota.NewLocalLimiter(opts.Rates, r.Logger())
	}
	counter, limit := r.EmailCap()
	b := &bulkRun{r: r, opts: opts, send: send, preflight: preflight, claims: newClaims(),
		emails: engine.NewEmailTally(counter), counter: counter, limit: limit, stop: make(chan struct{}), quit: make(chan struct{})}
	b.stopCtx, b.stopNow = context.WithCancel(context.Background())
	b.g = engine.NewGate(l).Wrap(runLimiter{l, b}) // adapts as l does
	if api, ok := r.API().(engine.RecoveryAPI); ok {
		invite := engine.InviteAction(api)
		b.invite = &invite
	}
	return b
}

// startWorkers starts Concurrency workers, each running the jobs it takes
// to their outcomes until the run takes no more (b.quit).
func (b *bulkRun) startWorkers(ctx context.Context, jobs <-chan job, outcomes chan<- Outcome) *sync.WaitGroup {
	workers := &sync.WaitGroup{}
	for range b.opts.Concurrency {
		workers.Go(func() {
			for {
				select {
				case j := <-jobs:
					b.deliver(outcomes, b.one(ctx, j))
				case <-b.quit:
					return
				}
			}
		})
	}
	return workers
}

// collect hands each outcome on (see record) until every input taken has
// its outcome and the reader has returned, or the run takes no more
// inputs: after a stop with StopReading, or once ctx has ended, at once with
// StopReading and otherwise when no outcome came for drainWait (reqs
// blocks). readerReturned says the reader returned before that.
func (b *bulkRun) collect(ctx context.Context, start time.Time, outcomes <-chan Outcome, readerDone <-chan struct{}, each func(Outcome)) (sum Summary, readerReturned bool) {
	stopped, ctxDone, reading := b.stop, ctx.Done(), readerDone
	var drain *time.Timer
	var drained <-chan time.Time
	defer func() {
		if drain != nil {
			drain.Stop()
		}
	}()
	for {
		taken, closed := b.reading()
		sum.Read = taken
		if sum.Done == taken && (reading == nil || closed) {
			return sum, reading == nil
		}
		select {
		case o := <-outcomes:
			b.record(&sum, o, start, each)
			if drain != nil {
				drain.Reset(drainWait)
			}
		case <-reading:
			reading = nil
		case <-stopped:
			stopped = nil
			if b.opts.StopReading {
				b.closeReading()
			}
		case <-ctxDone:
			ctxDone = nil
			if b.opts.StopReading {
				b.closeReading()
				break
			}
			drain = time.NewTimer(drainWait)
			drained = drain.C
		case <-drained:
			drained = nil
			b.closeReading() // ctx ended and the inputs stopped coming: reqs blocks
		}
	}
}

// record counts o in sum and hands it to each, then sum to Progress.
func (b *bulkRun) record(sum *Summary, o Outcome, start time.Time, each func(Outcome)) {
	sum.add(o)
	b.recordInput(b.stopCtx, o)
	sum.Read, _ = b.reading() // the reader may have taken more since
	sum.Elapsed = time.Since(start)
	each(o)
	if b.opts.Progress != nil {
		b.opts.Progress(sum.Progress)
	}
}

// panicked is the panic of a run's iterator, with the reader's stack, as
// Bulk panics with it again.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) String() string {
	return fmt.Sprintf("%v\n\nthe bulk run's iterator panicked in:\n%s", p.value, p.stack)
}

// Unwrap returns the value the iterator panicked with, when it is an error.
func (p *panicked) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

func (p *panicked) Error() string { return p.String() }

// errEachPanicked stops a run whose each or Progress panicked.
var errEachPanicked = errors.New("the bulk run's outcome callback panicked")

// deliver hands o to the run, unless the run takes no more outcomes (its
// callback panicked): then o is dropped, and the goroutine goes on.
func (b *bulkRun) deliver(outcomes chan<- Outcome, o Outcome) {
	select {
	case outcomes <- o:
	case <-b.quit:
	}
}

type bulkRun struct {
	r         *engine.Engine
	g         *engine.Gate
	opts      Options
	send      bool
	preflight engine.Preflight
	invite    *engine.Action     // Input.Way wayout.InviteAgain's, when the API serves it
	counter   quota.EmailCounter // the Resetter's email cap (resetpw.WithEmailCap)
	limit     int

	mu          sync.Mutex
	claims      *claims            // the input that has each user
	emails      *engine.EmailTally // a plan's count of the daily email cap (R36)
	unavailable int                // ErrUnavailable failures in a row
	stopCause   error              // why the breaker stopped the run
	stop        chan struct{}      // closed when it did
	stopCtx     context.Context
	stopNow     context.CancelFunc // ends stopCtx, with stop
	stopOnce    sync.Once
	quit        chan struct{} // closed when the run takes no more outcomes
	taken       int           // inputs taken from the reader, each owed an outcome
	closed      bool          // no input is taken any more
	returned    bool          // the run has returned: an iterator's panic is nobody's
	readerPanic *panicked     // the iterator's panic, for runJobs
	span        trace.Span    // the run's (Run, Plan, PlanPool)
	stopSeen    bool          // the collector's: an input stopped has had its event
}

// take takes input j for the run, giving it its outcome at once or handing
// it to a worker, or refuses it: false when the run reads no more.
func (b *bulkRun) take(ctx context.Context, j job, jobs chan<- job, outcomes chan<- Outcome) bool {
	cause := b.cause(ctx)
	if cause != nil && b.opts.StopReading {
		return false
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.taken++
	b.mu.Unlock()
	if cause != nil {
		b.deliver(outcomes, b.afterStop(j, cause))
		return true
	}
	if pool, name, ok := givenKey(j); ok {
		if first, dup := b.claim(givenName, pool, name, j.i); dup {
			b.deliver(outcomes, Outcome{Index: j.i, Input: j.in, Duplicate: true, DuplicateOf: first})
			return true
		}
	}
	select {
	case jobs <- j:
	case <-ctx.Done():
		b.deliver(outcomes, b.notSent(j, b.cause(ctx)))
	case <-b.stop:
		b.deliver(outcomes, b.notSent(j, b.cause(ctx)))
	}
	return true
}

// afterStop is the outcome of an input read after the run stopped: a repeat
// of an identifier the run has taken is a duplicate, as before the stop;
// anything else is not sent. The run takes no new identifier then: it
// resolves nothing, and its claims stop growing.
func (b *bulkRun) afterStop(j job, cause error) Outcome {
	if pool, name, ok := givenKey(j); ok {
		b.mu.Lock()
		first, dup := b.claims.lookup(givenName, pool, name)
		b.mu.Unlock()
		if dup {
			return Outcome{Index: j.i, Input: j.in, Duplicate: true, DuplicateOf: first}
		}
	}
	return b.notSent(j, cause)
}

// reading returns how many inputs the run took, and whether it takes more.
func (b *bulkRun) reading() (taken int, closed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.taken, b.closed
}

// closeReading makes the run take no more inputs.
func (b *bulkRun) closeReading() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

// claim takes ns of a user for input i, or reports the input that has it.
func (b *bulkRun) claim(ns namespace, pool, name string, i int) (first int, dup bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.claims.claim(ns, pool, name, i)
}

// givenKey is how a request names its user before anything is read: the
// pool and the identifier, trimmed and otherwise as given. Nothing else can
// be folded before the pool is known: "+1-206-555-0100" and "+12065550100"
// may be two users' usernames (docs/cognito-rules.md, R32), and inputs that
// do name one user meet again at the resolved key. A listed job has none
// (one chain of ListUsers pages names each user once, R24), nor does a
// request whose pool ID is malformed: it fails validation, and its claim
// would only take memory.
func givenKey(j job) (pool, name string, ok bool) {
	if j.listed != nil || engine.CheckPoolID(j.in.Request.UserPoolID) != nil {
		return "", "", false
	}
	return j.in.Request.UserPoolID, strings.TrimSpace(j.in.Request.Username), true
}

// trip stops the run with cause, once.
func (b *bulkRun) trip(cause error) {
	b.stopOnce.Do(func() {
		b.mu.Lock()
		b.stopCause = cause
		b.mu.Unlock()
		close(b.stop)
		b.stopNow()
	})
}

// runLimiter is a run's Limiter. A call waiting its turn when the run
// stops is not sent: its Wait ends with a *stoppedWaiting, and the input
// gets an ErrRunStopped outcome. And a call waits its turn until ctx ends,
// never failing early because its turn would come after ctx's deadline
// (golang.org/x/time/rate's "would exceed context deadline"): that is the
// run's end, not a failure of the input, nor of the account for the
// breaker.
type runLimiter struct {
	quota.Limiter
	b *bulkRun
}

// stoppedWaiting ends the Wait of a call whose run stopped with cause.
type stoppedWaiting struct{ cause error }

func (e *stoppedWaiting) Error() string {
	return "the bulk run stopped while the call waited its turn: " + e.cause.Error()
}

func (l runLimiter) Wait(ctx context.Context, c quota.Category) error {
	if ctx.Err() != nil {
		return l.Limiter.Wait(ctx, c) // the limiter's own answer to an ended context
	}
	if cause := l.b.cause(ctx); cause != nil {
		return &engine.Error{Kind: engine.ErrUnavailable, Op: engine.OpPace, Fate: engine.FateNotSent, Err: &stoppedWaiting{cause}}
	}
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	defer context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })()
	defer context.AfterFunc(l.b.stopCtx, func() { cancel(errRunStop) })()
	err := l.Limiter.Wait(wctx, c)
	if err != nil && ctx.Err() == nil && context.Cause(wctx) == errRunStop {
		return &engine.Error{Kind: engine.ErrUnavailable, Op: engine.OpPace, Fate: engine.FateNotSent, Err: &stoppedWaiting{l.b.cause(ctx)}}
	}
	return err
}

// errRunStop is the cause of a Wait's context when the run stops.
var errRunStop = errors.New("bulk run stopped")

// stoppedUnsent returns the cause of the run's stop when err is that of a
// call that waited its turn when the run stopped: nothing was sent.
func stoppedUnsent(err error) (cause error, ok bool) {
	var sw *stoppedWaiting
	if errors.As(err, &sw) && !engine.MaybeSent(err) {
		return sw.cause, true
	}
	return nil, false
}

// cause returns why the run stopped: the breaker's cause, or ctx's; nil
// while it runs.
func (b *bulkRun) cause(ctx context.Context) error {
	b.mu.Lock()
	c := b.stopCause
	b.mu.Unlock()
	if c != nil {
		return c
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return nil
}

// observe feeds the breaker one finished reset (R20, R22, R28): account-wide
// kinds stop the run at once, unavailability after MaxUnavailable in a row.
func (b *bulkRun) observe(err error) {
	if b.opts.KeepGoing {
		return
	}
	if b.tripsOn(err) {
		b.trip(engine.PublicError(err))
	}
}

func (b *bulkRun) tripsOn(err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch k := engine.KindOf(err); k {
	case engine.ErrDeliveryConfig, engine.ErrAccessDenied, engine.ErrPoolNotFound, engine.ErrNotEnabled:
		return true
	case engine.ErrUnavailable:
		b.unavailable++
		return b.opts.MaxUnavailable > 0 && b.unavailable >= b.opts.MaxUnavailable
	default:
		b.unavailable = 0
		return false
	}
}

// one runs one input through the engine's stages, decides between them as
// the run's caller (see between), and sends it.
func (b *bulkRun) one(ctx context.Context, j job) Outcome {
	tel := b.r.Tel()
	tel.ActiveInputs(ctx, 1)
	defer tel.ActiveInputs(ctx, -1)
	if cause := b.cause(ctx); cause != nil {
		return b.notSent(j, cause)
	}
	var start time.Time
	if b.send {
		start = tel.Timing(ctx)
	}
	a, res, err := b.prepare(ctx, j)
	if err == nil {
		if o, decided := b.between(ctx, j, a, res, &err); decided {
			return o
		}
	}
	if err == nil && b.send {
		err = a.Send(ctx, res)
	}
	if err != nil {
		if engine.EndedUnsent(ctx, err) {
			// The run's context ended before this input went out: its
			// outcome is the run's stop, not a failure to log.
			return b.notSent(j, b.cause(ctx))
		}
		if cause, ok := stoppedUnsent(err); ok {
			return b.notSent(j, cause) // the run stopped while this input waited its turn
		}
	}
	if j.listed == nil {
		res, err = b.r.Done(ctx, a, res, err, b.send)
	}
	if b.send {
		tel.RecordReset(ctx, start, res, err)
	}
	b.observe(err)
	if err != nil {
		res = nil
	}
	return Outcome{Index: j.i, Input: j.in, Result: b.public(res), Err: engine.PublicError(err), PageToken: j.page()}
}

// prepare runs the stages before the send: for a listed user (PlanPool),
// from the listing.
func (b *bulkRun) prepare(ctx context.Context, j job) (*engine.Attempt, *engine.Result, error) {
	if j.listed != nil {
		return b.r.PrepareListed(ctx, b.g, j.in.Request.UserPoolID, j.listed.user, b.preflight)
	}
	act, preflight := &engine.ResetAction, b.preflight
	var refused error
	switch j.in.Way {
	case "":
	case resetpw.WayOut(engine.WayInviteAgain):
		act, preflight = b.invite, engine.PreflightFull
		if b.invite == nil {
			act, refused = &engine.ResetAction, errors.New("bulk: Input.Way invite_again needs an API that serves AdminCreateUser (wayout.API)")
		}
	default:
		refused = fmt.Errorf("bulk: Input.Way %q is no action a run takes (invite_again is; a temporary password is handed over by a person, one user at a time)", j.in.Way)
	}
	ereq := engineRequest(j.in.Request)
	ereq.UnchangedSince = j.in.UnchangedSince
	a := b.r.NewAttempt(act, ereq, b.g, preflight, true)
	if refused != nil {
		return a, nil, a.Fail(engine.OpValidate, engine.ErrInvalidInput, refused)
	}
	res, err := a.Prepare(ctx)
	return a, res, err
}

// between is the run's word between the preflight and the send: a
// duplicate of the resolved name (not for a listed user: a listing names
// each user once, R24), the run's stop, the daily email cap, and
// BeforeSend. decided says o is the input's outcome and nothing is sent;
// otherwise *err may be the failure of the cap's counter.
func (b *bulkRun) between(ctx context.Context, j job, a *engine.Attempt, res *engine.Result, err *error) (o Outcome, decided bool) {
	if j.listed == nil {
		if first, dup := b.claim(resolvedName, j.in.Request.UserPoolID, a.Name(), j.i); dup {
			return Outcome{Index: j.i, Input: j.in, Duplicate: true, DuplicateOf: first, PageToken: j.page()}, true
		}
	}
	if cause := b.cause(ctx); cause != nil {
		return b.notSent(j, cause), true
	}
	capped, cerr := b.reserve(ctx, a, res)
	if capped {
		o := b.notSent(j, cerr)
		if !b.send {
			o.Result = b.public(res) // a plan's input over the email cap: where the code would go
		}
		return o, true
	}
	if *err = cerr; cerr != nil {
		return Outcome{}, false
	}
	if b.send && b.opts.BeforeSend != nil {
		if berr := b.opts.BeforeSend(j.i, j.in, a.Name()); berr != nil {
			a.Return() // nothing goes out: the code does not count (R36)
			b.trip(berr)
			return b.notSent(j, berr), true
		}
	}
	return Outcome{}, false
}

// reserve takes the input's place under the daily email cap: sending, the
// Resetter's count; planning, the run's tally on top of it. capped says the
// input is past the cap (err is then the cause of its ErrRunStopped
// outcome); any other error is a counter that failed.
func (b *bulkRun) reserve(ctx context.Context, a *engine.Attempt, res *engine.Result) (capped bool, err error) {
	var tally *engine.EmailTally
	if !b.send {
		tally = b.emails
	}
	err = a.CapEmail(ctx, b.counter, b.limit, res, b.send, tally)
	switch {
	case err == nil:
		return false, nil
	case engine.IsEmailCapped(err):
		return true, err
	}
	return false, a.Fail(engine.OpPreflight, engine.ErrUnavailable, err)
}

// public is res as a *resetpw.Result.
func (b *bulkRun) public(res *engine.Result) *resetpw.Result {
	if res == nil {
		return nil
	}
	return engine.PublicResult(res).(*resetpw.Result)
}

func engineRequest(req resetpw.Request) engine.Request {
	return engine.Request{UserPoolID: req.UserPoolID, Username: req.Username, ClientMetadata: req.ClientMetadata, SignOut: req.SignOut,
		OnlyResetRequired: req.OnlyResetRequired}
}

// notSent is the outcome of an input the run did not send because of cause.
func (b *bulkRun) notSent(j job, cause error) Outcome {
	req := j.in.Request
	return Outcome{Index: j.i, Input: j.in, PageToken: j.page(), Err: &resetpw.Error{Kind: resetpw.ErrRunStopped, Op: resetpw.OpBulk,
		UserPoolID: req.UserPoolID, Username: req.Username, Fate: resetpw.FateNotSent, Err: cause}}
}

// optionErr is the error of an invalid option: a *resetpw.Error of kind
// ErrConfig whose text names the option. Nothing is read or sent.
func optionErr(option, format string, a ...any) error {
	return &resetpw.Error{Kind: resetpw.ErrConfig, Op: resetpw.OpValidate, Fate: resetpw.FateNotSent,
		Err: fmt.Errorf(option+": "+format, a...)}
}

// Requests makes the inputs of a run of plain requests, each keyed by its
// position from 0 (Outcome.Index then equals Outcome.Input.Key).
func Requests(reqs iter.Seq[resetpw.Request]) iter.Seq[Input] {
	return func(yield func(Input) bool) {
		// Not a range loop, as for a run's own inputs: an iterator that
		// yields again after a refusal is refused again, and can't panic.
		i, refused := 0, false
		reqs(func(req resetpw.Request) bool {
			if refused || !yield(Input{Key: i, Request: req}) {
				refused = true
				return false
			}
			i++
			return true
		})
	}
}
