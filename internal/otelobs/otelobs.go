// Package otelobs is the engine's OpenTelemetry observer (engine.Observer):
// spans and metrics through OpenTelemetry's trace and metric API, with the
// providers resetpw.WithTelemetry gives. Only that option links it.
package otelobs

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/quota"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName is the OpenTelemetry scope of every span and
// instrument: the module path, as contrib instrumentations name theirs.
const instrumentationName = "github.com/cognitoreset/cognitoreset/resetpw"

// The attribute keys of spans and metric points (docs/telemetry.md). None
// holds a username, an identifier, a destination or a metadata value:
// codes only.
var (
	attrPoolID    = attribute.Key("cognitoreset.pool.id")
	attrOp        = attribute.Key("cognitoreset.op") // "op" in log lines
	attrErrorType = attribute.Key("error.type")      // the kind's code, as OTel's conventions name it
	attrMedium    = attribute.Key("cognitoreset.medium")
	attrAction    = attribute.Key("cognitoreset.action")
	attrSender    = attribute.Key("cognitoreset.sender")
	attrFate      = attribute.Key("cognitoreset.fate")
	attrCaveats   = attribute.Key("cognitoreset.caveats")
	attrInput     = attribute.Key("cognitoreset.input")
	attrRequestID = attribute.Key("aws.request_id")
	attrOutcome   = attribute.Key("cognitoreset.outcome")
	attrOperation = attribute.Key("rpc.method")
	attrResult    = attribute.Key("cognitoreset.result")
	attrCategory  = attribute.Key("cognitoreset.category")
	attrDryRun    = attribute.Key("cognitoreset.dry_run")
)

// secondsBuckets are the bounds of the duration histograms, in seconds, as
// OpenTelemetry's HTTP semantic conventions advise for durations in
// seconds (the SDK's default bounds, 0 to 10,000, are milliseconds').
var secondsBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

// Telemetry is a Resetter's tracer and instruments, made once in New from
// otelreset.WithTelemetry's providers (no-op ones by
// default). Every measurement is guarded by its instrument's Enabled, and
// every attribute by the span's IsRecording, so that the no-op providers
// cost no attribute.
type Telemetry struct {
	tracer      trace.Tracer
	resets      metric.Int64Counter
	duration    metric.Float64Histogram
	calls       metric.Int64Counter
	retries     metric.Int64Counter
	limiterWait metric.Float64Histogram
	inputs      metric.Int64Counter
	active      metric.Int64UpDownCounter
}

// New returns the observer of tp and mp (trace.TracerProvider and
// metric.MeterProvider; nil: a no-op one), for engine.WithObserver.
func New(tpAny, mpAny any) (engine.Observer, error) {
	tp, _ := tpAny.(trace.TracerProvider)
	mp, _ := mpAny.(metric.MeterProvider)
	return newTelemetry(tp, mp)
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) (*Telemetry, error) {
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	m := mp.Meter(instrumentationName)
	t := &Telemetry{tracer: tp.Tracer(instrumentationName)}
	var errs [7]error
	t.resets, errs[0] = m.Int64Counter("cognitoreset.resets", metric.WithUnit("{reset}"),
		metric.WithDescription("Password resets (Reset and Bulk), by outcome, kind, medium and fate."))
	t.duration, errs[1] = m.Float64Histogram("cognitoreset.reset.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of a password reset, from validation to Cognito's answer."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	t.calls, errs[2] = m.Int64Counter("cognitoreset.cognito.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Cognito requests, by operation and result (ok, or the kind's code: throttled, ...)."))
	t.retries, errs[3] = m.Int64Counter("cognitoreset.cognito.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Cognito requests retried, by operation and the kind that was retried."))
	t.limiterWait, errs[4] = m.Float64Histogram("cognitoreset.limiter.wait.duration", metric.WithUnit("s"),
		metric.WithDescription("Time spent waiting on the Limiter before a Cognito call, by quota category."),
		metric.WithExplicitBucketBoundaries(secondsBuckets...))
	t.inputs, errs[5] = m.Int64Counter("cognitoreset.bulk.inputs", metric.WithUnit("{input}"),
		metric.WithDescription("Inputs of bulk runs and plans that have their outcome, by outcome."))
	t.active, errs[6] = m.Int64UpDownCounter("cognitoreset.bulk.active_inputs", metric.WithUnit("{input}"),
		metric.WithDescription("Inputs of bulk runs and plans being worked on."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return t, nil
}

// Start starts the span of a public operation, with the pool ID when it is
// well-formed. Its attributes are added only when it records.
func (t *Telemetry) Start(ctx context.Context, name, poolID string) (context.Context, engine.Span) {
	ctx, span := t.tracer.Start(ctx, name)
	if span.IsRecording() && engine.CheckPoolID(poolID) == nil && regionPoolID.MatchString(poolID) { // a malformed ID may be anything: a username, an email
		span.SetAttributes(attrPoolID.String(poolID))
	}
	return ctx, span_{span}
}

// EndSpan sets the status of span from err as OTel's conventions say: an
// error is codes.Error with the kind's code as the description, and the
// step, the kind and the fate as attributes; never the error's text.
func EndSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetAttributes(ErrorAttrs(err)...)
		span.SetStatus(codes.Error, engine.KindOf(err).Code())
	}
	span.End()
}

