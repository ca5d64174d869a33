package resetpw

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

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

// call sends one operation through the wire (see wire): the caller's
// WithClientOptions first, then the option that holds the SDK to one
// attempt and records the request's fate, applied last. It retries
// throttling (all operations), reads that failed as unavailable, and a
// reset that provably was not sent (FateNotSent), with jittered exponential
// backoff that respects ctx; each retry is logged at Debug. Its error is a
// *callError carrying the fate of the last request it tried to send: a
// context that ends before the call or in a backoff is FateNotSent, since
// every earlier attempt was retried only because its answer said nothing
// was done (or it was not sent). g may be nil: no pacing.
func call[T any](ctx context.Context, r *Resetter, g Limiter, c Category, fn func(context.Context, ...func(*cip.Options)) (T, error)) (T, error) {
	var zero T
	var last error // the error of the attempt before a backoff
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return zero, &callError{err: afterRetry(err, last), fate: FateNotSent}
		}
		if g != nil {
			if err := g.Wait(ctx, c); err != nil {
				return zero, &callError{err: err, fate: FateNotSent, paced: true}
			}
		}
		w := &wire{}
		optFns := append(r.callOpts[:len(r.callOpts):len(r.callOpts)], w.option)
		out, err := fn(ctx, optFns...)
		if err == nil {
			if g != nil {
				g.Succeeded(c)
			}
			return out, nil
		}
		fate := w.fate(err)
		kind := classify(err)
		if kind == ErrThrottled && g != nil {
			g.Throttled(c)
		}
		retryable := kind == ErrThrottled ||
			(kind == ErrUnavailable && ctx.Err() == nil && (c != CategoryUserAccountRecovery || fate == FateNotSent))
		if !retryable || attempt >= r.cfg.maxRetries || ctx.Err() != nil {
			return out, &callError{err: err, fate: fate}
		}
		delay := r.backoff(attempt)
		if r.cfg.logger.Enabled(ctx, slog.LevelDebug) {
			r.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "cognito call retried", slog.String("operation", opNames[c]),
				slog.String("kind", kind.Code()), slog.String("fate", fate.String()), slog.Int("retry", attempt+1),
				slog.Duration("delay", delay))
		}
		last = err
		if err := sleep(ctx, delay); err != nil {
			return zero, &callError{err: afterRetry(err, last), fate: FateNotSent}
		}
	}
}

// afterRetry joins the context's error to the error of the attempt before
// the backoff it ended, if any: both stay matchable with errors.Is and
// errors.As, and the kind is the context's (ErrUnavailable).
func afterRetry(err, last error) error {
	if last == nil {
		return err
	}
	return &retryCut{err: err, last: last}
}

// retryCut is a context that ended while a retry waited.
type retryCut struct{ err, last error }

func (e *retryCut) Error() string {
	return e.err.Error() + " (waiting to retry after: " + e.last.Error() + ")"
}
func (e *retryCut) Unwrap() []error { return []error{e.err, e.last} }

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
