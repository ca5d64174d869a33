package resetpw

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
	"go.opentelemetry.io/otel/trace"
)

// DefaultMaxUnavailable is how many resets in a row may fail as unavailable
// before a bulk run stops (BulkOptions.MaxUnavailable).
const DefaultMaxUnavailable = 5

// BulkOptions tune [Resetter.Bulk], [Resetter.Plan] and [Resetter.PlanPool].
// The zero value means the defaults.
type BulkOptions struct {
	Concurrency int // workers; default 8, at most 64
	// Rates are the run's paces per category, requests per second shared by
	// all its workers: a category Rates does not name, or names with 0, goes
	// at its DefaultRates pace (resets at 15 a second, half of their quota).
	// Each rate must be at or under its category's quota times QuotaScale:
	// UserAccountRecovery 30 (AdminResetUserPassword), UserRead 120
	// (AdminGetUser), UserList 30 (ListUsers), UserPoolRead 15
	// (DescribeUserPool), UserUpdate 25 (AdminUserGlobalSignOut); the
	// defaults too, so a QuotaScale under 1 needs lower rates.
	Rates map[Category]float64
	// SignOut signs every user out of every session after their reset is
	// sent, as WithSignOut does; a failed sign-out is counted in
	// Summary.SignOutFailed and never hides the reset.
	SignOut bool
	// Limiter, when set, paces the run instead of the run's own token
	// buckets (Rates): a limiter shared with other runs and
	// processes, such as resetpw/redislimit's. Without it, a Resetter made
	// WithLimiter uses its own.
	Limiter Limiter
	// QuotaScale multiplies the quotas Rates are checked against, for
	// an account whose quotas were raised (UserAccountRecovery can't be) or
	// a test server that scales them; default 1.
	QuotaScale float64
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
	// ErrUnavailable before the run stops; default DefaultMaxUnavailable,
	// negative: never.
	MaxUnavailable int
	// DailyEmailLimit caps the codes sent by Cognito's built-in email
	// (EmailSendingAccount COGNITO_DEFAULT) per AWS account and Region over
	// a rolling 24 hours: default the Resetter's (WithDailyEmailLimit,
	// itself DefaultDailyEmailLimit unless set); negative: no cap.
	// The count is the Resetter's EmailCounter (or, without
	// WithEmailCounter, Limiter's when it counts emails), shared with its
	// single resets, its other runs and every pool of the account
	// (docs/cognito-rules.md, R36); emails the account sent
	// otherwise are not known. Inputs past it get ErrRunStopped; other inputs
	// go on. A plan counts on top of the emails already counted, takes
	// nothing, and keeps the Result of the inputs past it.
	DailyEmailLimit int
	// StopReading makes a run that stopped (the breaker, BeforeSend, ctx)
	// read no more inputs, for an endless stream, and return without
	// waiting for the iterator: each input read has its outcome, and
	// Summary.ReadAll is false unless all were read already. By default a
	// stopped run reads every remaining input and gives it an
	// ErrRunStopped outcome, with no Cognito call. PlanPool always stops
	// listing when its run stops.
	StopReading bool
	// BeforeSend, when set, is called from a worker just before each reset
	// is sent, with the input's index, its request and the username that
	// will be sent: a journal written there survives a crash. An error
	// sends nothing and stops the run with that error as the cause. It must
	// be safe for concurrent use.
	BeforeSend func(index int, req Request, username string) error
	// PageToken is where PlanPool starts: a ListUsers pagination token,
	// such as an Outcome's PageToken; empty for the first page.
	PageToken string
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

// Outcome is what became of one input of a bulk run or a plan.
type Outcome struct {
	Index   int // the input's position, from 0
	Request Request
	Result  *Result // on success; for a plan, also on an input past the daily email cap
	Err     error   // a *Error on failure
	// Duplicate is true when the same user came earlier in the run, at
	// DuplicateOf; nothing was sent for this input.
	Duplicate   bool
	DuplicateOf int
	// PageToken is, for PlanPool, the ListUsers pagination token of the
	// page this user came from ("" for the first page): a plan resumed from
	// it (BulkOptions.PageToken) repeats at most that page.
	PageToken string
}

// Summary counts the outcomes of a bulk run or a plan.
type Summary struct {
	Progress
	ByKind   map[string]int // failures by their kind's Code
	ByMedium map[Medium]int // successes by Delivery.Medium, when predicted
	// OverEmailCap counts the inputs refused because their pool's
	// DailyEmailLimit was reached.
	OverEmailCap int
	// SignedOut and SignOutFailed count the sign-outs after resets sent.
	SignedOut, SignOutFailed int
	// ReadAll is true when the run read its inputs to their end (for
	// PlanPool, listed the pool to its last page): every input has an
	// outcome. When it is false, the inputs from index Read on were never
	// read (BulkOptions.StopReading, a context that ended while the
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
			s.ByKind = map[string]int{}
		}
		s.ByKind[KindOf(o.Err).Code()]++
		if errors.Is(o.Err, errEmailCap) {
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
				s.ByMedium = map[Medium]int{}
			}
			s.ByMedium[o.Result.Delivery.Medium]++
		}
	}
}

