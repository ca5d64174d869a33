package bulk

import (
	"context"
	"testing"

	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/stretchr/testify/require"
)

// nowLimiter lets a call go unless its context has ended.
type nowLimiter struct{}

func (nowLimiter) Wait(ctx context.Context, _ quota.Category) error { return ctx.Err() }
func (nowLimiter) Throttled(quota.Category)                         {}
func (nowLimiter) Succeeded(quota.Category)                         {}

// A run's limiter never lets a call go whose context has already ended:
// the wait's own context learns of the end a moment later (context.AfterFunc
// runs in a goroutine of its own), and a limiter with a token at hand would
// have said yes in between.
func TestRunLimiter_EndedContext(t *testing.T) {
	b := &bulkRun{stop: make(chan struct{})}
	b.stopCtx, b.stopNow = context.WithCancel(context.Background())
	defer b.stopNow()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l := runLimiter{nowLimiter{}, b}
	for range 1000 {
		require.Error(t, l.Wait(ctx, quota.CategoryUserAccountRecovery))
	}
}
