package leakcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB that records failures and runs cleanups on demand.
type recorder struct {
	testing.TB
	failed   []string
	cleanups []func()
}

func (r *recorder) Helper()                        {}
func (r *recorder) Cleanup(f func())               { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, a ...any) { r.failed = append(r.failed, format) }
func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestCheck(t *testing.T) {
	grace = 200 * time.Millisecond
	defer func() { grace = 5 * time.Second }()
	clean := &recorder{TB: t}
	Check(clean)
	done := make(chan struct{})
	go func() { <-done }()
	close(done)
	clean.end()
	assert.Empty(t, clean.failed, "a goroutine that ends in time is no leak")

	leaky := &recorder{TB: t}
	Check(leaky)
	stop := make(chan struct{})
	go func() { <-stop }()
	leaky.end()
	close(stop)
	assert.Len(t, leaky.failed, 1)
	assert.True(t, strings.HasPrefix(leaky.failed[0], "leakcheck:"))
}
