package resetpw

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// category is a Cognito quota category.
type category int

const (
	catRecovery category = iota // UserAccountRecovery: AdminResetUserPassword
	catUserRead                 // UserRead: AdminGetUser
	catUserList                 // UserList: ListUsers
	catPoolRead                 // UserPoolRead: DescribeUserPool
	numCategories
)

func (c category) String() string {
	return [...]string{"UserAccountRecovery", "UserRead", "UserList", "UserPoolRead"}[c]
}

// opNames names each category's operation, for log lines.
var opNames = [numCategories]string{"AdminResetUserPassword", "AdminGetUser", "ListUsers", "DescribeUserPool"}

// gate paces requests; a bulk run supplies one, a single Reset does not.
type gate interface {
	wait(ctx context.Context, c category) error
	throttled(c category)
	ok(c category)
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
func call[T any](ctx context.Context, r *Resetter, g gate, c category, fn func(context.Context, ...func(*cip.Options)) (T, error)) (T, error) {
	optFns := r.callOpts
	for attempt := 0; ; attempt++ {
		var zero T
		if g != nil {
			if err := g.wait(ctx, c); err != nil {
				return zero, &notSent{err}
			}
		}
		out, err := fn(ctx, optFns...)
		if err == nil {
			if g != nil {
				g.ok(c)
			}
			return out, nil
		}
		kind := classify(err)
		if kind == ErrThrottled && g != nil {
			g.throttled(c)
		}
		retryable := kind == ErrThrottled ||
			(c != catRecovery && kind == ErrUnavailable && ctx.Err() == nil)
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

// notSent wraps the error of a call that never went out: its context ended
// while it waited for the run's pace.
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
