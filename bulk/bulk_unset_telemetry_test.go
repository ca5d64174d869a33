package bulk_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// TestTelemetry_NoProviderBulkLeavesCallerSpan: a Resetter given no
// TracerProvider traces with a no-op one, so a bulk run has no span of its
// own; its input events must not land on the caller's span (one the caller
// traces with a provider of its own), which is no span of the library's.
func TestTelemetry_NoProviderBulkLeavesCallerSpan(t *testing.T) {
	f, pool := bulkWorld(t, 1)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	r, err := resetpw.New(srv.Client(), resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	ctx, parent := tp.Tracer("caller").Start(t.Context(), "handler")
	for _, run := range []func() error{
		func() error {
			_, err := bulk.Run(ctx, r, bulk.Requests(requests(pool, "user0000", "user0000", "bad name")), bulk.Options{}, func(bulk.Outcome) {})
			return err
		},
		func() error {
			_, err := bulk.Plan(ctx, r, bulk.Requests(requests(pool, "user0000", "user0000", "bad name")), bulk.Options{}, func(bulk.Outcome) {})
			return err
		},
	} {
		require.NoError(t, run())
	}
	parent.End()
	ended := spans.Ended()
	require.Len(t, ended, 1, "only the caller's span")
	assert.Empty(t, ended[0].Events(), "no input event on the caller's span")
}
