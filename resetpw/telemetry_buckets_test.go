package resetpw_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// The durations are in seconds, so their buckets are too: the SDK's
// default bounds (0, 5, 10, 25, ... 10000) are milliseconds', and put
// every reset (a fraction of a second) in one bucket.
func TestTelemetry_DurationBucketsInSeconds(t *testing.T) {
	f, pool := bulkWorld(t, 2)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	rec, opts := newRecorders(t)
	r, err := resetpw.New(srv.Client(), opts...)
	require.NoError(t, err)
	_, err = bulk.Run(t.Context(), r, bulk.Requests(requests(pool, "user0000", "user0001")), bulk.Options{}, nil)
	require.NoError(t, err)
	m := rec.metrics(t)
	for _, name := range []string{"cognitoreset.reset.duration", "cognitoreset.limiter.wait.duration"} {
		h, ok := m[name].(metricdata.Histogram[float64])
		require.True(t, ok, name)
		require.NotEmpty(t, h.DataPoints, name)
		b := h.DataPoints[0].Bounds
		assert.Less(t, b[0], 0.01, "%s: a first bound under 10 ms: %v", name, b)
		assert.LessOrEqual(t, b[len(b)-1], 60.0, "%s: a last bound of a minute at most: %v", name, b)
	}
}
