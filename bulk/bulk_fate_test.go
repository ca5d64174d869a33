package bulk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// An ErrRunStopped outcome, and the error of a stopped run, record their
// fate: not sent (README: every *resetpw.Error carries it). An audit line
// that reads e.Fate must not see "" and call it unknown.
func TestBulk_StoppedOutcomesRecordTheirFate(t *testing.T) {
	f, pool := bulkWorld(t, 6)
	r, err := resetpw.New(&failUser{Fake: f, name: "user0002", err: accessDenied})
	require.NoError(t, err)
	outs, _, runErr := collect(t, r, context.Background(), requests(pool, userNames(6)...), bulk.Options{Concurrency: 1})
	require.ErrorIs(t, runErr, resetpw.ErrRunStopped)
	var e *resetpw.Error
	require.ErrorAs(t, runErr, &e)
	assert.Equal(t, resetpw.FateNotSent, e.Fate, "the run's error")
	stopped := 0
	for _, o := range outs {
		if errors.Is(o.Err, resetpw.ErrRunStopped) {
			stopped++
			require.ErrorAs(t, o.Err, &e)
			assert.Equal(t, resetpw.FateNotSent, e.Fate, "input %d", o.Index)
		}
	}
	assert.Equal(t, 3, stopped)

	_, err = bulk.PlanPool(context.Background(), r, "not a pool", bulk.Options{}, nil)
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.FateNotSent, e.Fate, "PlanPool's invalid pool ID")
}
