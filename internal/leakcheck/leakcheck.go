// Package leakcheck fails a test that leaves goroutines behind. It does what
// go.uber.org/goleak does, in the part this module needs; goleak v1.3.0
// can't parse the stack traces of Go 1.26 ("...N frames elided...") and
// panics.
package leakcheck

import (
	"bytes"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// grace is how long Check waits for goroutines to end.
var grace = 5 * time.Second

var header = regexp.MustCompile(`(?m)^goroutine (\d+) \[`)

// goroutines returns the stack of every goroutine by ID.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := map[string]string{}
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		if m := header.FindSubmatch(block); m != nil {
			out[string(m[1])] = string(block)
		}
	}
	return out
}

// Check records the goroutines running now and, when t ends, fails it if
// others started since are still running after a grace period of 5 seconds.
// Call it first in a test, so that its check runs after every other cleanup.
func Check(t testing.TB) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		deadline := time.Now().Add(grace)
		for {
			var leaked []string
			for id, stack := range goroutines() {
				if _, ok := before[id]; !ok && !strings.Contains(stack, "leakcheck.goroutines") {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("leakcheck: %d goroutine(s) left behind:\n\n%s", len(leaked), strings.Join(leaked, "\n\n"))
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
