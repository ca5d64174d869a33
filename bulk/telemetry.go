package bulk

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/otelobs"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// The attributes of a run's span events (docs/telemetry.md).
var (
	attrIndex   = attribute.Key("cognitoreset.input.index")
	attrDupOf   = attribute.Key("cognitoreset.input.duplicate_of")
	attrOutcome = attribute.Key("cognitoreset.outcome")
)

// bulkOutcome is the outcome of a bulk input, for its metric and event.
func bulkOutcome(o Outcome) string {
	switch {
	case o.Duplicate:
		return engine.OutcomeDuplicate
	case o.Err != nil && resetpw.KindOf(o.Err) == resetpw.ErrRunStopped:
		return engine.OutcomeStopped
	}
	return engine.OutcomeOf(o.Err)
}

// recordInput counts input o of run b, and adds an event to the run's span
// for an input that was not sent (a duplicate, a refusal, a failure), and
// one for the first input the run stopped: the inputs sent are counted, not
// listed, so that the span of a 100,000-input run stays readable (an SDK
// keeps 128 events a span by default, and drops the rest with a count).
// It runs on the run's collecting goroutine only.
func (b *bulkRun) recordInput(ctx context.Context, o Outcome) {
	outcome := bulkOutcome(o)
	b.r.Tel().CountInput(ctx, outcome, !b.send)
	if !b.span.IsRecording() || outcome == engine.OutcomeSent || (outcome == engine.OutcomeStopped && b.stopSeen) {
		return
	}
	attrs := []attribute.KeyValue{attrIndex.Int(o.Index), attrOutcome.String(outcome)}
	name := "cognitoreset.input"
	switch outcome {
	case engine.OutcomeDuplicate:
		attrs = append(attrs, attrDupOf.Int(o.DuplicateOf))
	case engine.OutcomeStopped:
		b.stopSeen = true
		name = "cognitoreset.run.stopped"
	}
	if outcome != engine.OutcomeDuplicate {
		attrs = append(attrs, otelobs.ErrorAttrs(o.Err)...)
	}
	b.span.AddEvent(name, trace.WithAttributes(attrs...))
}

// endRun ends the span of a bulk run or a plan with its Summary.
func endRun(span trace.Span, sum Summary, err error) {
	if span.IsRecording() {
		span.SetAttributes(attribute.Int("cognitoreset.bulk.read", sum.Read), attribute.Int("cognitoreset.bulk.done", sum.Done),
			attribute.Int("cognitoreset.bulk.sent", sum.Sent), attribute.Int("cognitoreset.bulk.failed", sum.Failed),
			attribute.Int("cognitoreset.bulk.duplicates", sum.Duplicates), attribute.Bool("cognitoreset.bulk.read_all", sum.ReadAll))
	}
	otelobs.EndSpan(span, err)
}

// endOnPanic, deferred by Run, Plan and PlanPool, ends span when the run
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
