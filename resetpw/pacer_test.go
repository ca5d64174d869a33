package resetpw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/time/rate"
)

func TestPacer_SlowsAndRecovers(t *testing.T) {
	p := newPacer(BulkOptions{ResetRate: 20, UserReadRate: 100, UserListRate: 20, PoolReadRate: 10}, nil)
	assert.Equal(t, rate.Limit(20), p.lims[catRecovery].Limit())
	p.throttled(catRecovery)
	assert.InDelta(t, 14, float64(p.lims[catRecovery].Limit()), 1e-9)
	for range 50 {
		p.throttled(catRecovery)
	}
	assert.InDelta(t, 2, float64(p.lims[catRecovery].Limit()), 1e-9, "floor: a tenth")
	assert.Equal(t, rate.Limit(100), p.lims[catUserRead].Limit(), "other categories untouched")
	for range 100 {
		p.ok(catRecovery)
	}
	assert.Equal(t, rate.Limit(20), p.lims[catRecovery].Limit(), "back to the configured rate, no higher")
}
