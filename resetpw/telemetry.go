package resetpw

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName is the OpenTelemetry scope of every span and
// instrument: the module path, as contrib instrumentations name theirs.
const instrumentationName = "github.com/cognitoreset/cognitoreset/resetpw"

// The attribute keys of spans and metric points (docs/telemetry.md). None
// holds a username, an identifier, a destination or a metadata value:
// codes only.
var (
	attrPoolID    = attribute.Key("cognitoreset.pool.id")
	attrOp        = attribute.Key("cognitoreset.step")
	attrErrorType = attribute.Key("error.type") // the kind's code, as OTel's conventions name it
	attrMedium    = attribute.Key("cognitoreset.medium")
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
	attrIndex     = attribute.Key("cognitoreset.input.index")
	attrDupOf     = attribute.Key("cognitoreset.input.duplicate_of")
)

// The outcomes of a reset or a bulk input (attribute cognitoreset.outcome).
const (
	outcomeSent      = "sent"
	outcomeRefused   = "refused"
	outcomeFailed    = "failed"
	outcomeDuplicate = "duplicate"
	outcomeStopped   = "stopped"
)

// secondsBuckets are the bounds of the duration histograms, in seconds, as
// OpenTelemetry's HTTP semantic conventions advise for durations in
// seconds (the SDK's default bounds, 0 to 10,000, are milliseconds').
var secondsBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

// telemetry is a Resetter's tracer and instruments, made once in New from
// WithTracerProvider and WithMeterProvider (the global providers by
// default). Every measurement is guarded by its instrument's Enabled, and
// every attribute by the span's IsRecording, so that the no-op providers
// cost no attribute.
type telemetry struct {
	tracer trace.Tracer
	// unset is the global TracerProvider that New found still unset, when
	// it was given none: until otel.SetTracerProvider replaces it, its spans
	// would be non-recording copies of the context's span, so start makes
	// none, and costs no allocation.
	unset       trace.TracerProvider
	resets      metric.Int64Counter
	duration    metric.Float64Histogram
	calls       metric.Int64Counter
	retries     metric.Int64Counter
	limiterWait metric.Float64Histogram
	inputs      metric.Int64Counter
	active      metric.Int64UpDownCounter
}

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) (*telemetry, error) {
	var unset trace.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
		if t := reflect.TypeOf(tp); t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global" {
			unset = tp
		}
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(instrumentationName)
	t := &telemetry{tracer: tp.Tracer(instrumentationName), unset: unset}
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
		return nil, optionErr("MeterProvider", "%v", err)
	}
	return t, nil
}

// start starts the span of a public operation (none while the global
// provider is unset: see telemetry.unset), with the pool ID when it is
// well-formed. Its attributes are added only when it records.
func (t *telemetry) start(ctx context.Context, name, poolID string) (context.Context, trace.Span) {
	if t.unset != nil && otel.GetTracerProvider() == t.unset {
		return ctx, noop.Span{}
	}
	ctx, span := t.tracer.Start(ctx, name)
	if span.IsRecording() && checkPoolID(poolID) == nil && regionPoolID.MatchString(poolID) { // a malformed ID may be anything: a username, an email
		span.SetAttributes(attrPoolID.String(poolID))
	}
	return ctx, span
}

// runSpanKey is the context key of a bulk run's own span.
type runSpanKey struct{}

// startRun starts the span of a bulk run or a plan, and keeps it in the
// context for runJobs: the context's current span may be the caller's
// (no span is started while the global provider is unset), and a run's
// events are the run's span's only.
func (t *telemetry) startRun(ctx context.Context, name, poolID string) (context.Context, trace.Span) {
	ctx, span := t.start(ctx, name, poolID)
	return context.WithValue(ctx, runSpanKey{}, span), span
}

// runSpan is the span startRun kept in ctx, or a no-op span.
func runSpan(ctx context.Context) trace.Span {
	if span, ok := ctx.Value(runSpanKey{}).(trace.Span); ok {
		return span
	}
	return noop.Span{}
}

