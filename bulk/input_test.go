package bulk_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Each input's Key reaches its outcome whatever the order the outcomes
// come in; a plan's resettable inputs feed a run with their keys, and the
// run sends exactly those.
func TestInputKeys_PlanThenRun(t *testing.T) {
	f, pool := bulkWorld(t, 4)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	tickets := []struct {
		key  string
		user string
	}{{"T-1", "user0000"}, {"T-2", "ghost"}, {"T-3", "user0001"}, {"T-4", "user0000"}, {"T-5", "user0003"}}
	inputs := func(yield func(bulk.Input) bool) {
		for _, tk := range tickets {
			if !yield(bulk.Input{Key: tk.key, Request: resetpw.Request{UserPoolID: pool, Username: tk.user}}) {
				return
			}
		}
	}
	planned := make([]bulk.Outcome, len(tickets))
	_, err = bulk.Plan(context.Background(), r, inputs, bulk.Options{Concurrency: 4}, func(o bulk.Outcome) { planned[o.Index] = o })
	require.NoError(t, err)
	for i, o := range planned {
		assert.Equal(t, tickets[i].key, o.Input.Key, "input %d", i)
	}
	var keys []any
	for in := range bulk.Resettable(planned) {
		keys = append(keys, in.Key)
	}
	assert.Equal(t, []any{"T-1", "T-3", "T-5"}, keys, "neither the failure nor the duplicate")

	var sent []any
	sum, err := bulk.Run(context.Background(), r, bulk.Resettable(planned), bulk.Options{Concurrency: 4}, func(o bulk.Outcome) {
		if o.Err == nil && !o.Duplicate {
			sent = append(sent, o.Input.Key)
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Sent)
	slices.SortFunc(sent, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
	assert.Equal(t, []any{"T-1", "T-3", "T-5"}, sent)
	assert.Len(t, f.Deliveries(), 3, "no bookkeeping: exactly the resettable inputs were sent")
}

// Requests keys each input by its position.
func TestRequests_KeysByPosition(t *testing.T) {
	var keys []any
	for in := range bulk.Requests(slices.Values([]resetpw.Request{{Username: "a"}, {Username: "b"}})) {
		keys = append(keys, in.Key)
	}
	assert.Equal(t, []any{0, 1}, keys)
}

// Options.Preflight sets one run's level over the Resetter's: a Resetter
// made with PreflightOff plans in full when its plan asks it, and an
// invalid level is ErrConfig, nothing read.
func TestOptionsPreflight_PerRun(t *testing.T) {
	f, pool := bulkWorld(t, 2)
	r, err := resetpw.New(f, resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	reqs := bulk.Requests(requests(pool, "user0000", "user0001"))
	off, err := bulk.Plan(context.Background(), r, reqs, bulk.Options{}, nil)
	require.NoError(t, err)
	assert.Empty(t, off.ByMedium, "the Resetter's level: nothing predicted")
	full, err := bulk.Plan(context.Background(), r, reqs, bulk.Options{Preflight: resetpw.PreflightFull}, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, full.ByMedium[resetpw.MediumEmail], "the run's own level: predicted")
	_, err = bulk.Plan(context.Background(), r, reqs, bulk.Options{Preflight: "most"}, nil)
	assert.ErrorIs(t, err, resetpw.ErrConfig)
	assert.ErrorContains(t, err, "Options.Preflight")
}
