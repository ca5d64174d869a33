// Package redistest gives the tests of this module a real Redis: the one at
// REDIS_ADDR when that is set, or a redis-server it starts on a free
// 127.0.0.1 port and stops by PID. Tests skip, saying why, when neither is
// there.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cognitoreset/cognitoreset/internal/loopback"
)

// ErrNotInstalled is Start's error when redis-server is not on PATH.
var ErrNotInstalled = errors.New("REDIS_ADDR is not set and redis-server is not on PATH (apt-get install -y redis-server)")

var (
	addr       string
	skipReason = "redistest: Run was not called from TestMain"
)

// Run starts redis-server if it is needed and can be found, runs the tests,
// and stops it. Call it from TestMain: os.Exit(redistest.Run(m)).
func Run(m *testing.M) int {
	if a := os.Getenv("REDIS_ADDR"); a != "" {
		addr = a
		return m.Run()
	}
	a, stop, err := Start()
	if err != nil {
		skipReason = "redistest: " + err.Error() + "; Redis tests skipped"
		return m.Run()
	}
	defer stop()
	addr = a
	return m.Run()
}

// Addr returns the shared Redis's address, or skips t saying why there is
// none.
func Addr(t testing.TB) string {
	t.Helper()
	if addr == "" {
		t.Skip(skipReason)
	}
	return addr
}

// Client returns a client of the shared Redis with short timeouts, closed
// when t ends. It deletes nothing (REDIS_ADDR may name a Redis in use): give
// each test keys of its own, with Prefix.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	c := NewClient(Addr(t))
	t.Cleanup(func() { c.Close() })
	return c
}

// Prefix returns a key prefix no other test run uses.
func Prefix(t testing.TB) string {
	return fmt.Sprintf("cognitoreset-test-%d-%d", os.Getpid(), time.Now().UnixNano())
}

// NewClient returns a client of addr whose failures come fast: 200 ms to
// dial, read or write, and no retries.
func NewClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
}

// Start starts a redis-server of its own on a free 127.0.0.1 port (package
// internal/loopback), with no persistence, and waits until it answers. stop
// ends it by PID; a test may call it early to make Redis go away.
func Start() (addr string, stop func(), err error) {
	addr, stop, err = loopback.Server{
		Program: "redis-server",
		Args: func(port int) []string {
			return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
		},
		Ready: func(addr string) error {
			c := NewClient(addr)
			defer c.Close()
			return c.Ping(context.Background()).Err()
		},
		Within: 10 * time.Second,
	}.Start()
	if errors.Is(err, loopback.ErrNotFound) {
		return "", nil, ErrNotInstalled
	}
	return addr, stop, err
}
