// Package redistest gives the tests of this module a real Redis: the one at
// REDIS_ADDR when that is set, or a redis-server it starts on a free
// 127.0.0.1 port and stops by PID. Tests skip, saying why, when neither is
// there.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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
// when t ends, on a database flushed for t.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	c := NewClient(Addr(t))
	t.Cleanup(func() { c.Close() })
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		t.Fatalf("redistest: FLUSHDB: %v", err)
	}
	return c
}

// NewClient returns a client of addr whose failures come fast: 200 ms to
// dial, read or write, and no retries.
func NewClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
}

// Start starts a redis-server of its own on a free 127.0.0.1 port, with no
// persistence, and waits until it answers. stop ends it by PID (SIGTERM,
// then SIGKILL after 5 s); a test may call it early to make Redis go away.
func Start() (addr string, stop func(), err error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, ErrNotInstalled
	}
	for try := 1; ; try++ {
		addr, stop, err = startOnce(path)
		if err == nil || try == 3 {
			return addr, stop, err
		}
	}
}

func startOnce(path string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("no free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("cannot start redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	a := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := NewClient(a)
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := c.Ping(context.Background()).Err(); err == nil {
			return a, stop, nil
		}
		select {
		case <-exited:
			return "", nil, errors.New("redis-server exited")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server did not answer on port %d", port)
		}
	}
}