// endSpan sets the status of span from err as OTel's conventions say: an
// error is codes.Error with the kind's code as the description, and the
// step, the kind and the fate as attributes; never the error's text.
func endSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetAttributes(errorAttrs(err)...)
		span.SetStatus(codes.Error, KindOf(err).Code())
	}
	span.End()
}

// errorAttrs are the attributes of a failure: its kind, step, fate and
// Cognito's request ID.
func errorAttrs(err error) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attrErrorType.String(KindOf(err).Code())}
	var e *Error
	if errors.As(err, &e) {
		attrs = append(attrs, attrOp.String(e.Op.String()))
		if e.Fate != "" {
			attrs = append(attrs, attrFate.String(e.Fate.String()))
		}
		if traceableRequestID(e.RequestID) {
			attrs = append(attrs, attrRequestID.String(e.RequestID))
		}
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
func resultAttrs(res *Result) []attribute.KeyValue {
	attrs := []attribute.KeyValue{attrInput.String(res.Input.String())}
	if traceableRequestID(res.RequestID) {
		attrs = append(attrs, attrRequestID.String(res.RequestID))
	}
	if d := res.Delivery; d != nil {
		attrs = append(attrs, attrMedium.String(d.Medium.String()), attrSender.String(d.Sender.String()))
	}
	if len(res.Caveats) > 0 {
		attrs = append(attrs, attrCaveats.StringSlice(caveatCodes(res.Caveats)))
	}
	if res.SignOutErr != nil {
		attrs = append(attrs, attribute.String("cognitoreset.sign_out.error.type", KindOf(res.SignOutErr).Code()))
	}
	return attrs
}

// outcomeOf is the outcome of a reset that ended with err: refused when
// the library refused it (validation or a preflight refusal: nothing was
// sent), failed otherwise.
func outcomeOf(err error) string {
	var e *Error
	switch {
	case err == nil:
		return outcomeSent
	case errors.As(err, &e) && (e.Op == OpValidate || errors.As(e.Err, new(*refusal))):
		return outcomeRefused
	}
	return outcomeFailed
}

// recordReset counts one reset that went through its steps (not a bulk
// input's duplicate or stop), and its duration, started at start (zero
// when the histogram was off).
func (t *telemetry) recordReset(ctx context.Context, start time.Time, res *Result, err error) {
	counting, timing := t.resets.Enabled(ctx), !start.IsZero()
	if !counting && !timing {
		return
	}
	outcome := outcomeOf(err)
	attrs := []attribute.KeyValue{attrOutcome.String(outcome)}
	if err != nil {
		e := KindOf(err).Code()
		attrs = append(attrs, attrErrorType.String(e))
		var ee *Error
		if errors.As(err, &ee) && ee.Fate != "" {
			attrs = append(attrs, attrFate.String(ee.Fate.String()))
		}
	} else if res != nil && res.Delivery != nil {
		attrs = append(attrs, attrMedium.String(res.Delivery.Medium.String()))
	}
	if counting {
		t.resets.Add(ctx, 1, metric.WithAttributes(attrs...))
	}
	if timing {
		t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrOutcome.String(outcome)))
	}
}

// recordCall counts one Cognito request of category c and its result.
func (t *telemetry) recordCall(ctx context.Context, c Category, err error) {
	if !t.calls.Enabled(ctx) {
		return
	}
	result := "ok"
	if err != nil {
		result = classify(err).Code()
	}
	t.calls.Add(ctx, 1, metric.WithAttributes(attrOperation.String(opNames[c]), attrResult.String(result)))
}

// recordRetry counts one retry of a request of category c that failed as
// kind.
func (t *telemetry) recordRetry(ctx context.Context, c Category, kind Kind) {
	if t.retries.Enabled(ctx) {
		t.retries.Add(ctx, 1, metric.WithAttributes(attrOperation.String(opNames[c]), attrErrorType.String(kind.Code())))
	}
}

