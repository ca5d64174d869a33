package loopback_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/loopback"
)

var errNotYet = errors.New("not answering")

func TestStart_Errors(t *testing.T) {
	_, _, err := loopback.Server{Program: "no-such-program-here", Args: func(int) []string { return nil }}.Start()
	assert.ErrorIs(t, err, loopback.ErrNotFound)

	_, _, err = loopback.Server{Program: "false", Args: func(int) []string { return nil },
		Ready: func(string) error { return errNotYet }}.Start()
	assert.ErrorContains(t, err, "exited", "a program that exits before it answers")

	start := time.Now()
	_, _, err = loopback.Server{Program: "sleep", Args: func(int) []string { return []string{"30"} },
		Ready: func(string) error { return errNotYet }, Within: 200 * time.Millisecond}.Start()
	assert.ErrorIs(t, err, errNotYet, "one that never answers is stopped")
	assert.Less(t, time.Since(start), 10*time.Second, "three tries of 200 ms, and their stops")
}

// A program that "answers" at once: Start hands back its loopback address,
// and stop ends it.
func TestStart_ReadyAndStop(t *testing.T) {
	var seen string
	addr, stop, err := loopback.Server{Program: "sleep", Args: func(int) []string { return []string{"30"} },
		Ready: func(a string) error { seen = a; return nil }}.Start()
	require.NoError(t, err)
	assert.Equal(t, seen, addr)
	host, _, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stop did not end the process")
	}
}
