package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/quota"
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
	// (bulk.Run, bulk.Plan) to learn its username, which tells the run's users
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
// String returns the preflight's name, "full", "pool" or "off"
// (resetpw.Preflight's values), as ParsePreflight reads it.
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
// kind ErrConfig that names option.
func ParsePreflight(option, s string) (Preflight, error) {
	for _, p := range []Preflight{PreflightFull, PreflightPool, PreflightOff} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, optionErr(option, "preflight %q is not one of full, pool, off", s)
}

// Defaults of a Resetter.
const (
	defaultPoolCacheTTL       = 5 * time.Minute
	defaultMaxThrottleRetries = 3
	defaultBackoffBase        = 100 * time.Millisecond
	defaultBackoffMax         = 2 * time.Second
)

// Option configures a Resetter in New. Options check their arguments: New
// fails with a *Error of kind ErrConfig when one is invalid.
type Option func(*Config) error

type Config struct {
	policy          metadata.Policy
	preflight       Preflight
	poolTTL         time.Duration
	sandboxVerified map[string]bool
	sms             SMSTruth           // groundtruth.WithSNS
	eums            SMSTruth           // groundtruth.WithEndUserMessaging
	email           EmailTruth         // groundtruth.WithSES
	emails          quota.EmailCounter // WithEmailCap; nil: the Engine's own
	dailyEmail      int                // WithEmailCap; below 0: no cap
	clientOpts      []func(*cip.Options)
	limiter         quota.Limiter
	aliasOpts       alias.Options
	logger          *slog.Logger // logBase, with logAttrs' attributes
	logBase         *slog.Logger // WithLogger
	logAttrs        func(context.Context) []slog.Attr
	maxRetries      int
	backoffBase     time.Duration
	backoffMax      time.Duration
	tracerProvider  any                                // WithProviders; a trace.TracerProvider
	meterProvider   any                                // WithProviders; a metric.MeterProvider
	newObserver     func(tp, mp any) (Observer, error) // WithObserver; nil: nopObserver
	messages        messageTrigger                     // WithCustomMessage; nil: none
}

func defaultConfig() Config {
	return Config{
		policy:      metadata.DefaultPolicy(),
		preflight:   PreflightFull,
		poolTTL:     defaultPoolCacheTTL,
		logger:      slog.New(slog.DiscardHandler),
		logBase:     slog.New(slog.DiscardHandler),
		maxRetries:  defaultMaxThrottleRetries,
		dailyEmail:  quota.DefaultDailyEmailLimit,
		backoffBase: defaultBackoffBase,
		backoffMax:  defaultBackoffMax,
	}
}

// optionErr builds the error of an invalid option: a *Error of kind
// ErrConfig, Op OpValidate, whose text names the option. Nothing is sent.
func optionErr(option, format string, a ...any) error {
	return &Error{Kind: ErrConfig, Op: OpValidate, Fate: FateNotSent, Err: fmt.Errorf(option+": "+format, a...)}
}

// WithMetadataPolicy sets the policy ClientMetadata must meet; the default
// is metadata.DefaultPolicy(). The policy must pass metadata.Policy.Check.
func WithMetadataPolicy(p metadata.Policy) Option {
	return func(c *Config) error {
		if err := p.Check(); err != nil {
			return optionErr("WithMetadataPolicy", "%w", err)
		}
		c.policy = p
		return nil
	}
}

// WithPreflight sets how much is checked before a reset is sent; the default
// is PreflightFull.
func WithPreflight(name string) Option {
	return func(c *Config) error {
		p, err := ParsePreflight("WithPreflight", name)
		if err != nil {
			return err
		}
		c.preflight = p
		return nil
	}
}

