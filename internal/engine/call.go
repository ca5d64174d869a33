package engine

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/cognitoreset/cognitoreset/quota"
)

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
func call[T any](ctx context.Context, r *Engine, g *Gate, c quota.Category, fn func(context.Context, ...func(*cip.Options)) (T, error)) (T, error) {
	return callOnce(ctx, r, g, c, opNames[c], c == quota.CategoryUserAccountRecovery, fn)
}

// callOnce is call, with op the operation sent (for log lines and
// metrics), and once saying that the request acts on the user (a reset, an
// invitation, a password): an unavailable answer is retried only when the
// request provably was not sent.
func callOnce[T any](ctx context.Context, r *Engine, g *Gate, c quota.Category, op string, once bool, fn func(context.Context, ...func(*cip.Options)) (T, error)) (T, error) {
	var zero T
	var last error // the error of the attempt before a backoff
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return zero, &callError{err: afterRetry(err, last), fate: FateNotSent}
		}
		if err := r.wait(ctx, g, c); err != nil {
			return zero, &callError{err: err, fate: FateNotSent, paced: true}
		}
		w := &wire{}
		optFns := append(r.callOpts[:len(r.callOpts):len(r.callOpts)], w.option)
		out, err := fn(ctx, optFns...)
		r.tel.RecordCall(ctx, op, err)
		if err == nil {
			g.succeeded(c)
			return out, nil
		}
		fate := w.fate(err)
		kind := classify(err)
		if kind == ErrThrottled {
			g.throttled(c)
		}
		retryable := kind == ErrThrottled ||
			(kind == ErrUnavailable && ctx.Err() == nil && (!once || fate == FateNotSent))
		if !retryable || attempt >= r.cfg.maxRetries || ctx.Err() != nil {
			ce := &callError{err: err, fate: fate}
			if kind == ErrThrottled {
				ce.retryAfter = r.backoffCap(attempt) // R73: the wait its next retry would have had, at most
			}
			return out, ce
		}
		delay := r.backoff(attempt)
		if r.cfg.logger.Enabled(ctx, slog.LevelDebug) {
			r.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "cognito call retried", slog.String("operation", op),
				slog.String("kind", kind.Code()), slog.String("fate", string(fate)), slog.Int("retry", attempt+1),
				slog.Duration("delay", delay))
		}
		r.tel.RecordRetry(ctx, op, kind)
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
func (r *Engine) backoff(attempt int) time.Duration {
	d := r.backoffCap(attempt)
	return d/2 + rand.N(d/2+1)
}

// backoffCap is the longest delay backoff can return for the given retry:
// base·2ⁿ, capped at max.
func (r *Engine) backoffCap(attempt int) time.Duration {
	return backoffCap(r.cfg.backoffBase, r.cfg.backoffMax, attempt)
}

func backoffCap(base, max time.Duration, attempt int) time.Duration {
	d := base << min(attempt, 16)
	if d > max || d <= 0 {
		d = max
	}
	return d
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