// withDefaults returns o with its defaults filled in (Rates a new map, with
// every category), or the *Error of its first invalid field.
func (o BulkOptions) withDefaults() (BulkOptions, error) {
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.QuotaScale == 0 {
		o.QuotaScale = 1
	}
	if o.MaxUnavailable == 0 {
		o.MaxUnavailable = DefaultMaxUnavailable
	}
	if o.DailyEmailLimit == 0 {
		o.DailyEmailLimit = DefaultDailyEmailLimit
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		return o, optionErr("BulkOptions.Concurrency", "bulk concurrency %d is outside 1..64", o.Concurrency)
	}
	if o.QuotaScale < 0 {
		return o, optionErr("BulkOptions.QuotaScale", "bulk quota scale %v is negative", o.QuotaScale)
	}
	o.Rates = withDefaultRates(o.Rates)
	if err := checkRates(o.Rates, o.QuotaScale); err != nil {
		return o, err
	}
	return o, nil
}

// checkRates checks each rate against its category's quota times scale,
// in the order of the categories' names: an error names the first that
// fails, as BulkOptions.Rates[category].
func checkRates(rates map[Category]float64, scale float64) error {
	for _, c := range slices.Sorted(maps.Keys(rates)) {
		v := rates[c]
		field := "BulkOptions.Rates[" + string(c) + "]"
		quota, ok := quotas[c]
		if !ok {
			return optionErr(field, "%q is not a quota category", string(c))
		}
		if q := quota * scale; !(v >= 0 && v <= q) {
			return optionErr(field, "bulk rate %v for %s is outside 0..%v (the quota)", v, c, q)
		}
	}
	return nil
}

// Bulk resets every request of reqs and calls each with one Outcome per
// input, in the order they finish, from the goroutine that called Bulk.
//
//   - At most Concurrency resets are in flight, and requests are paced by
//     one token bucket per quota category, shared by the run's workers
//     (golang.org/x/time/rate), at BulkOptions.Rates: resets at 15 a
//     second unless Rates says otherwise (DefaultRates). When Cognito
//     throttles, the bucket slows down, then recovers as requests go
//     through.
//   - A user that appears twice in a run (the same identifier, or two
//     identifiers that resolve to the same username) is reset once; the
//     repeat gets an Outcome with Duplicate set. With PreflightOff nothing
//     is resolved, and only the same identifier is a repeat.
//   - A circuit breaker stops the run at the first failure that is the
//     account's, not the user's (see BulkOptions.KeepGoing): no reset is
//     sent after it, except those already in flight; a call still waiting
//     its turn at the limiter is not sent, and its input gets ErrRunStopped.
//     A call whose turn would come after ctx's deadline waits for the
//     deadline: the run's end, not a failure.
//   - In a pool on Cognito's built-in email, at most DailyEmailLimit codes
//     go by email.
//
// Every input read gets exactly one Outcome. When the run stops (the
// breaker, a BeforeSend error, ctx ended), nothing more is sent but the
// resets in flight, and Bulk reads on with no Cognito call: each input read
// after the stop gets an Outcome whose error is of kind ErrRunStopped and
// wraps the cause (the failure that stopped the run, or the context's
// error), except a repeat of an identifier the run had already taken (as
// given: nothing is resolved any more), which gets Duplicate as before. The
// inputs over the email cap get ErrRunStopped too, and the run goes on.
// BulkOptions.StopReading makes a stopped run read nothing more instead,
// for an endless stream.
//
// Summary.Read counts the inputs Bulk took from reqs, indexed 0 to Read−1,
// and when Bulk returns each has its outcome (Summary.Done equals Read).
// Summary.ReadAll says reqs was read to its end; when it is false
// (StopReading, or ctx ended while reqs blocked), the inputs from index
// Read on were never read and have no outcome. While ctx lives, a stopped
// run waits for reqs as a running one does; once ctx has ended, Bulk stops
// reading when no outcome has come for a second, so an iterator that blocks
// (a pipe whose writer is still open) can't keep it from returning. Bulk
// reads reqs from a goroutine of its own: one left blocked in reqs ends at
// its next yield, which is refused (yield returns false) and has no
// outcome; an iterator that yields again after a refusal is refused again.
// When reqs panics, the inputs it gave get their outcomes and Bulk panics
// with the value (and the iterator's stack) in the caller's goroutine, as a
// range loop would; a panic after Bulk returned, in an iterator it left
// blocked, is nobody's, and ends the program. When each (or Progress)
// panics, the run stops as it would on the breaker, its goroutines end once
// what is in flight has, and the panic goes on.
//
// Bulk returns the Summary and, when the run stopped early, a *Error of kind
// ErrRunStopped that wraps the cause, so that errors.Is matches the cause's
// kind (ErrDeliveryConfig, ...) or context.Canceled as well. Invalid options
// fail with ErrOption before anything is read.
func (r *Resetter) Bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error) {
	ctx, span := r.tel.startRun(ctx, "cognitoreset.Bulk", "")
	ended := false
	defer endOnPanic(span, &ended)
	sum, err := r.bulk(ctx, reqs, opts, each, true)
	endRun(span, sum, err)
	ended = true
	return sum, err
}