// wait waits at g (which may be nil) for a call in c, recording the time
// it waited.
func (t *telemetry) wait(ctx context.Context, g *gate, c Category) error {
	if g == nil {
		return nil
	}
	if !t.limiterWait.Enabled(ctx) {
		return g.wait(ctx, c)
	}
	start := time.Now()
	err := g.wait(ctx, c)
	t.limiterWait.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrCategory.String(string(c))))
	return err
}

// bulkOutcome is the outcome of a bulk input, for its metric and event.
func bulkOutcome(o Outcome) string {
	switch {
	case o.Duplicate:
		return outcomeDuplicate
	case o.Err != nil && KindOf(o.Err) == ErrRunStopped:
		return outcomeStopped
	}
	return outcomeOf(o.Err)
}

// recordInput counts input o of run b, and adds an event to the run's span
// for an input that was not sent (a duplicate, a refusal, a failure), and
// one for the first input the run stopped: the inputs sent are counted, not
// listed, so that the span of a 100,000-input run stays readable (an SDK
// keeps 128 events a span by default, and drops the rest with a count).
// It runs on the run's collecting goroutine only.
func (b *bulkRun) recordInput(ctx context.Context, o Outcome) {
	t := b.r.tel
	counting, recording := t.inputs.Enabled(ctx), b.span.IsRecording()
	if !counting && !recording {
		return
	}
	outcome := bulkOutcome(o)
	if counting {
		t.inputs.Add(ctx, 1, metric.WithAttributes(attrOutcome.String(outcome), attrDryRun.Bool(!b.send)))
	}
	if !recording || outcome == outcomeSent || (outcome == outcomeStopped && b.stopSeen) {
		return
	}
	attrs := []attribute.KeyValue{attrIndex.Int(o.Index), attrOutcome.String(outcome)}
	name := "cognitoreset.input"
	switch outcome {
	case outcomeDuplicate:
		attrs = append(attrs, attrDupOf.Int(o.DuplicateOf))
	case outcomeStopped:
		b.stopSeen = true
		name = "cognitoreset.run.stopped"
	}
	if outcome != outcomeDuplicate {
		attrs = append(attrs, errorAttrs(o.Err)...)
	}
	b.span.AddEvent(name, trace.WithAttributes(attrs...))
}

// active counts an input of a run in flight (+1) or done (-1).
func (t *telemetry) activeInputs(ctx context.Context, n int64) {
	if t.active.Enabled(ctx) {
		t.active.Add(ctx, n)
	}
}

// endRun ends the span of a bulk run or a plan with its Summary.
func endRun(span trace.Span, sum Summary, err error) {
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("cognitoreset.bulk.read", sum.Read), attribute.Int("cognitoreset.bulk.done", sum.Done),
			attribute.Int("cognitoreset.bulk.sent", sum.Sent), attribute.Int("cognitoreset.bulk.failed", sum.Failed),
			attribute.Int("cognitoreset.bulk.duplicates", sum.Duplicates), attribute.Bool("cognitoreset.bulk.read_all", sum.ReadAll))
	}
	endSpan(span, err)
}

// endOnPanic, deferred by Bulk, Plan and PlanPool, ends span when the run
// did not (*ended is false): each, Progress or the iterator panicked, and
// the panic goes on; the span ends with an error status, "panic", rather
// than never.
func endOnPanic(span trace.Span, ended *bool) {
	if *ended {
		return
	}
	if span.IsRecording() {
		span.SetStatus(codes.Error, "panic")
	}
	span.End()
}

// caveatCodes are the codes of caveats.
func caveatCodes(caveats []Caveat) []string {
	codes := make([]string, len(caveats))
	for i, c := range caveats {
		codes[i] = c.Code.String()
	}
	return codes
}