// ErrorAttrs are the attributes of a failure: its kind, op, fate and
// Cognito's request ID, from an *Error or a *resetpw.Error (PublicFields).
func ErrorAttrs(err error) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attrErrorType.String(engine.KindOf(err).Code())}
	var op, fate, requestID string
	var e *engine.Error
	switch {
	case errors.As(err, &e):
		op, fate, requestID = string(e.Op), string(e.Fate), e.RequestID
	case engine.PublicFields != nil:
		op, fate, requestID = engine.PublicFields(err)
	}
	if op != "" {
		attrs = append(attrs, attrOp.String(op))
	}
	if fate != "" {
		attrs = append(attrs, attrFate.String(fate))
	}
	if traceableRequestID(requestID) {
		attrs = append(attrs, attrRequestID.String(requestID))
	}
	return attrs
}

// regionPoolID is the shape of a pool ID a span may carry: a region, "_",
// letters and digits (us-west-2_aBc123). Cognito's own pattern admits
// any word before the "_": a username ("jane_doe") passes it.
var regionPoolID = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+_[0-9A-Za-z]+$`)

// requestIDPattern is the shape of a request ID a span may carry: words
// of letters and digits joined by hyphens, as Cognito's UUIDs (and the
// Fake's IDs) are. A request ID is text from the wire: a proxy or an
// endpoint that echoes an email ("@", "."), a phone number ("+", or bare
// digits) or anything with a space is no attribute.
var requestIDPattern = regexp.MustCompile(`^[0-9A-Za-z]+(-[0-9A-Za-z]+)+$`)

// traceableRequestID reports whether id may be a span attribute.
func traceableRequestID(id string) bool {
	return id != "" && len(id) <= 64 && requestIDPattern.MatchString(id)
}

// resultAttrs are the attributes of a reset sent or checked.
func resultAttrs(res *engine.Result) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attrInput.String(res.Input.String())}
	if traceableRequestID(res.RequestID) {
		attrs = append(attrs, attrRequestID.String(res.RequestID))
	}
	if d := res.Delivery; d != nil {
		attrs = append(attrs, attrMedium.String(string(d.Medium)), attrSender.String(string(d.Sender)))
	}
	if len(res.Caveats) > 0 {
		attrs = append(attrs, attrCaveats.StringSlice(caveatCodes(res.Caveats)))
	}
	if res.SignOutErr != nil {
		attrs = append(attrs, attribute.String("cognitoreset.sign_out.error.type", engine.KindOf(res.SignOutErr).Code()))
	}
	return attrs
}

// RecordReset counts one reset that went through its steps (not a bulk
// input's duplicate or stop), and its duration, started at start (zero
// when the histogram was off).
func (t *Telemetry) RecordReset(ctx context.Context, start time.Time, res *engine.Result, err error) {
	counting, timing := t.resets.Enabled(ctx), !start.IsZero()
	if !counting && !timing {
		return
	}
	outcome := engine.OutcomeOf(err)
	attrs := []attribute.KeyValue{attrOutcome.String(outcome)}
	if err != nil {
		e := engine.KindOf(err).Code()
		attrs = append(attrs, attrErrorType.String(e))
		var ee *engine.Error
		if errors.As(err, &ee) && ee.Fate != "" {
			attrs = append(attrs, attrFate.String(string(ee.Fate)))
		}
	} else if res != nil && res.Delivery != nil {
		attrs = append(attrs, attrMedium.String(string(res.Delivery.Medium)))
	}
	if action := actionOf(res, err); action != "" {
		attrs = append(attrs, attrAction.String(action))
	}
	if counting {
		t.resets.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
	if timing {
		t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrOutcome.String(outcome)))
	}
}

// RecordCall counts one Cognito request of operation op and its result.
func (t *Telemetry) RecordCall(ctx context.Context, op string, err error) {
	if !t.calls.Enabled(ctx) {
		return
	}
	result := "ok"
	if err != nil {
		result = engine.KindOf(err).Code()
	}
	t.calls.Add(ctx, 1, metric.WithAttributes(attrOperation.String(op), attrResult.String(result)))
}

// RecordRetry counts one retry of a request of operation op that failed
// as kind.
func (t *Telemetry) RecordRetry(ctx context.Context, op string, kind engine.Kind) {
	if t.retries.Enabled(ctx) {
		t.retries.Add(ctx, 1, metric.WithAttributes(attrOperation.String(op), attrErrorType.String(kind.Code())))
	}
}

// WaitTimed reports whether the limiter-wait histogram is on.
func (t *Telemetry) WaitTimed(ctx context.Context) bool { return t.limiterWait.Enabled(ctx) }

// RecordWait records the time a call of category c waited for the Limiter.
func (t *Telemetry) RecordWait(ctx context.Context, c quota.Category, d time.Duration) {
	t.limiterWait.Record(ctx, d.Seconds(), metric.WithAttributes(attrCategory.String(string(c))))
}

// CountInput counts one input of a bulk run or plan that has its outcome.
func (t *Telemetry) CountInput(ctx context.Context, outcome string, dryRun bool) {
	if t.inputs.Enabled(ctx) {
		t.inputs.Add(ctx, 1, metric.WithAttributes(attrOutcome.String(outcome), attrDryRun.Bool(dryRun)))
	}
}

// ActiveInputs counts an input of a run in flight (+1) or done (-1).
func (t *Telemetry) ActiveInputs(ctx context.Context, n int64) {
	if t.active.Enabled(ctx) {
		t.active.Add(ctx, n)
	}
}

// caveatCodes are the codes of caveats.
func caveatCodes(caveats []engine.Caveat) []string {
	codes := make([]string, len(caveats))
	for i, c := range caveats {
		codes[i] = string(c.Code)
	}
	return codes
}

// Timing returns the start of a reset's duration: now, when the duration
// histogram is on; the zero time (nothing measured) when it is off.
func (t *Telemetry) Timing(ctx context.Context) time.Time {
	if t.duration.Enabled(ctx) {
		return time.Now()
	}
	return time.Time{}
}

// span_ is an engine.Span on an OpenTelemetry span.
type span_ struct{ trace.Span }

func (s span_) Recording() bool { return s.IsRecording() }

func (s span_) SetResult(res *engine.Result) { s.SetAttributes(resultAttrs(res)...) }

func (s span_) SetPool(rep *engine.PoolReport) {
	s.SetAttributes(attribute.Bool("cognitoreset.pool.resettable", rep.Resettable), attrCaveats.StringSlice(caveatCodes(rep.Caveats)))
}

func (s span_) End(err error) { EndSpan(s.Span, err) }

// TraceSpan returns the OpenTelemetry span of an engine.Span, for a bulk
// run's events, or a no-op span.
func TraceSpan(s engine.Span) trace.Span {
	if sp, ok := s.(span_); ok {
		return sp.Span
	}
	return tracenoop.Span{}
}

// actionOf is the action of a way out (package wayout: "invite",
// "temporary_password"), counted with the resets under
// cognitoreset.action; "" for a reset, whose series keep their attributes.
func actionOf(res *engine.Result, err error) string {
	if res != nil {
		return res.Action
	}
	var e *engine.Error
	if errors.As(err, &e) {
		return e.Action
	}
	return ""
}
