package resetpw

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// Category is a Cognito quota category, as Cognito's quotas page names it
// (docs/cognito-rules.md, R28): the budget a call draws on, shared by every
// caller in the account and Region.
type Category string

// The categories of the calls a Resetter makes.
const (
	CategoryUserAccountRecovery Category = "UserAccountRecovery" // AdminResetUserPassword: 30/s, not adjustable
	CategoryUserRead            Category = "UserRead"            // AdminGetUser: 120/s
	CategoryUserList            Category = "UserList"            // ListUsers: 30/s
	CategoryUserPoolRead        Category = "UserPoolRead"        // DescribeUserPool: 15/s
	CategoryUserUpdate          Category = "UserUpdate"          // AdminUserGlobalSignOut: 25/s (R31)
)

// opNames names each category's operation, for log lines.
var opNames = map[Category]string{CategoryUserAccountRecovery: "AdminResetUserPassword", CategoryUserRead: "AdminGetUser",
	CategoryUserList: "ListUsers", CategoryUserPoolRead: "DescribeUserPool", CategoryUserUpdate: "AdminUserGlobalSignOut"}

// Limiter paces the Cognito calls of a Resetter (WithLimiter) or of a bulk
// run (BulkOptions.Limiter): Wait is called before every call, and
// Throttled or Succeeded after it. Implementations must be safe for
// concurrent use. NewLocalLimiter is the in-process one that bulk runs use
// by default; package resetpw/redislimit shares one budget among processes.
type Limiter interface {
	// Wait blocks until a call in category c may go out. An error sends
	// nothing: the call fails with it (ErrUnavailable unless the context
	// ended).
	Wait(ctx context.Context, c Category) error
	// Throttled says Cognito answered a call in c with throttling; an
	// adaptive limiter slows down.
	Throttled(c Category)
	// Succeeded says a call in c went through; an adaptive limiter recovers.
	Succeeded(c Category)
}

// noSDKRetry makes the SDK send a request once: the Resetter retries by
// itself, so that throttling is retried, LimitExceededException never is,
// and a reset is never sent twice after a transport failure. It works on the
// per-call copy of the client's options; the caller's client is unchanged.
func noSDKRetry(o *cip.Options) {
	if o.Retryer == nil {
		o.Retryer = retry.NewStandard()
	}
	o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 1)
}

// call sends one operation, retrying throttling (all operations) and, for
// reads, unavailability, with jittered exponential backoff that respects ctx;
// each retry is logged at Debug. The caller's WithClientOptions apply to
// every call, then the SDK's own retries are turned off for it.
func call[T any](ctx context.Context, r *Resetter, g Limiter, c Category, fn func(context.Context, ...func(*cip.Options)) (T, error)) (T, error) {
	optFns := r.callOpts
	for attempt := 0; ; attempt++ {
		var zero T
		if g != nil {
			if err := g.Wait(ctx, c); err != nil {
				return zero, &notSent{err}
			}
		}
		out, err := fn(ctx, optFns...)
		if err == nil {
			if g != nil {
				g.Succeeded(c)
			}
			return out, nil
		}
		kind := classify(err)
		if kind == ErrThrottled && g != nil {
			g.Throttled(c)
		}
		retryable := kind == ErrThrottled ||
			(c != CategoryUserAccountRecovery && kind == ErrUnavailable && ctx.Err() == nil)
		if !retryable || attempt >= r.cfg.maxRetries || ctx.Err() != nil {
			return out, err
		}
		delay := r.backoff(attempt)
		if r.cfg.logger.Enabled(ctx, slog.LevelDebug) {
			r.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "cognito call retried", slog.String("operation", opNames[c]),
				slog.String("kind", kind.Code()), slog.Int("retry", attempt+1), slog.Duration("delay", delay))
		}
		if err := sleep(ctx, delay); err != nil {
			return zero, err
		}
	}
}

// notSent wraps the error of a call that never went out: its limiter's Wait
// failed, or its context ended while it waited.
type notSent struct{ err error }

func (e *notSent) Error() string { return e.err.Error() }
func (e *notSent) Unwrap() error { return e.err }

// backoff returns an equal-jitter delay for the given retry: half of
// base·2ⁿ (capped at max), plus up to as much again at random.
func (r *Resetter) backoff(attempt int) time.Duration {
	d := r.cfg.backoffBase << min(attempt, 16)
	if d > r.cfg.backoffMax || d <= 0 {
		d = r.cfg.backoffMax
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