// Plan is Bulk without the resets: the same validation, preflight, pacing,
// deduplication, email cap and breaker, and one Outcome per input that says
// where the code would go (Result.Delivery, with PreflightFull) or why the
// reset would be refused, read as Bulk reads. Nothing is sent; BeforeSend is
// not called. Summary.ByMedium and Summary.OverEmailCap say what a Bulk run
// of the same inputs would do.
func (r *Resetter) Plan(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error) {
	ctx, span := r.tel.startRun(ctx, "cognitoreset.Plan", "")
	ended := false
	defer endOnPanic(span, &ended)
	sum, err := r.bulk(ctx, reqs, opts, each, false)
	endRun(span, sum, err)
	ended = true
	return sum, err
}

// job is one input of a run: a request, and for PlanPool the listed user and
// its page.
type job struct {
	i      int
	req    Request
	listed *listedUser
}

// page is the pagination token of a listed job's page; "" for a list's.
func (j job) page() string {
	if j.listed == nil {
		return ""
	}
	return j.listed.page
}

func (r *Resetter) bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome), send bool) (Summary, error) {
	return r.runJobs(ctx, opts, each, send, func(b *bulkRun, emit func(job) bool) bool {
		// Not a range loop: an iterator that yields again after yield
		// returned false would make the range panic, on the reader's
		// goroutine, where nobody can recover it. Each such yield is
		// refused again instead.
		i, refused := 0, false
		reqs(func(req Request) bool {
			if refused || !emit(job{i: i, req: req}) {
				refused = true
				return false
			}
			i++
			return true
		})
		return !refused
	})
}

// drainWait is how long a run whose context has ended waits for an outcome
// before it stops reading its inputs.
const drainWait = time.Second

