package resetpw

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
)

// Cognito's account-wide quotas, requests per second, in each Region
// (docs/cognito-rules.md, R28).
const (
	quotaUserAccountRecovery = 30  // AdminResetUserPassword; not adjustable
	quotaUserRead            = 120 // AdminGetUser
	quotaUserList            = 30  // ListUsers
	quotaUserPoolRead        = 15  // DescribeUserPool
	quotaUserUpdate          = 25  // AdminUserGlobalSignOut (R31)
)

// DefaultBulkResetRate is the default pace of a bulk run's resets: half of
// Cognito's UserAccountRecovery quota (30 a second, not adjustable), which
// the application's own ForgotPassword and ConfirmForgotPassword share. A
// run during an incident, when users reset their own passwords, leaves them
// the other half. BulkOptions.ResetRate may go up to the quota.
const DefaultBulkResetRate = 15

// DefaultMaxUnavailable is how many resets in a row may fail as unavailable
// before a bulk run stops (BulkOptions.MaxUnavailable).
const DefaultMaxUnavailable = 5

// BulkOptions tune [Resetter.Bulk], [Resetter.Plan] and [Resetter.PlanPool].
// The zero value means the defaults; rates are requests per second shared by
// all workers of a run, and every rate must stay at or under its quota times
// QuotaScale.
type BulkOptions struct {
	Concurrency  int     // workers; default 8, at most 64
	ResetRate    float64 // AdminResetUserPassword; default DefaultBulkResetRate (quota 30)
	UserReadRate float64 // AdminGetUser; default 100 (quota 120)
	UserListRate float64 // ListUsers; default 25 (quota 30)
	PoolReadRate float64 // DescribeUserPool; default 12 (quota 15)
	SignOutRate  float64 // AdminUserGlobalSignOut; default 20 (quota 25)
	// SignOut signs every user out of every session after their reset is
	// sent, as WithSignOut does; a failed sign-out is counted in
	// Summary.SignOutFailed and never hides the reset.
	SignOut bool
	// Limiter, when set, paces the run instead of the run's own token
	// buckets (the rates above): a limiter shared with other runs and
	// processes, such as resetpw/redislimit's. Without it, a Resetter made
	// WithLimiter uses its own.
	Limiter Limiter
	// QuotaScale multiplies the quotas the rates are checked against, for
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
	ByMedium map[string]int // successes by Delivery.Medium, when predicted
	// OverEmailCap counts the inputs refused because their pool's
	// DailyEmailLimit was reached.
	OverEmailCap int
	// SignedOut and SignOutFailed count the sign-outs after resets sent.
	SignedOut, SignOutFailed int
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
				s.ByMedium = map[string]int{}
			}
			s.ByMedium[o.Result.Delivery.Medium]++
		}
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
	def(&o.ResetRate, DefaultBulkResetRate)
	def(&o.UserReadRate, 100)
	def(&o.UserListRate, 25)
	def(&o.PoolReadRate, 12)
	def(&o.SignOutRate, 20)
	if o.MaxUnavailable == 0 {
		o.MaxUnavailable = DefaultMaxUnavailable
	}
	if o.DailyEmailLimit == 0 {
		o.DailyEmailLimit = DefaultDailyEmailLimit
	}
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
		{"SignOutRate", o.SignOutRate, quotaUserUpdate},
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
//     (golang.org/x/time/rate); resets at DefaultBulkResetRate unless
//     ResetRate says otherwise. When Cognito throttles, the bucket slows
//     down, then recovers as requests go through.
//   - A user that appears twice in a run (the same identifier, or two
//     identifiers that resolve to the same username) is reset once; the
//     repeat gets an Outcome with Duplicate set.
//   - A circuit breaker stops the run at the first failure that is the
//     account's, not the user's (see BulkOptions.KeepGoing): no reset is
//     sent after it, except those already in flight.
//   - In a pool on Cognito's built-in email, at most DailyEmailLimit codes
//     go by email.
//   - When ctx ends or the run stops, Bulk stops reading and sending at
//     once; every input it had read still gets an Outcome, and those not
//     sent get an error of kind ErrRunStopped whose cause is the context's
//     error or the failure that stopped the run.
//
// Bulk returns the Summary and, when the run stopped early, a *Error of kind
// ErrRunStopped that wraps the cause, so that errors.Is matches the cause's
// kind (ErrDeliveryConfig, ...) or context.Canceled as well. Invalid options
// fail with ErrOption before anything is read. Bulk reads reqs from a
// goroutine of its own and returns once reqs yields again or ends, so an
// iterator that blocks (a pipe with no writer) delays its return.
func (r *Resetter) Bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error) {
	return r.bulk(ctx, reqs, opts, each, true)
}

