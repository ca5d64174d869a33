package resetpw

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

// Preflight says how much a Resetter checks before it sends a reset.
type Preflight int

const (
	// PreflightFull reads the pool (cached) and the user, predicts where the
	// code will go, and refuses resets that would lock the user out. Each
	// reset costs AdminGetUser plus AdminResetUserPassword once the pool is
	// cached. The default.
	PreflightFull Preflight = iota
	// PreflightPool reads the pool (cached): admin_only recovery is refused
	// and aliases are resolved. The user is read only to ask whether an
	// email or phone number is a username (R32), or when ListUsers found
	// it, to confirm it (docs/cognito-rules.md, R23), and in a bulk run
	// (Bulk, Plan) to learn its username, which tells the run's users
	// apart; nothing is predicted, so Result.Delivery is nil and
	// Result.Caveats empty.
	PreflightPool
	// PreflightOff sends the reset after local validation only, with the
	// Username as typed (trimmed) whenever that is a valid username, for
	// Cognito to read (docs/cognito-rules.md, R32). Cognito's
	// own errors map to the same kinds that preflight would have given,
	// except those Cognito does not report (SMS sandbox and SMS
	// configuration failures drop the code silently); Result.Delivery is nil.
	// A bulk run reads nothing either, so it tells inputs apart only as
	// typed: two names of one user (its username and its sub or an alias)
	// send two codes.
	PreflightOff
)

// String returns the preflight's name, "full", "pool" or "off", as
// ParsePreflight reads it.
func (p Preflight) String() string {
	switch p {
	case PreflightFull:
		return "full"
	case PreflightPool:
		return "pool"
	case PreflightOff:
		return "off"
	}
	return fmt.Sprintf("Preflight(%d)", int(p))
}

// ParsePreflight reads "full", "pool" or "off". Its error is a *Error of
// kind ErrInvalidInput (Op OpValidate, Field "Preflight") that matches
// ErrOption.
func ParsePreflight(s string) (Preflight, error) {
	for _, p := range []Preflight{PreflightFull, PreflightPool, PreflightOff} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, optionErr("Preflight", "preflight %q is not one of full, pool, off", s)
}

// Defaults of a Resetter.
const (
	defaultPoolCacheTTL       = 5 * time.Minute
	defaultMaxThrottleRetries = 3
	defaultBackoffBase        = 100 * time.Millisecond
	defaultBackoffMax         = 2 * time.Second
)

// ErrOption is matched, with errors.Is, by the error of an invalid option:
// that error is a *Error of kind ErrInvalidInput, Op OpValidate, whose
// Field names the option ("WithBackoff", "BulkOptions.Concurrency").
var ErrOption = errors.New("resetpw: invalid option")

// Option configures a Resetter in New. Options check their arguments: New
// fails with a *Error of kind ErrInvalidInput matching ErrOption when one is
// invalid (see ErrOption).
type Option func(*config) error

type config struct {
	policy          metadata.Policy
	preflight       Preflight
	poolTTL         time.Duration
	sandboxVerified map[string]bool
	sns             SNSAPI
	ses             SESAPI       // WithSES
	emails          EmailCounter // WithEmailCounter; nil: the limiter's, or a local one
	dailyEmail      int          // WithDailyEmailLimit; below 0: no cap
	clientOpts      []func(*cip.Options)
	limiter         Limiter
	signOut         bool
	aliasOpts       alias.Options
	logger          *slog.Logger // logBase, with logAttrs' attributes
	logBase         *slog.Logger // WithLogger
	logAttrs        func(context.Context) []slog.Attr
	maxRetries      int
	backoffBase     time.Duration
	backoffMax      time.Duration
	tracerProvider  trace.TracerProvider // WithTracerProvider; nil: the global one
	meterProvider   metric.MeterProvider // WithMeterProvider; nil: the global one
}

func defaultConfig() config {
	return config{
		policy:      metadata.DefaultPolicy(),
		preflight:   PreflightFull,
		poolTTL:     defaultPoolCacheTTL,
		logger:      slog.New(slog.DiscardHandler),
		logBase:     slog.New(slog.DiscardHandler),
		maxRetries:  defaultMaxThrottleRetries,
		dailyEmail:  DefaultDailyEmailLimit,
		backoffBase: defaultBackoffBase,
		backoffMax:  defaultBackoffMax,
	}
}

// optionErr builds the error of an invalid option: a *Error of kind
// ErrInvalidInput, Op OpValidate, Field the option, whose cause matches
// ErrOption. Nothing is sent.
func optionErr(field, format string, a ...any) error {
	return &Error{Kind: ErrInvalidInput, Op: OpValidate, Field: Field(field), Fate: FateNotSent,
		Err: fmt.Errorf("%w: "+format, append([]any{ErrOption}, a...)...)}
}

