package engine

import (
	"context"
	"time"

	"github.com/cognitoreset/cognitoreset/quota"
)

// Observer receives the engine's telemetry: a span for each public call,
// and the metrics of resets, Cognito calls, retries, limiter waits and
// bulk inputs (docs/telemetry.md). The default observes nothing, at no
// cost; resetpw.WithTelemetry installs internal/otelobs's, so that a
// program that never asks for telemetry links no OpenTelemetry code.
type Observer interface {
	// Start starts the span of a public call (name, such as
	// "cognitoreset.Reset"), with the pool ID when it is well-formed.
	Start(ctx context.Context, name, poolID string) (context.Context, Span)
	// Timing returns the start of a reset's duration, or the zero time
	// when the duration is not measured.
	Timing(ctx context.Context) time.Time
	// RecordReset counts one reset that went through its stages, and its
	// duration from start (zero: not measured).
	RecordReset(ctx context.Context, start time.Time, res *Result, err error)
	// RecordCall counts one Cognito request of operation op
	// ("AdminGetUser"...) and its result.
	RecordCall(ctx context.Context, op string, err error)
	// RecordRetry counts one retry of a request of operation op that
	// failed as kind.
	RecordRetry(ctx context.Context, op string, kind Kind)
	// RecordWait records the time a call of category c waited for the
	// Limiter.
	RecordWait(ctx context.Context, c quota.Category, d time.Duration)
	// WaitTimed reports whether RecordWait wants the waits measured.
	WaitTimed(ctx context.Context) bool
	// CountInput counts one input of a bulk run or plan with its outcome.
	CountInput(ctx context.Context, outcome string, dryRun bool)
	// ActiveInputs counts inputs of runs in flight (+1) or done (-1).
	ActiveInputs(ctx context.Context, n int64)
}

// Span is the span of one public call.
type Span interface {
	// Recording reports whether the span records attributes.
	Recording() bool
	// SetResult adds the attributes of a reset sent or checked.
	SetResult(res *Result)
	// SetPool adds the attributes of a pool's check.
	SetPool(rep *PoolReport)
	// End ends the span, with err's kind, op and fate as its status.
	End(err error)
}

// The outcomes of a reset or a bulk input (cognitoreset.outcome).
const (
	OutcomeSent      = "sent"
	OutcomeRefused   = "refused"
	OutcomeFailed    = "failed"
	OutcomeDuplicate = "duplicate"
	OutcomeStopped   = "stopped"
)

// OutcomeOf is the outcome of a reset that ended with err: refused when
// the library refused it (validation or a preflight refusal: nothing was
// sent), failed otherwise.
func OutcomeOf(err error) string {
	switch {
	case err == nil:
		return OutcomeSent
	case IsRefusal(err):
		return OutcomeRefused
	}
	return OutcomeFailed
}

// WithObserver installs the observer that newObserver makes in New from
// the providers of WithProviders (resetpw.WithTelemetry).
func WithObserver(newObserver func(tp, mp any) (Observer, error)) Option {
	return func(c *Config) error {
		c.newObserver = newObserver
		return nil
	}
}

// WithProviders keeps the OpenTelemetry providers, as any so that the
// engine imports no OpenTelemetry package; a nil one changes nothing.
func WithProviders(tp, mp any) Option {
	return func(c *Config) error {
		if tp != nil {
			c.tracerProvider = tp
		}
		if mp != nil {
			c.meterProvider = mp
		}
		return nil
	}
}

// nopObserver observes nothing: the default.
type nopObserver struct{}

func (nopObserver) Start(ctx context.Context, _, _ string) (context.Context, Span) {
	return ctx, nopSpan{}
}
func (nopObserver) Timing(context.Context) time.Time                          { return time.Time{} }
func (nopObserver) RecordReset(context.Context, time.Time, *Result, error)    {}
func (nopObserver) RecordCall(context.Context, string, error)                 {}
func (nopObserver) RecordRetry(context.Context, string, Kind)                 {}
func (nopObserver) RecordWait(context.Context, quota.Category, time.Duration) {}
func (nopObserver) WaitTimed(context.Context) bool                            { return false }
func (nopObserver) CountInput(context.Context, string, bool)                  {}
func (nopObserver) ActiveInputs(context.Context, int64)                       {}

type nopSpan struct{}

func (nopSpan) Recording() bool     { return false }
func (nopSpan) SetResult(*Result)   {}
func (nopSpan) SetPool(*PoolReport) {}
func (nopSpan) End(error)           {}

// wait waits at g (which may be nil) for a call in c, recording the time
// it waited when the observer wants it.
func (r *Engine) wait(ctx context.Context, g *Gate, c quota.Category) error {
	if g == nil {
		return nil
	}
	if !r.tel.WaitTimed(ctx) {
		return g.wait(ctx, c)
	}
	start := time.Now()
	err := g.wait(ctx, c)
	r.tel.RecordWait(ctx, c, time.Since(start))
	return err
}