// Plan is Bulk without the resets: the same validation, preflight, pacing,
// deduplication, email cap and breaker, and one Outcome per input that says
// where the code would go (Result.Delivery, with PreflightFull) or why the
// reset would be refused. Nothing is sent; BeforeSend is not called.
// Summary.ByMedium and Summary.OverEmailCap say what a Bulk run of the same
// inputs would do.
func (r *Resetter) Plan(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error) {
	return r.bulk(ctx, reqs, opts, each, false)
}

// job is one input of a run: a request, and for PlanPool the listed user and
// its page.
type job struct {
	i      int
	req    Request
	listed *listedUser
}

func (r *Resetter) bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome), send bool) (Summary, error) {
	return r.runJobs(ctx, opts, each, send, func(b *bulkRun, emit func(job) bool) {
		i := 0
		for req := range reqs {
			if !emit(job{i: i, req: req}) {
				return
			}
			i++
		}
	})
}

// runJobs runs the jobs that produce yields through Concurrency workers and
// hands each outcome to each, as Bulk documents.
func (r *Resetter) runJobs(ctx context.Context, opts BulkOptions, each func(Outcome), send bool, produce func(b *bulkRun, emit func(job) bool)) (Summary, error) {
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
	var g Limiter = newPacer(map[Category]float64{CategoryUserAccountRecovery: opts.ResetRate, CategoryUserRead: opts.UserReadRate,
		CategoryUserList: opts.UserListRate, CategoryUserPoolRead: opts.PoolReadRate, CategoryUserUpdate: opts.SignOutRate}, r.cfg.logger)
	switch {
	case opts.Limiter != nil:
		g = opts.Limiter
	case r.cfg.limiter != nil:
		g = r.cfg.limiter
	}
	b := &bulkRun{r: r, g: g, opts: opts, send: send, claimed: map[userKey]int{},
		emails: newEmailTally(r.emailCounterFor(opts.Limiter)), stop: make(chan struct{})}

	jobs := make(chan job)
	outcomes := make(chan Outcome, opts.Concurrency)
	var read atomic.Int64 // inputs taken by the reader

	var workers sync.WaitGroup
	for range opts.Concurrency {
		workers.Go(func() {
			for j := range jobs {
				outcomes <- b.one(ctx, j)
			}
		})
	}
	go func() {
		defer func() {
			close(jobs)
			workers.Wait()
			close(outcomes)
		}()
		produce(b, func(j job) bool {
			if b.cause(ctx) != nil {
				return false // stop reading: this input was not taken
			}
			read.Store(int64(j.i + 1))
			if j.listed == nil {
				if first, dup := b.claim(givenKey(j.req), j.i); dup {
					outcomes <- Outcome{Index: j.i, Request: j.req, Duplicate: true, DuplicateOf: first}
					return true
				}
			}
			select {
			case jobs <- j:
				return true
			case <-ctx.Done():
				outcomes <- b.notSent(ctx, j)
				return false
			case <-b.stop:
				outcomes <- b.notSent(ctx, j)
				return false
			}
		})
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
	if cause := b.cause(ctx); cause != nil {
		return sum, &Error{Kind: ErrRunStopped, Op: OpBulk, Err: cause}
	}
	return sum, nil
}

// errEmailCap is the cause of the outcomes past a pool's daily email cap.
var errEmailCap = errors.New("the account's daily email cap is reached (Cognito's built-in email; docs/cognito-rules.md, R20, R36)")

type bulkRun struct {
	r    *Resetter
	g    Limiter
	opts BulkOptions
	send bool

	mu          sync.Mutex
	claimed     map[userKey]int // the input that has each user
	emails      *emailTally     // the daily email cap's count (R36)
	unavailable int             // ErrUnavailable failures in a row
	stopCause   error           // why the breaker stopped the run
	stop        chan struct{}   // closed when it did
	stopOnce    sync.Once
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

// trip stops the run with cause, once.
func (b *bulkRun) trip(cause error) {
	b.stopOnce.Do(func() {
		b.mu.Lock()
		b.stopCause = cause
		b.mu.Unlock()
		close(b.stop)
	})
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

// hook runs just before a reset would be sent: the duplicate check on the
// resolved name, the breaker and ctx, the email cap, and BeforeSend.
func (b *bulkRun) hook(ctx context.Context, j job) func(*attempt, *Result) error {
	return func(a *attempt, res *Result) error {
		if first, dup := b.claim(userKey{pool: j.req.UserPoolID, name: a.name, resolved: true}, j.i); dup {
			return &duplicate{first}
		}
		if err := b.cause(ctx); err != nil {
			return &stopped{err}
		}
		if err := b.countEmail(ctx, a, res); err != nil {
			return err
		}
		if b.send && b.opts.BeforeSend != nil {
			if err := b.opts.BeforeSend(j.i, j.req, a.name); err != nil {
				b.trip(err)
				return &stopped{err}
			}
		}
		return nil
	}
}

// countEmail takes one code of the account's daily email cap when the code
// goes by Cognito's built-in email: predicted so, or, without a prediction,
// when the pool may send email that way at all. The count is the Resetter's
// (or the run's Limiter's, when it counts emails), shared by every pool of
// the account, every run and, through Redis, every process (R36); a plan
// counts on top of it without taking anything, and keeps the Result of an
// input over the cap.
func (b *bulkRun) countEmail(ctx context.Context, a *attempt, res *Result) error {
	var tally *emailTally
	if !b.send {
		tally = b.emails
	}
	err := a.capEmail(ctx, b.emails.counter, b.opts.DailyEmailLimit, res, b.send, tally)
	var capped *emailCapError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &capped) && !b.send:
		return &overEmailCap{stopped{err}, res}
	case errors.As(err, &capped):
		return &stopped{err}
	}
	return a.fail(OpPreflight, ErrUnavailable, err)
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

// one runs one job to its Outcome.
func (b *bulkRun) one(ctx context.Context, j job) Outcome {
	if b.cause(ctx) != nil {
		return b.notSent(ctx, j)
	}
	var res *Result
	var err error
	if j.listed != nil {
		res, err = b.planListed(ctx, j)
	} else {
		res, err = b.r.runAttempt(ctx, &attempt{r: b.r, g: b.g, req: j.req, hook: b.hook(ctx, j), signOut: b.opts.SignOut}, b.send)
	}
	o := Outcome{Index: j.i, Request: j.req, Result: res, Err: err}
	if j.listed != nil {
		o.PageToken = j.listed.page
	}
	var dup *duplicate
	var stop *stopped
	switch {
	case errors.As(err, &dup):
		return Outcome{Index: j.i, Request: j.req, Duplicate: true, DuplicateOf: dup.first, PageToken: o.PageToken}
	case errors.As(err, &stop):
		o.Result = nil
		if over := (*overEmailCap)(nil); errors.As(err, &over) {
			o.Result = over.res // a plan still says where the code would go
		}
		o.Err = &Error{Kind: ErrRunStopped, Op: OpBulk, UserPoolID: j.req.UserPoolID, Username: j.req.Username, Err: stop.cause}
		return o
	case err != nil && !MaybeSent(err) && isContextErr(err) && b.cause(ctx) != nil:
		// The run ended while this input was still in its preflight: it was
		// never sent.
		return b.notSent(ctx, j)
	}
	b.observe(err)
	return o
}

func (b *bulkRun) notSent(ctx context.Context, j job) Outcome {
	o := Outcome{Index: j.i, Request: j.req, Err: &Error{Kind: ErrRunStopped, Op: OpBulk, UserPoolID: j.req.UserPoolID,
		Username: j.req.Username, Err: b.cause(ctx)}}
	if j.listed != nil {
		o.PageToken = j.listed.page
	}
	return o
}
