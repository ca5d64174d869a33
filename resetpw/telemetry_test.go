package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// recorders are the SDK's in-memory span recorder and metric reader, as
// options of a Resetter.
type recorders struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func newRecorders(t testing.TB) (*recorders, []resetpw.Option) {
	t.Helper()
	rec := &recorders{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(rec.reader))
	t.Cleanup(func() {
		_ = tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	return rec, []resetpw.Option{otelreset.WithTelemetry(tp, nil), otelreset.WithTelemetry(nil, mp)}
}

// ended returns the spans ended so far.
func (rec *recorders) ended() []sdktrace.ReadOnlySpan { return rec.spans.Ended() }

// metrics collects every metric, by name.
func (rec *recorders) metrics(t testing.TB) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, rec.reader.Collect(context.Background(), &rm))
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// sum is the value of counter name at the point with exactly attrs (as
// key=value strings, in any order; "*" alone: every point); 0 when there
// is none.
func (rec *recorders) sum(t testing.TB, name string, attrs ...string) int64 {
	t.Helper()
	data, ok := rec.metrics(t)[name].(metricdata.Sum[int64])
	if !ok {
		return 0
	}
	attrs = slices.Sorted(slices.Values(attrs)) // as a set sorts them
	var total int64
	for _, p := range data.DataPoints {
		if attrString(p.Attributes) == fmt.Sprint(attrs) || (len(attrs) == 1 && attrs[0] == "*") {
			total += p.Value
		}
	}
	return total
}

// histCount is the count of histogram name across its points.
func (rec *recorders) histCount(t testing.TB, name string) uint64 {
	t.Helper()
	data, _ := rec.metrics(t)[name].(metricdata.Histogram[float64])
	var n uint64
	for _, p := range data.DataPoints {
		n += p.Count
	}
	return n
}

// attrString renders a set as [k=v k=v], sorted by key as the set is.
func attrString(set attribute.Set) string {
	var kv []string
	for _, a := range set.ToSlice() {
		kv = append(kv, string(a.Key)+"="+a.Value.String())
	}
	return fmt.Sprint(kv)
}

// spanAttrs is a span's attributes, as key → emitted value.
func spanAttrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, a := range s.Attributes() {
		out[string(a.Key)] = a.Value.String()
	}
	return out
}

// unknownAPI fails every reset as a transport failure the wire never saw:
// Cognito may have sent it (FateUnknown).
type unknownAPI struct{ noopAPI }

func (unknownAPI) AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	return nil, errors.New("connection reset by peer")
}

func TestTelemetry_Reset(t *testing.T) {
	cases := []struct {
		name, username string
		api            resetpw.API // nil: the Fake's server
		preflight      resetpw.Preflight
		before         func(f *resetpwtest.Fake)
		wantStatus     codes.Code
		wantAttrs      map[string]string
		wantReset      []string         // the cognitoreset.resets point's attributes
		wantCalls      map[string]int64 // and no other operation
		retries        int64
	}{
		{name: "sent", username: "user0000", preflight: resetpw.PreflightFull, wantStatus: codes.Unset,
			wantAttrs: map[string]string{"cognitoreset.medium": "EMAIL", "cognitoreset.sender": "SES", "cognitoreset.input": "username"},
			wantReset: []string{"cognitoreset.medium=EMAIL", "cognitoreset.outcome=sent"},
			wantCalls: map[string]int64{"AdminGetUser": 1, "AdminResetUserPassword": 1, "DescribeUserPool": 1}},
		{name: "refused before anything is sent", username: "not a name", preflight: resetpw.PreflightFull, wantStatus: codes.Error,
			wantAttrs: map[string]string{"error.type": "invalid_input", "cognitoreset.op": "validate", "cognitoreset.fate": "not_sent"},
			wantReset: []string{"cognitoreset.fate=not_sent", "cognitoreset.outcome=refused", "error.type=invalid_input"},
			wantCalls: map[string]int64{}},
		{name: "throttled, then sent", username: "user0000", preflight: resetpw.PreflightOff, wantStatus: codes.Unset,
			before:    func(f *resetpwtest.Fake) { f.FailNext("AdminResetUserPassword", 1, throttled) },
			wantReset: []string{"cognitoreset.outcome=sent"},
			wantCalls: map[string]int64{"AdminResetUserPassword": 2}, retries: 1},
		{name: "failed, fate unknown", username: "user0000", preflight: resetpw.PreflightOff, wantStatus: codes.Error,
			api:       unknownAPI{},
			wantAttrs: map[string]string{"error.type": "unavailable", "cognitoreset.op": "reset", "cognitoreset.fate": "unknown"},
			wantReset: []string{"cognitoreset.fate=unknown", "cognitoreset.outcome=failed", "error.type=unavailable"},
			wantCalls: map[string]int64{"AdminResetUserPassword": 1}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := bulkWorld(t, 1)
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			api := resetpw.API(srv.Client())
			if tt.api != nil {
				api = tt.api
			}
			if tt.before != nil {
				tt.before(f)
			}
			rec, opts := newRecorders(t)
			r, err := resetpw.New(api, append(opts, resetpw.WithPreflight(tt.preflight), resetpw.WithRetries(3, time.Millisecond, time.Millisecond))...)
			require.NoError(t, err)
			res, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: tt.username})
			assertResetTelemetry(t, rec, pool, res, err, tt.wantStatus, tt.wantAttrs)
			assert.Equal(t, int64(1), rec.sum(t, "cognitoreset.resets", tt.wantReset...))
			var calls int64
			for op, n := range tt.wantCalls {
				calls += n
				assert.Equal(t, n, rec.sum(t, "cognitoreset.cognito.calls", "*")-sumOthers(t, rec, op), op)
			}
			assert.Equal(t, calls, rec.sum(t, "cognitoreset.cognito.calls", "*"), "calls in all")
			assert.Equal(t, tt.retries, rec.sum(t, "cognitoreset.cognito.retries", "*"))
			assert.Equal(t, tt.retries, rec.sum(t, "cognitoreset.cognito.calls", "cognitoreset.result=throttled", "rpc.method=AdminResetUserPassword"), "throttled answers")
		})
	}
}