// WithMetadataPolicy sets the policy ClientMetadata must meet; the default
// is metadata.DefaultPolicy(). The policy must pass metadata.Policy.Check.
func WithMetadataPolicy(p metadata.Policy) Option {
	return func(c *config) error {
		if err := p.Check(); err != nil {
			return optionErr("WithMetadataPolicy", "%w", err)
		}
		c.policy = p
		return nil
	}
}

// WithPreflight sets how much is checked before a reset is sent; the default
// is PreflightFull.
func WithPreflight(p Preflight) Option {
	return func(c *config) error {
		if p < PreflightFull || p > PreflightOff {
			return optionErr("WithPreflight", "unknown preflight %d", int(p))
		}
		c.preflight = p
		return nil
	}
}

// WithPoolCacheTTL sets how long a pool description is reused; the default
// is 5 minutes. It must be between 1 second and 24 hours.
func WithPoolCacheTTL(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second || d > 24*time.Hour {
			return optionErr("WithPoolCacheTTL", "pool cache TTL %v is outside 1s..24h", d)
		}
		c.poolTTL = d
		return nil
	}
}

// WithSandboxVerifiedNumbers lists the phone numbers verified in the SNS SMS
// sandbox: codes to them are not refused as ErrSMSSandbox. Numbers must be
// E.164, separators allowed.
func WithSandboxVerifiedNumbers(numbers ...string) Option {
	return func(c *config) error {
		if c.sandboxVerified == nil {
			c.sandboxVerified = map[string]bool{}
		}
		for _, n := range numbers {
			p, err := alias.Normalize(n, alias.Phone, alias.PoolConfig{CaseSensitive: true}, alias.Options{})
			if err != nil {
				return optionErr("WithSandboxVerifiedNumbers", "sandbox verified number: %w", err)
			}
			c.sandboxVerified[p] = true
		}
		return nil
	}
}

// WithAliasOptions sets how identifiers are read, such as the default country
// code of national phone numbers.
func WithAliasOptions(o alias.Options) Option {
	return func(c *config) error {
		if err := o.Check(); err != nil {
			return optionErr("WithAliasOptions", "%w", err)
		}
		c.aliasOpts = o
		return nil
	}
}

// WithLogger sets where the Resetter logs, with the caller's context (so a
// handler can add request-scoped attributes): one Info line per reset sent
// ("password reset sent") or dry run passed ("password reset checked"), one
// Warn line per reset refused ("password reset refused"), failed
// ("password reset failed") or sent with a failed sign-out ("password reset
// sent, sign-out failed"), and Debug lines per retry and per change of a
// bulk run's pace. Keys: pool, user (masked), input, dry_run,
// cognito_request_id (Cognito's request ID), metadata_keys (how many),
// signed_out, medium, destination (masked), sender, caveats, kind, op,
// error. No metadata values, ever. The default discards. WithLogAttrs adds
// attributes of the caller's context, such as its own request ID.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return optionErr("WithLogger", "nil logger")
		}
		c.logBase = l
		c.setLogger()
		return nil
	}
}

// WithLogAttrs adds request-scoped attributes to every line the Resetter
// logs (WithLogger): attrs is called with the context the line is logged
// with, the one given to the call that logs it (Reset, Check, Bulk;
// context.Background for the Debug lines of a bulk run's pace), and what
// it returns is added to the line. A service puts its request ID on the
// library's lines, so that they join its own:
//
//	resetpw.WithLogAttrs(func(ctx context.Context) []slog.Attr {
//		return []slog.Attr{slog.String("request_id", requestIDFrom(ctx))}
//	})
//
// attrs is called only for lines the logger is enabled for, from any
// goroutine; it must not log through the same logger, and must return no
// secret (no token, no metadata value). A later WithLogAttrs replaces it.
func WithLogAttrs(attrs func(ctx context.Context) []slog.Attr) Option {
	return func(c *config) error {
		if attrs == nil {
			return optionErr("WithLogAttrs", "nil function")
		}
		c.logAttrs = attrs
		c.setLogger()
		return nil
	}
}

// setLogger builds the logger of WithLogger and WithLogAttrs, in whichever
// order they came.
func (c *config) setLogger() {
	c.logger = c.logBase
	if c.logAttrs != nil {
		c.logger = slog.New(ctxAttrsHandler{c.logBase.Handler(), c.logAttrs})
	}
}

// ctxAttrsHandler adds the attributes of a record's context (WithLogAttrs).
type ctxAttrsHandler struct {
	slog.Handler
	attrs func(context.Context) []slog.Attr
}

