package resetpw

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
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
		CategoryUserPoolRead: 12, CategoryUserUpdate: 20}
	got := DefaultRates()
	assert.Equal(t, want, got)
	got[CategoryUserRead] = 1
	assert.Equal(t, want, DefaultRates(), "each call returns a new map")
	for c, r := range DefaultRates() {
		assert.Less(t, r, quotas[c], "%s: the default is under the quota", c)
		assert.Contains(t, opNames, c, "%s: named for log lines", c)
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
			CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20}},
		{"one given, the rest default", map[Category]float64{CategoryUserRead: 7}, map[Category]rate.Limit{
			CategoryUserAccountRecovery: 15, CategoryUserRead: 7, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20}},
		{"0 is the default", map[Category]float64{CategoryUserList: 0}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20}},
		{"negative: not paced", map[Category]float64{CategoryUserUpdate: -1}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12}},
		{"a category of its own", map[Category]float64{"Other": 3}, map[Category]rate.Limit{CategoryUserAccountRecovery: 15,
			CategoryUserRead: 100, CategoryUserList: 25, CategoryUserPoolRead: 12, CategoryUserUpdate: 20, "Other": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			given := map[Category]float64{}
			for c, r := range tt.rates {
				given[c] = r
			}
			l := NewLocalLimiter(tt.rates)
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

// recordingLimiter lets every call go and records what it is told.
type recordingLimiter struct {
	mu     sync.Mutex
	events []string
}

func (l *recordingLimiter) note(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, s)
}

func (l *recordingLimiter) Wait(ctx context.Context, c Category) error {
	l.note("wait " + string(c))
	return ctx.Err()
}

// adaptiveRecorder is a recordingLimiter that adapts.
type adaptiveRecorder struct{ recordingLimiter }

func (l *adaptiveRecorder) Throttled(c Category) { l.note("throttled " + string(c)) }
func (l *adaptiveRecorder) Succeeded(c Category) { l.note("succeeded " + string(c)) }

// A Limiter is only asked to Wait; one that is also an AdaptiveLimiter is
// told how each call went, the throttled one included.
func TestLimiter_AdaptationIsOptional(t *testing.T) {
	throttled := &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	setUp := func() *stubAPI {
		stub := newStub()
		stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "d@example.com", "email_verified", "true")
		stub.errs["AdminResetUserPassword"] = []error{throttled, nil}
		return stub
	}
	plain := &recordingLimiter{}
	adaptive := &adaptiveRecorder{}
	tests := []struct {
		name   string
		lim    Limiter
		events *recordingLimiter
		want   []string
	}{
		{"plain", plain, plain, []string{"wait UserPoolRead", "wait UserRead", "wait UserAccountRecovery", "wait UserAccountRecovery"}},
		{"adaptive", adaptive, &adaptive.recordingLimiter, []string{
			"wait UserPoolRead", "succeeded UserPoolRead", "wait UserRead", "succeeded UserRead",
			"wait UserAccountRecovery", "throttled UserAccountRecovery", "wait UserAccountRecovery", "succeeded UserAccountRecovery"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := setUp()
			r := newTestResetter(t, stub, WithLimiter(tt.lim))
			_, err := r.Reset(context.Background(), Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
			require.NoError(t, err)
			assert.Equal(t, 2, stub.count("AdminResetUserPassword"), "the throttled reset was retried")
			assert.Equal(t, tt.want, tt.events.events)
		})
	}
}

func TestGate_Nil(t *testing.T) {
	var g *gate
	assert.Nil(t, newGate(nil), "no Limiter: no gate")
	assert.NoError(t, g.wait(context.Background(), CategoryUserRead))
	assert.NotPanics(t, func() { g.throttled(CategoryUserRead); g.succeeded(CategoryUserRead) })
	assert.Nil(t, newGate(&recordingLimiter{}).adaptive, "a plain Limiter does not adapt")
	assert.NotNil(t, newGate(&adaptiveRecorder{}).adaptive)
}
