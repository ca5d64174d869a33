package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
	return rec, []resetpw.Option{resetpw.WithTracerProvider(tp), resetpw.WithMeterProvider(mp)}
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
// key=value strings, in any order); 0 when there is none.
func (rec *recorders) sum(t testing.TB, name string, attrs ...string) int64 {
	t.Helper()
	data, ok := rec.metrics(t)[name].(metricdata.Sum[int64])
	if !ok {
		return 0
	}
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
		kv = append(kv, string(a.Key)+"="+a.Value.Emit())
	}
	return fmt.Sprint(kv)
}

// spanAttrs is a span's attributes, as key → emitted value.
func spanAttrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, a := range s.Attributes() {
		out[string(a.Key)] = a.Value.Emit()
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
	throttle := &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	cases := []struct {
		name       string
		api        func(f *resetpwtest.Fake) resetpw.API
		preflight  resetpw.Preflight
		username   string
		before     func(f *resetpwtest.Fake)
		wantStatus codes.Code
		wantAttrs  map[string]string
		wantReset  []string // the cognitoreset.resets point's attributes
		wantCalls  map[string]int64
		retries    int64
	}{
		{name: "sent", username: "user0000", preflight: resetpw.PreflightFull, wantStatus: codes.Unset,
			wantAttrs: map[string]string{"cognitoreset.medium": "EMAIL", "cognitoreset.sender": "SES", "cognitoreset.input": "username"},
			wantReset: []string{"cognitoreset.medium=EMAIL", "cognitoreset.outcome=sent"},
			wantCalls: map[string]int64{"AdminGetUser": 1, "AdminResetUserPassword": 1, "DescribeUserPool": 1}},
		{name: "refused before anything is sent", username: "not a name", preflight: resetpw.PreflightFull, wantStatus: codes.Error,
			wantAttrs: map[string]string{"error.type": "invalid_input", "cognitoreset.step": "validate", "cognitoreset.fate": "not_sent"},
			wantReset: []string{"cognitoreset.fate=not_sent", "cognitoreset.outcome=refused", "error.type=invalid_input"},
			wantCalls: map[string]int64{}},
		{name: "throttled, then sent", username: "user0000", preflight: resetpw.PreflightOff, wantStatus: codes.Unset,
			before:    func(f *resetpwtest.Fake) { f.FailNext(resetpwtest.OpAdminResetUserPassword, 1, throttle) },
			wantReset: []string{"cognitoreset.outcome=sent"},
			wantCalls: map[string]int64{"AdminResetUserPassword": 2}, retries: 1},
		{name: "failed, fate unknown", username: "user0000", preflight: resetpw.PreflightOff, wantStatus: codes.Error,
			api:       func(*resetpwtest.Fake) resetpw.API { return unknownAPI{} },
			wantAttrs: map[string]string{"error.type": "unavailable", "cognitoreset.step": "reset", "cognitoreset.fate": "unknown"},
			wantReset: []string{"cognitoreset.fate=unknown", "cognitoreset.outcome=failed", "error.type=unavailable"},
			wantCalls: map[string]int64{"AdminResetUserPassword": 1}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := bulkWorld(t, 1)
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			var api resetpw.API = srv.Client()
			if tt.api != nil {
				api = tt.api(f)
			}
			if tt.before != nil {
				tt.before(f)
			}
			rec, opts := newRecorders(t)
			r, err := resetpw.New(api, append(opts, resetpw.WithPreflight(tt.preflight), resetpw.WithBackoff(time.Millisecond, time.Millisecond))...)
			require.NoError(t, err)
			res, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: tt.username})

			spans := rec.ended()
			require.Len(t, spans, 1, "one span, and no other: the library makes no Cognito span itself")
			s := spans[0]
			assert.Equal(t, "cognitoreset.Reset", s.Name())
			assert.Equal(t, tt.wantStatus, s.Status().Code)
			attrs := spanAttrs(s)
			assert.Equal(t, pool, attrs["cognitoreset.pool.id"])
			for k, v := range tt.wantAttrs {
				assert.Equal(t, v, attrs[k], k)
			}
			if err != nil {
				assert.Equal(t, resetpw.KindOf(err).Code(), s.Status().Description, "the kind's code, never the message")
			} else {
				assert.Equal(t, res.RequestID, attrs["aws.request_id"])
				assert.NotEmpty(t, res.RequestID)
			}
			assert.Equal(t, int64(1), rec.sum(t, "cognitoreset.resets", tt.wantReset...))
			assert.Equal(t, uint64(1), rec.histCount(t, "cognitoreset.reset.duration"))
			var calls int64
			for op, n := range tt.wantCalls {
				calls += n
				assert.Equal(t, n, rec.sum(t, "cognitoreset.cognito.calls", "*")-sumOthers(t, rec, op), op)
			}
			assert.Equal(t, calls, rec.sum(t, "cognitoreset.cognito.calls", "*"), "calls in all")
			assert.Equal(t, tt.retries, rec.sum(t, "cognitoreset.cognito.retries", "*"))
		})
	}
}

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