// Handle adds attrs(ctx) to a copy of r.
func (h ctxAttrsHandler) Handle(ctx context.Context, r slog.Record) error {
	if as := h.attrs(ctx); len(as) > 0 {
		r = r.Clone()
		r.AddAttrs(as...)
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs and WithGroup keep the wrapper.
func (h ctxAttrsHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ctxAttrsHandler{h.Handler.WithAttrs(as), h.attrs}
}

func (h ctxAttrsHandler) WithGroup(name string) slog.Handler {
	return ctxAttrsHandler{h.Handler.WithGroup(name), h.attrs}
}

// WithMaxThrottleRetries sets how often one call is retried, 0 to 10; the
// default is 3. Retried are throttled calls (TooManyRequestsException) of
// every operation, reads (DescribeUserPool, AdminGetUser, ListUsers) that
// fail as unavailable (a 5xx, a transport failure), and a reset that was
// provably not sent (FateNotSent: a refused connection, DNS, TLS). Never
// retried are LimitExceededException, and an AdminResetUserPassword that
// may have been processed (MaybeSent; docs/cognito-rules.md, R29, R33).
// The SDK client's own retries are turned off for every call the Resetter
// makes, on the per-call copy of its options; the client itself is
// unchanged.
func WithMaxThrottleRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 10 {
			return optionErr("WithMaxThrottleRetries", "max throttle retries %d is outside 0..10", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithClientOptions adds functional options, such as a custom endpoint
// resolver, HTTP client or API middleware, to every Cognito call the
// Resetter makes, as aws-sdk-go-v2's feature/s3/manager does. They apply to
// the per-call copy of the client's options, before the Resetter's own
// option: whatever they set (RetryMaxAttempts, RetryMode, Retryer,
// APIOptions that retry), each call makes one attempt and sends at most
// one HTTP request (R29). An HTTPClient they set is used, wrapped to record
// each request's Fate; the request reaches it without GetBody, so that
// net/http can't send it again by itself.
func WithClientOptions(opts ...func(*cip.Options)) Option {
	return func(c *config) error {
		for _, o := range opts {
			if o == nil {
				return optionErr("WithClientOptions", "nil client option")
			}
		}
		c.clientOpts = append(c.clientOpts, opts...)
		return nil
	}
}

// WithSignOut signs the user out of every session (AdminUserGlobalSignOut)
// after each reset that was sent, so that an attacker's refresh tokens stop
// working; Request.SignOut asks it for one reset. The sign-out is paced
// in CategoryUserUpdate, retried like a read (it can be repeated safely), and
// its failure never hides the reset: the Result says both (SignedOut,
// SignOutErr).
func WithSignOut() Option {
	return func(c *config) error {
		c.signOut = true
		return nil
	}
}

// WithLimiter paces every Cognito call of the Resetter, single resets
// included, through l, and bulk runs too unless their BulkOptions name
// another. Without it, single resets are not paced and each bulk run paces
// itself. Give the Resetters of many processes one budget with
// resetpw/redislimit.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return optionErr("WithLimiter", "nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithBackoff sets the delays between retries: equal jitter, that is half
// of base·2ⁿ (capped at max) plus up to as much again at random. The
// defaults are 100ms and 2s.
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) error {
		if base <= 0 || max < base || max > time.Minute {
			return optionErr("WithBackoff", "backoff base %v, max %v: need 0 < base <= max <= 1m", base, max)
		}
		c.backoffBase, c.backoffMax = base, max
		return nil
	}
}

// WithDailyEmailLimit sets the daily cap of Cognito's built-in email that
// Reset and Check keep to, per AWS account and Region over a rolling 24
// hours (EmailWindow): a code that would go by COGNITO_DEFAULT email past it
// is refused as ErrDeliveryConfig before anything is sent
// (docs/cognito-rules.md, R20, R36). The default is DefaultDailyEmailLimit,
// Cognito's own; a negative n turns the cap off. Bulk runs use
// BulkOptions.DailyEmailLimit, against the same count, and this cap when it
// is 0. 0 keeps the default.
func WithDailyEmailLimit(n int) Option {
	return func(c *config) error {
		c.dailyEmail = n
		if n == 0 {
			c.dailyEmail = DefaultDailyEmailLimit
		}
		return nil
	}
}

// WithEmailCounter sets where the daily email cap is counted. The default
// is the WithLimiter limiter when it is also an EmailCounter (as
// resetpw/redislimit's is, sharing the count among processes), and
// otherwise a LocalEmailCounter of the Resetter's own; give Resetters of one
// process one LocalEmailCounter to share the cap among them. Set, it is
// also the count of every bulk run, whatever BulkOptions.Limiter is.
func WithEmailCounter(ec EmailCounter) Option {
	return func(c *config) error {
		if ec == nil {
			return optionErr("WithEmailCounter", "nil EmailCounter")
		}
		c.emails = ec
		return nil
	}
}

// WithTracerProvider sets the OpenTelemetry TracerProvider of the
// Resetter's spans: one for each Reset, Check, CheckPool, Bulk, Plan and
// PlanPool (docs/telemetry.md). By default, and when tp is nil, it is the
// global one (otel.GetTracerProvider), as at the time New is called.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		c.tracerProvider = tp
		return nil
	}
}

// WithMeterProvider sets the OpenTelemetry MeterProvider of the Resetter's
// metrics (docs/telemetry.md), whose instruments New creates once. By
// default, and when mp is nil, it is the global one (otel.GetMeterProvider).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) error {
		c.meterProvider = mp
		return nil
	}
}
