package resetpw

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/time/rate"
)

func TestPacer_SlowsAndRecovers(t *testing.T) {
	p := newPacer(map[Category]float64{CategoryUserAccountRecovery: 20, CategoryUserRead: 100, CategoryUserList: 20, CategoryUserPoolRead: 10}, nil)
	assert.Equal(t, rate.Limit(20), p.lims[CategoryUserAccountRecovery].Limit())
	p.Throttled(CategoryUserAccountRecovery)
	assert.InDelta(t, 14, float64(p.lims[CategoryUserAccountRecovery].Limit()), 1e-9)
	for range 50 {
		p.Throttled(CategoryUserAccountRecovery)
	}
	assert.InDelta(t, 2, float64(p.lims[CategoryUserAccountRecovery].Limit()), 1e-9, "floor: a tenth")
	assert.Equal(t, rate.Limit(100), p.lims[CategoryUserRead].Limit(), "other categories untouched")
	for range 100 {
		p.Succeeded(CategoryUserAccountRecovery)
	}
	assert.Equal(t, rate.Limit(20), p.lims[CategoryUserAccountRecovery].Limit(), "back to the configured rate, no higher")
}