// assertResetTelemetry checks the one span of a reset, and its duration.
func assertResetTelemetry(t *testing.T, rec *recorders, pool string, res *resetpw.Result, err error, status codes.Code, want map[string]string) {
	t.Helper()
	spans := rec.ended()
	require.Len(t, spans, 1, "one span, and no other: the library makes no Cognito span itself")
	s := spans[0]
	assert.Equal(t, "cognitoreset.Reset", s.Name())
	assert.Equal(t, status, s.Status().Code)
	attrs := spanAttrs(s)
	assert.Equal(t, pool, attrs["cognitoreset.pool.id"])
	for k, v := range want {
		assert.Equal(t, v, attrs[k], k)
	}
	if err != nil {
		assert.Equal(t, resetpw.KindOf(err).Code(), s.Status().Description, "the kind's code, never the message")
	} else {
		assert.NotEmpty(t, res.RequestID)
		assert.Equal(t, res.RequestID, attrs["aws.request_id"])
	}
	assert.Equal(t, uint64(1), rec.histCount(t, "cognitoreset.reset.duration"))
}

// throttled is Cognito's throttling answer.
var throttled = &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}

// sumOthers is the number of Cognito calls of every operation but op.
func sumOthers(t testing.TB, rec *recorders, op string) int64 {
	data, _ := rec.metrics(t)["cognitoreset.cognito.calls"].(metricdata.Sum[int64])
	var n int64
	for _, p := range data.DataPoints {
		if v, _ := p.Attributes.Value("rpc.method"); v.AsString() != op {
			n += p.Value
		}
	}
	return n
}

