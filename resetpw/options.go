package resetpw

import (
	"context"
	"log/slog"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/quota"
)

// Option configures a Resetter in New; packages groundtruth and otelreset
// have more.
// Options check their arguments: New fails with an *Error of kind ErrConfig
// when one is invalid. Each setting has one option.
type Option func(*settings) error

// settings are what the options set.
type settings = engine.Config

// Preflight says how much is checked before a reset is sent (WithPreflight;
// a bulk run's options can ask another level). Its values are the names a
// flag or a configuration file gives: "full", "pool" and "off", so that
// resetpw.Preflight(s) reads one, and WithPreflight refuses any other.
type Preflight string

const (
	// PreflightFull, the default, reads the pool (cached) and the user, predicts
	// where the code goes, and refuses resets that would lock the user out.
	PreflightFull Preflight = "full"
	// PreflightPool reads the pool (cached): admin_only recovery is refused
	// and aliases are resolved. The user is read only to ask whether an
	// email or phone number is a username (R32), or when ListUsers found
	// it, to confirm it (R23), and in a bulk run to learn its username;
	// nothing is predicted, so Result.Delivery is nil.
	PreflightPool Preflight = "pool"
	// PreflightOff sends the reset after local validation only, with the
	// Username as typed (trimmed) whenever that is a valid username, for
	// Cognito to read (R32). Cognito's own errors map to the same kinds,
	// except those Cognito does not report (SMS sandbox and SMS
	// configuration failures drop the code silently).
	PreflightOff Preflight = "off"
)

// WithPreflight sets how much is checked before a reset is sent; the
// default is PreflightFull. Any other value than the three is ErrConfig.
func WithPreflight(p Preflight) Option { return Option(engine.WithPreflight(string(p))) }

// WithMetadataPolicy sets the policy ClientMetadata must meet; the default
// is metadata.DefaultPolicy(). The policy must pass metadata.Policy.Check.
func WithMetadataPolicy(p metadata.Policy) Option { return Option(engine.WithMetadataPolicy(p)) }

// WithAliasOptions sets how identifiers are read, such as the default
// country code of national phone numbers.
func WithAliasOptions(o alias.Options) Option { return Option(engine.WithAliasOptions(o)) }

// WithPoolCacheTTL sets how long a pool description (and SNS's and SES's
// answers) is reused; the default is 5 minutes. It must be between 1 second
// and 24 hours.
func WithPoolCacheTTL(d time.Duration) Option { return Option(engine.WithPoolCacheTTL(d)) }

// WithLogger sets where the Resetter logs, with the caller's context: one
// Info line per reset sent ("password reset sent") or dry run passed
// ("password reset checked"), one Warn line per reset refused ("password
// reset refused"), failed ("password reset failed") or sent with a failed
// sign-out ("password reset sent, sign-out failed"), and Debug lines per
// retry and per change of a bulk run's pace. Keys: pool, user (masked),
// input, dry_run, cognito_request_id, metadata_keys (how many), signed_out,
// medium, destination (masked), sender, caveats, kind, op, error. No
// metadata values, ever. The default discards.
func WithLogger(l *slog.Logger) Option { return Option(engine.WithLogger(l)) }

// WithLogAttrs adds to every line the Resetter logs what attrs returns for
// the line's context, such as a service's request ID. It is called only for
// enabled lines, from any goroutine; it must not log through the same
// logger, and must return no secret. A later WithLogAttrs replaces it.
func WithLogAttrs(attrs func(ctx context.Context) []slog.Attr) Option {
	return Option(engine.WithLogAttrs(attrs))
}

// WithRetries sets how often one call is retried, 0 to 10 (default 3), and
// the delays between retries: equal jitter, half of base·2ⁿ (capped at
// max) plus up to as much again at random (defaults 100ms and 2s; 0 < base
// <= max <= 1m). Retried are throttled calls, reads that fail as
// unavailable, and a reset that provably was not sent (FateNotSent); never
// LimitExceededException, nor a reset that may have been processed
// (MaybeSent; R29, R33). The SDK client's own retries are turned off on
// the per-call copy of its options; the client itself is unchanged.
func WithRetries(n int, base, max time.Duration) Option {
	return Option(engine.WithRetries(n, base, max))
}

// WithClientOptions adds functional options, such as a custom endpoint
// resolver, HTTP client or API middleware, to every Cognito call the
// Resetter makes, as feature/s3/manager does. Whatever they set, each call
// makes one attempt and sends at most one HTTP request (R29); an HTTPClient
// they set is used, wrapped to record each request's Fate.
func WithClientOptions(opts ...func(*cip.Options)) Option {
	return Option(engine.WithClientOptions(opts...))
}

// WithLimiter paces every Cognito call of the Resetter, single resets
// included, through l, and its bulk runs too unless their options name
// another. Without it, single resets are not paced and each bulk run paces
// itself. l is only a Limiter: the email cap is WithEmailCap's, whatever
// else l is.
func WithLimiter(l quota.Limiter) Option { return Option(engine.WithLimiter(l)) }

// WithEmailCap sets the daily cap of Cognito's built-in email for every
// action of the Resetter, bulk runs included: at most limit codes per AWS
// account and Region in a rolling 24 hours, counted in counter; a code past
// it is refused as ErrDeliveryConfig before anything is sent (R20, R36). A
// negative limit turns the cap off; 0 keeps quota.DefaultDailyEmailLimit,
// Cognito's own. A nil counter keeps the Resetter's own count; share one
// (quota.NewLocalEmailCounter, quota/redisquota's Limiter) to share the cap.
// Without WithEmailCap the cap is quota.DefaultDailyEmailLimit, counted by
// the Resetter alone.
func WithEmailCap(limit int, counter quota.EmailCounter) Option {
	return Option(engine.WithEmailCap(limit, counter))
}

// WithCustomMessage gives the preflight the check of the custom message
// trigger lambdaARN, such as a custommessage.Handler's CheckMetadata: once
// it reads a pool whose LambdaConfig.CustomMessage is lambdaARN (not with
// PreflightOff), a request whose ClientMetadata (a copy) check refuses is
// ErrInvalidInput (Op OpValidate, Field "ClientMetadata"), nothing sent, and
// the pool's results carry no CaveatCustomMessage. check must be safe for
// concurrent use and name keys, never values, in its error (R60).
func WithCustomMessage(lambdaARN string, check func(metadata map[string]string) error) Option {
	return Option(engine.WithCustomMessage(lambdaARN, check))
}