// runJobs runs the jobs that produce emits through Concurrency workers and
// hands each outcome to each, as Bulk documents. produce reads the inputs
// and returns true when it read them all; emit returns false when the run
// takes no more.
func (r *Resetter) runJobs(ctx context.Context, opts BulkOptions, each func(Outcome), send bool, produce func(b *bulkRun, emit func(job) bool) bool) (Summary, error) {
	if opts.DailyEmailLimit == 0 {
		opts.DailyEmailLimit = r.cfg.dailyEmail // the Resetter's cap (R36)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	if each == nil {
		each = func(Outcome) {}
	}
	start := time.Now()
	b := r.newBulkRun(opts, send)
	b.span = runSpan(ctx)

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
		return sum, &Error{Kind: ErrRunStopped, Op: OpBulk, Fate: FateNotSent, Err: cause}
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
// ends the waits.
func (r *Resetter) newBulkRun(opts BulkOptions, send bool) *bulkRun {
	var l Limiter
	switch {
	case opts.Limiter != nil:
		l = opts.Limiter
	case r.cfg.limiter != nil:
		l = r.cfg.limiter
	default:
		l = newPacer(opts.Rates, r.cfg.logger)
	}
	b := &bulkRun{r: r, opts: opts, send: send, claims: newClaims(),
		emails: newEmailTally(r.emailCounterFor(opts.Limiter)), stop: make(chan struct{}), quit: make(chan struct{})}
	b.stopCtx, b.stopNow = context.WithCancel(context.Background())
	b.g = newGate(l) // adapts l, when l adapts
	b.g.l = runLimiter{l, b}
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

// errEmailCap is the cause of the outcomes past a pool's daily email cap.
var errEmailCap = errors.New("the account's daily email cap is reached (Cognito's built-in email; docs/cognito-rules.md, R20, R36)")

type bulkRun struct {
	r    *Resetter
	g    *gate
	opts BulkOptions
	send bool

	mu          sync.Mutex
	claims      *claims       // the input that has each user
	emails      *emailTally   // the daily email cap's count (R36)
	unavailable int           // ErrUnavailable failures in a row
	stopCause   error         // why the breaker stopped the run
	stop        chan struct{} // closed when it did
	stopCtx     context.Context
	stopNow     context.CancelFunc // ends stopCtx, with stop
	stopOnce    sync.Once
	quit        chan struct{} // closed when the run takes no more outcomes
	taken       int           // inputs taken from the reader, each owed an outcome
	closed      bool          // no input is taken any more
	returned    bool          // the run has returned: an iterator's panic is nobody's
	readerPanic *panicked     // the iterator's panic, for runJobs
	span        trace.Span    // the run's (Bulk, Plan, PlanPool)
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
			b.deliver(outcomes, Outcome{Index: j.i, Request: j.req, Duplicate: true, DuplicateOf: first})
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
			return Outcome{Index: j.i, Request: j.req, Duplicate: true, DuplicateOf: first}
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
	if j.listed != nil || checkPoolID(j.req.UserPoolID) != nil {
		return "", "", false
	}
	return j.req.UserPoolID, strings.TrimSpace(j.req.Username), true
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
	Limiter
	b *bulkRun
}

// stoppedWaiting ends the Wait of a call whose run stopped with cause.
type stoppedWaiting struct{ cause error }

func (e *stoppedWaiting) Error() string {
	return "the bulk run stopped while the call waited its turn: " + e.cause.Error()
}

func (l runLimiter) Wait(ctx context.Context, c Category) error {
	if ctx.Err() != nil {
		return l.Limiter.Wait(ctx, c) // the limiter's own answer to an ended context
	}
	if cause := l.b.cause(ctx); cause != nil {
		return &Error{Kind: ErrUnavailable, Op: OpPace, Fate: FateNotSent, Err: &stoppedWaiting{cause}}
	}
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	defer context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })()
	defer context.AfterFunc(l.b.stopCtx, func() { cancel(errRunStop) })()
	err := l.Limiter.Wait(wctx, c)
	if err != nil && ctx.Err() == nil && context.Cause(wctx) == errRunStop {
		return &Error{Kind: ErrUnavailable, Op: OpPace, Fate: FateNotSent, Err: &stoppedWaiting{l.b.cause(ctx)}}
	}
	return err
}

// errRunStop is the cause of a Wait's context when the run stops.
var errRunStop = errors.New("bulk run stopped")

// stoppedUnsent returns the cause of the run's stop when err is that of a
// call that waited its turn when the run stopped: nothing was sent.
func stoppedUnsent(err error) (cause error, ok bool) {
	var sw *stoppedWaiting
	if errors.As(err, &sw) && !MaybeSent(err) {
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
		b.trip(err)
	}
}

func (b *bulkRun) tripsOn(err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch k := KindOf(err); k {
	case ErrDeliveryConfig, ErrAccessDenied, ErrPoolNotFound, ErrNotEnabled:
		return true
	case ErrUnavailable:
		b.unavailable++
		return b.opts.MaxUnavailable > 0 && b.unavailable >= b.opts.MaxUnavailable
	default:
		b.unavailable = 0
		return false
	}
}