// A bulk run is one span: its inputs are counted, a duplicate is an event,
// and so is the first input the run stopped; no input's reset has a span.
func TestTelemetry_Bulk(t *testing.T) {
	f, pool := bulkWorld(t, 4)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	rec, opts := newRecorders(t)
	r, err := resetpw.New(srv.Client(), append(opts, resetpw.WithPreflight(resetpw.PreflightOff))...)
	require.NoError(t, err)
	stopAt := errors.New("operator stop")
	bopts := bulk.Options{Concurrency: 1, BeforeSend: func(i int, _ bulk.Input, _ string) error {
		if i == 3 {
			return stopAt
		}
		return nil
	}}
	sum, err := bulk.Run(t.Context(), r, bulk.Requests(requests(pool, "user0000", "user0001", "user0000", "user0002", "user0003")), bopts, nil)
	require.ErrorIs(t, err, stopAt)
	require.Equal(t, 2, sum.Sent)
	require.Equal(t, 1, sum.Duplicates)

	spans := rec.ended()
	require.Len(t, spans, 1)
	s := spans[0]
	assert.Equal(t, "cognitoreset.Bulk", s.Name())
	assert.Equal(t, codes.Error, s.Status().Code)
	assert.Equal(t, "run_stopped", s.Status().Description)
	attrs := spanAttrs(s)
	assert.Equal(t, "2", attrs["cognitoreset.bulk.sent"])
	assert.Equal(t, "1", attrs["cognitoreset.bulk.duplicates"])
	var events []string
	for _, e := range s.Events() {
		set := attribute.NewSet(e.Attributes...)
		if i, ok := set.Value("cognitoreset.input.index"); ok && e.Name == "cognitoreset.run.stopped" {
			// Input 3 (stopped by BeforeSend) and input 4 (read after the
			// stop) may come in either order: the first has the event.
			assert.Contains(t, []int64{3, 4}, i.AsInt64())
			set = attribute.NewSet(append(e.Attributes, attribute.Int("cognitoreset.input.index", 3))...)
		}
		events = append(events, e.Name+" "+attrString(set))
	}
	assert.Equal(t, []string{
		"cognitoreset.input [cognitoreset.input.duplicate_of=0 cognitoreset.input.index=2 cognitoreset.outcome=duplicate]",
		"cognitoreset.run.stopped [cognitoreset.fate=not_sent cognitoreset.input.index=3 cognitoreset.op=bulk cognitoreset.outcome=stopped error.type=run_stopped]",
	}, events, "the inputs sent are counted, not listed; a stop is one event")

	done := func(outcome string) int64 {
		return rec.sum(t, "cognitoreset.bulk.inputs", "cognitoreset.dry_run=false", "cognitoreset.outcome="+outcome)
	}
	assert.Equal(t, int64(2), done("sent"))
	assert.Equal(t, int64(1), done("duplicate"))
	assert.Equal(t, int64(2), done("stopped"))
	assert.Equal(t, int64(0), rec.sum(t, "cognitoreset.bulk.active_inputs", "*"), "nothing left in flight")
	assert.Equal(t, int64(2), rec.sum(t, "cognitoreset.resets", "cognitoreset.outcome=sent"), "a duplicate and a stop are no resets")
	assert.Equal(t, int64(2), rec.sum(t, "cognitoreset.cognito.calls", "cognitoreset.result=ok", "rpc.method=AdminResetUserPassword"))
}

// With no provider given, the Resetter's telemetry is no-op: the library
// imports only OpenTelemetry's trace and metric API, and does not follow
// the global providers, set before New or after (WithTelemetry is the one
// setting).
func TestTelemetry_NoProviderIsNoop(t *testing.T) {
	if !globalsUnset.CompareAndSwap(true, false) {
		t.Skip("the global providers are set once a process (go test -count 1)")
	}
	f, pool := bulkWorld(t, 1)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
	})
	r, err := resetpw.New(srv.Client(), resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "user0000"})
	require.NoError(t, err)
	assert.Empty(t, spans.Ended(), "no span: the global provider is not the library's")
	rec := &recorders{spans: spans, reader: reader}
	assert.Zero(t, rec.sum(t, "cognitoreset.resets", "cognitoreset.outcome=sent"), "no metric either")
}

// The caller's span is the parent of the library's, and the library's is
// in the context of every Cognito call (where otelaws starts its spans).
func TestTelemetry_ContextFlows(t *testing.T) {
	rec, opts := newRecorders(t)
	var seen []trace.SpanContext
	api := ctxAPI{seen: &seen}
	r, err := resetpw.New(api, append(opts, resetpw.WithPreflight(resetpw.PreflightOff))...)
	require.NoError(t, err)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec.spans))
	ctx, parent := tp.Tracer("caller").Start(t.Context(), "handler")
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	require.NoError(t, err)
	parent.End()
	spans := rec.ended()
	require.Len(t, spans, 2)
	reset := spans[0]
	assert.Equal(t, "cognitoreset.Reset", reset.Name())
	assert.Equal(t, parent.SpanContext().SpanID(), reset.Parent().SpanID())
	require.Len(t, seen, 1)
	assert.Equal(t, reset.SpanContext().SpanID(), seen[0].SpanID(), "the Cognito call runs in the reset's span")
}

// globalsUnset is true until TestTelemetry_GlobalProviders sets the global
// providers.
var globalsUnset atomic.Bool

func init() { globalsUnset.Store(true) }

// ctxAPI records the span context of each reset it is called with.
type ctxAPI struct {
	noopAPI
	seen *[]trace.SpanContext
}

func (a ctxAPI) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	*a.seen = append(*a.seen, trace.SpanContextFromContext(ctx))
	return a.noopAPI.AdminResetUserPassword(ctx, in, o...)
}

