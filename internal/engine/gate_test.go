package engine

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

func (l *recordingLimiter) Wait(ctx context.Context, c quota.Category) error {
	l.note("wait " + string(c))
	return ctx.Err()
}

// adaptiveRecorder is a recordingLimiter that adapts.
type adaptiveRecorder struct{ recordingLimiter }

func (l *adaptiveRecorder) Throttled(c quota.Category) { l.note("throttled " + string(c)) }
func (l *adaptiveRecorder) Succeeded(c quota.Category) { l.note("succeeded " + string(c)) }

// A quota.Limiter is only asked to Wait; one that is also an quota.AdaptiveLimiter is
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
		lim    quota.Limiter
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
	var g *Gate
	assert.Nil(t, NewGate(nil), "no quota.Limiter: no gate")
	assert.NoError(t, g.wait(context.Background(), quota.CategoryUserRead))
	assert.NotPanics(t, func() { g.throttled(quota.CategoryUserRead); g.succeeded(quota.CategoryUserRead) })
	assert.Nil(t, NewGate(&recordingLimiter{}).adaptive, "a plain quota.Limiter does not adapt")
	assert.NotNil(t, NewGate(&adaptiveRecorder{}).adaptive)
}
