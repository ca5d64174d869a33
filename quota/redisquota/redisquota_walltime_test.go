//go:build walltime

package redisquota_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Wall-clock checks on real sockets, run by .ci/run with -tags walltime.

// Two runs sharing one budget through Redis take as long as that one
// budget allows: 600 resets at 285 a second.
func TestSharedBudgetPacesTwoRunsAsOne(t *testing.T) {
	_, _, elapsed := twoRuns(t, sharedBudgetUsers, sharedLimiter(t))
	rate := 0.95 * 30 * scale
	floor := time.Duration(float64(2*sharedBudgetUsers) / rate * float64(time.Second))
	assert.GreaterOrEqual(t, elapsed, floor-100*time.Millisecond, "the two runs shared one budget: 600 resets at 285/s")
}

// Without a shared budget, two runs at 95% of the quota each are throttled
// together.
func TestRunsPacedAloneAreThrottledTogether(t *testing.T) {
	sums, throttled, elapsed := twoRuns(t, sharedBudgetUsers, nil)
	// The contrast needs a machine that drives the two runs past the
	// quota together; a loaded one may not reach it, and then nothing
	// can be throttled, shared budget or not.
	if rate := float64(sums[0].Sent+sums[1].Sent) / elapsed.Seconds(); throttled == 0 && rate < 30*scale {
		t.Skipf("the two runs reached only %.0f/s together, under the scaled quota of %v/s: this machine is too loaded to show the contrast", rate, 30*scale)
	}
	assert.Positive(t, throttled, "two runs at 95%% each exceed the quota together")
}
