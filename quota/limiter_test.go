package quota

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestDefaultRates(t *testing.T) {
	want := map[Category]float64{CategoryUserAccountRecovery: 15, CategoryUserRead: 100, CategoryUserList: 25,
		CategoryUserPoolRead: 12, CategoryUserUpdate: 20, CategoryUserCreation: 25}
	got := DefaultRates()
	assert.Equal(t, want, got)
	got[CategoryUserRead] = 1
	assert.Equal(t, want, DefaultRates(), "each call returns a new map")
	for c, r := range DefaultRates() {
		assert.Less(t, r, quotas[c], "%s: the default is under the quota", c)
	}
	assert.Len(t, quotas, len(want), "one quota per category")
	assert.Equal(t, quotas[CategoryUserAccountRecovery]/2, DefaultRates()[CategoryUserAccountRecovery],
		"resets leave half of their quota to the application's own users")
}

func TestNewLocalLimiter_Rates(t *testing.T) {
	tests := []struct {
		name  string
		rates map[Category]float64
		want  map[Category]rate.Limit // the bucket of each category; absent: not paced
	}{
		{"nil: the defaults", nil, map[Category]rate.Limit{CategoryUserAccountRecovery: 15, CategoryUserRead: 100,
			CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20, CategoryUserCreation: 25}},
		{"one given, the rest default", map[Category]float64{CategoryUserRead: 7}, map[Category]rate.Limit{
			CategoryUserAccountRecovery: 15, CategoryUserRead: 7, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20, CategoryUserCreation: 25}},
		{"0 is the default", map[Category]float64{CategoryUserList: 0}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20, CategoryUserCreation: 25}},
		{"negative: not paced", map[Category]float64{CategoryUserUpdate: -1}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserCreation: 25}},
		{"a category of its own", map[Category]float64{"Other": 3}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20, CategoryUserCreation: 25, "Other": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			given := map[Category]float64{}
			for c, r := range tt.rates {
				given[c] = r
			}
			l := NewLocalLimiter(tt.rates, nil)
			p, ok := l.(*pacer)
			require.True(t, ok, "%T", l)
			got := map[Category]rate.Limit{}
			for c, b := range p.lims {
				got[c] = b.Limit()
			}
			assert.Equal(t, tt.want, got)
			if tt.rates != nil {
				assert.Equal(t, given, tt.rates, "the caller's map is not changed")
			}
		})
	}
}
