package followup_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cognitoreset/cognitoreset/followup"
)

// Record sets one gauge series per state, every state present, and one
// for the users never sent a code, labelled by the state alone (a closed
// set); and the maybe-sent gauge without a label.
func TestReport_RecordSetsAGaugePerState(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	rep := followup.Report{Pool: "us-west-2_aaaaaaaaa", Counts: map[followup.State]int{followup.Completed: 30, followup.Pending: 50, followup.Expired: 20},
		MaybeSent: 3, NotSent: 4}
	require.NoError(t, rep.Record(t.Context(), mp))
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(t.Context(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	require.Len(t, rm.ScopeMetrics[0].Metrics, 2)
	m := rm.ScopeMetrics[0].Metrics[0]
	assert.Equal(t, "cognitoreset.followup.users", m.Name)
	got := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Gauge[int64]).DataPoints {
		assert.Equal(t, 1, dp.Attributes.Len(), "one label")
		v, ok := dp.Attributes.Value(attribute.Key("cognitoreset.state"))
		require.True(t, ok)
		got[v.AsString()] = dp.Value
	}
	assert.Equal(t, map[string]int64{"completed": 30, "pending": 50, "expired": 20, "changed": 0, "no_record": 0, "not_sent": 4}, got)
	maybe := rm.ScopeMetrics[0].Metrics[1]
	assert.Equal(t, "cognitoreset.followup.maybe_sent", maybe.Name)
	dps := maybe.Data.(metricdata.Gauge[int64]).DataPoints
	require.Len(t, dps, 1)
	assert.Zero(t, dps[0].Attributes.Len(), "no label")
	assert.Equal(t, int64(3), dps[0].Value)
}