// docs/telemetry.md's table names every instrument, with its unit.
func TestTelemetry_DocumentedInstruments(t *testing.T) {
	f, pool := bulkWorld(t, 2)
	f.FailNext("AdminResetUserPassword", 1, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	rec, opts := newRecorders(t)
	r, err := resetpw.New(srv.Client(), append(opts, resetpw.WithRetries(3, time.Millisecond, time.Millisecond))...)
	require.NoError(t, err)
	_, err = bulk.Run(t.Context(), r, bulk.Requests(requests(pool, "user0000", "user0001")), bulk.Options{}, nil)
	require.NoError(t, err)

	doc, err := os.ReadFile("../docs/telemetry.md")
	require.NoError(t, err)
	var rm metricdata.ResourceMetrics
	require.NoError(t, rec.reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	assert.Equal(t, "github.com/cognitoreset/cognitoreset/resetpw", rm.ScopeMetrics[0].Scope.Name)
	rows := documentedInstruments(string(doc))
	recorded := map[string]string{}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		recorded[m.Name] = instrumentKind(m.Data) + " `" + m.Unit + "`"
		for _, set := range pointSets(m.Data) {
			for _, kv := range set.ToSlice() {
				assert.Contains(t, rows[m.Name].attrs, "`"+string(kv.Key)+"`", "%s's row names its attribute", m.Name)
			}
		}
	}
	documented := map[string]string{}
	for name, row := range rows {
		documented[name] = row.kind
	}
	assert.Equal(t, documented, recorded, "the table's rows are the instruments, kind and unit, no more and no fewer")
	assert.Len(t, recorded, 7, "every instrument recorded something")
}

// docRow is a row of docs/telemetry.md's metrics table.
type docRow struct{ kind, attrs string }

// documentedInstruments reads the metrics table (name | instrument | unit
// | attributes | what it counts), by name; a counter and an up-down
// counter are sums, as metricdata has them.
func documentedInstruments(doc string) map[string]docRow {
	rows := map[string]docRow{}
	for _, line := range strings.Split(doc, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 5 || !strings.HasPrefix(cells[0], "| `cognitoreset.") {
			continue
		}
		kind := map[string]string{"Int64Counter": "sum", "Int64UpDownCounter": "sum", "Float64Histogram": "histogram"}[cells[1]]
		rows[strings.Trim(cells[0], "| `")] = docRow{kind: kind + " " + cells[2], attrs: cells[3]}
	}
	return rows
}

// instrumentKind is "sum" or "histogram".
func instrumentKind(data metricdata.Aggregation) string {
	switch data.(type) {
	case metricdata.Sum[int64]:
		return "sum"
	case metricdata.Histogram[float64]:
		return "histogram"
	}
	return fmt.Sprintf("%T", data)
}

// Check, CheckPool and PlanPool have their spans; a dry run is no reset.
func TestTelemetry_DryRuns(t *testing.T) {
	f, pool := bulkWorld(t, 2)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	rec, opts := newRecorders(t)
	r, err := resetpw.New(srv.Client(), opts...)
	require.NoError(t, err)
	_, err = r.Check(t.Context(), resetpw.Request{UserPoolID: pool, Username: "user0000"})
	require.NoError(t, err)
	_, err = r.CheckPool(t.Context(), "us-west-2_nope")
	require.ErrorIs(t, err, resetpw.ErrPoolNotFound)
	_, err = bulk.PlanPool(t.Context(), r, pool, bulk.Options{}, nil)
	require.NoError(t, err)

	var got []string
	for _, s := range rec.ended() {
		got = append(got, fmt.Sprintf("%s %s %q pool=%s", s.Name(), s.Status().Code, s.Status().Description, spanAttrs(s)["cognitoreset.pool.id"]))
	}
	assert.Equal(t, []string{
		`cognitoreset.Check Unset "" pool=` + pool,
		`cognitoreset.CheckPool Error "pool_not_found" pool=us-west-2_nope`,
		`cognitoreset.PlanPool Unset "" pool=` + pool,
	}, got)
	assert.Equal(t, int64(0), rec.sum(t, "cognitoreset.resets", "*"), "a dry run is no reset")
	assert.Equal(t, int64(2), rec.sum(t, "cognitoreset.bulk.inputs", "cognitoreset.dry_run=true", "cognitoreset.outcome=sent"))
	assert.Equal(t, int64(0), rec.sum(t, "cognitoreset.cognito.calls", "rpc.method=AdminResetUserPassword", "cognitoreset.result=ok"), "nothing sent")
	assert.Positive(t, rec.sum(t, "cognitoreset.cognito.calls", "rpc.method=ListUsers", "cognitoreset.result=ok"), "the listing is counted")
}