// WithPoolCacheTTL sets how long a pool description is reused; the default
// is 5 minutes. It must be between 1 second and 24 hours.
func WithPoolCacheTTL(d time.Duration) Option {
	return func(c *Config) error {
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
	return func(c *Config) error {
		if c.sandboxVerified == nil {
			c.sandboxVerified = map[string]bool{}
		}
		for _, n := range numbers {
			p, err := alias.Normalize(n, alias.Phone, alias.PoolConfig{CaseSensitive: true}, alias.Options{})
			if err != nil {
				return optionErr("WithSandboxNumbers", "sandbox verified number: %w", err)
			}
			c.sandboxVerified[p] = true
		}
		return nil
	}
}

// WithAliasOptions sets how identifiers are read, such as the default country
// code of national phone numbers.
func WithAliasOptions(o alias.Options) Option {
	return func(c *Config) error {
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
	return func(c *Config) error {
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
	return func(c *Config) error {
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
func (c *Config) setLogger() {
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
	return func(c *Config) error {
		for _, o := range opts {
			if o == nil {
				return optionErr("WithClientOptions", "nil client option")
			}
		}
		c.clientOpts = append(c.clientOpts, opts...)
		return nil
	}
}

// WithLimiter paces every Cognito call of the Resetter, single resets
// included, through l, and bulk runs too unless their options name
// another. Without it, single resets are not paced and each bulk run paces
// itself. Give the Resetters of many processes one budget with
// quota/redisquota. l is only a Limiter: the email cap is WithEmailCap's,
// whatever else l is.
func WithLimiter(l quota.Limiter) Option {
	return func(c *Config) error {
		if l == nil {
			return optionErr("WithLimiter", "nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithRetries sets how often one call is retried, 0 to 10 (default 3),
// and the delays between retries: equal jitter, that is half of base·2ⁿ
// (capped at max) plus up to as much again at random (defaults 100ms and
// 2s; 0 < base <= max <= 1m). Retried are throttled calls
// (TooManyRequestsException) of every operation, reads (DescribeUserPool,
// AdminGetUser, ListUsers, AdminUserGlobalSignOut) that fail as
// unavailable (a 5xx, a transport failure), and a reset that was provably
// not sent (FateNotSent: a refused connection, DNS, TLS). Never retried
// are LimitExceededException, and an AdminResetUserPassword that may have
// been processed (MaybeSent; docs/cognito-rules.md, R29, R33). The SDK
// client's own retries are turned off for every call, on the per-call copy
// of its options; the client itself is unchanged.
func WithRetries(n int, base, max time.Duration) Option {
	return func(c *Config) error {
		if n < 0 || n > 10 {
			return optionErr("WithRetries", "max retries %d is outside 0..10", n)
		}
		if base <= 0 || max < base || max > time.Minute {
			return optionErr("WithRetries", "backoff base %v, max %v: need 0 < base <= max <= 1m", base, max)
		}
		c.maxRetries, c.backoffBase, c.backoffMax = n, base, max
		return nil
	}
}

// WithEmailCap sets the daily cap of Cognito's built-in email, the one
// setting of the cap for every Reset, Check, CheckPool and bulk run of the
// Resetter: at most limit codes a day go by Cognito's built-in email
// (EmailSendingAccount COGNITO_DEFAULT) per AWS account and Region, counted
// over a rolling 24 hours (quota.EmailWindow) in counter; a code past it
// is refused as ErrDeliveryConfig before anything is sent
// (docs/cognito-rules.md, R20, R36). A negative limit turns the cap off,
// 0 keeps quota.DefaultDailyEmailLimit, Cognito's own. A nil counter keeps
// the Resetter's own in-process count; give Resetters one counter to share
// the cap (quota.NewLocalEmailCounter in a process, quota/redisquota's
// Limiter across processes). Without WithEmailCap, the cap is
// quota.DefaultDailyEmailLimit, counted by the Resetter alone.
func WithEmailCap(limit int, counter quota.EmailCounter) Option {
	return func(c *Config) error {
		c.dailyEmail = limit
		if limit == 0 {
			c.dailyEmail = quota.DefaultDailyEmailLimit
		}
		c.emails = counter
		return nil
	}
}