// hook runs just before a reset would be sent, and decides: the duplicate
// check on the resolved name (not for a listed user: a listing names each
// user once, R24), the breaker and ctx, the email cap, and BeforeSend.
func (b *bulkRun) hook(ctx context.Context, j job) func(*attempt, *Result) verdict {
	return func(a *attempt, res *Result) verdict {
		if j.listed == nil {
			if first, dup := b.claim(resolvedName, j.req.UserPoolID, a.name, j.i); dup {
				return verdict{act: duplicate, dupOf: first}
			}
		}
		if err := b.cause(ctx); err != nil {
			return verdict{act: stop, cause: err}
		}
		if v := b.countEmail(ctx, a, res); v.act != goOn {
			return v
		}
		if b.send && b.opts.BeforeSend != nil {
			if err := b.opts.BeforeSend(j.i, j.req, a.name); err != nil {
				b.trip(err)
				return verdict{act: stop, cause: err}
			}
		}
		return verdict{}
	}
}

// countEmail takes one code of the account's daily email cap when the code
// goes by Cognito's built-in email: predicted so, or, without a prediction,
// when the pool may send email that way at all. The count is the Resetter's
// (or the run's Limiter's, when it counts emails), shared by every pool of
// the account, every run and, through Redis, every process (R36); a plan
// counts on top of it without taking anything, and keeps the Result of an
// input over the cap. A counter that fails fails the input.
func (b *bulkRun) countEmail(ctx context.Context, a *attempt, res *Result) verdict {
	var tally *emailTally
	if !b.send {
		tally = b.emails
	}
	err := a.capEmail(ctx, b.emails.counter, b.opts.DailyEmailLimit, res, b.send, tally)
	var capped *emailCapError
	switch {
	case err == nil:
		return verdict{}
	case errors.As(err, &capped) && !b.send:
		return verdict{act: stop, cause: err, res: res}
	case errors.As(err, &capped):
		return verdict{act: stop, cause: err}
	}
	return verdict{act: fail, err: a.fail(OpPreflight, ErrUnavailable, err)}
}

func byDefaultEmail(p *poolInfo, res *Result) bool {
	if res.Delivery != nil {
		return res.Delivery.Sender == SenderCognitoDefault
	}
	if p == nil {
		return false // PreflightOff: the pool is not read, nothing is known
	}
	return p.emailSender() == SenderCognitoDefault && slices.Contains(p.mechanisms, types.RecoveryOptionNameTypeVerifiedEmail)
}

// one runs one job to its Outcome, deciding from the attempt's verdict.
func (b *bulkRun) one(ctx context.Context, j job) Outcome {
	b.r.tel.activeInputs(ctx, 1)
	defer b.r.tel.activeInputs(ctx, -1)
	if cause := b.cause(ctx); cause != nil {
		return b.notSent(j, cause)
	}
	var res *Result
	var v verdict
	var err error
	if j.listed != nil {
		res, v, err = b.planListed(ctx, j)
	} else {
		res, v, err = b.r.runAttempt(ctx, &attempt{r: b.r, g: b.g, req: j.req, hook: b.hook(ctx, j), signOut: b.opts.SignOut}, b.send)
	}
	switch {
	case v.act == duplicate:
		return Outcome{Index: j.i, Request: j.req, Duplicate: true, DuplicateOf: v.dupOf, PageToken: j.page()}
	case v.act == stop:
		o := b.notSent(j, v.cause)
		o.Result = v.res // a plan's input over the email cap: where the code would go
		return o
	case err != nil && endedUnsent(ctx, err):
		// The run ended while this listed user was read: it was never sent.
		return b.notSent(j, b.cause(ctx))
	}
	if cause, ok := stoppedUnsent(err); ok {
		return b.notSent(j, cause) // a listed user read when the run stopped
	}
	b.observe(err)
	return Outcome{Index: j.i, Request: j.req, Result: res, Err: err, PageToken: j.page()}
}

// notSent is the outcome of an input the run did not send because of cause.
func (b *bulkRun) notSent(j job, cause error) Outcome {
	return Outcome{Index: j.i, Request: j.req, PageToken: j.page(), Err: &Error{Kind: ErrRunStopped, Op: OpBulk,
		UserPoolID: j.req.UserPoolID, Username: j.req.Username, Fate: FateNotSent, Err: cause}}
}
