//go:build walltime

package main

// The attacker of the wall-clock flood tests runs in a process of its own
// (this test binary, run again with HELPDESK_FLOOD set), as a real one runs
// on a machine of its own: in the test's process, its thousands of
// goroutines would share one Go scheduler with the agent's client and the
// server, and the agent's latency would measure that scheduler, not the
// service.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// flood is what the attacker process does: from each of Sources, Per
// connections, each sending Mode's bytes ("slowheader": headers that never
// end; "slowbody": headers, every other one with a wrong token, announcing
// 100 bytes of body and sending 1), and reconnecting as soon as the server
// closes it, until its stdin closes or Seconds pass.
type flood struct {
	Target  string
	Mode    string
	Sources []string
	Per     int
	Seconds int
}

// floodResult is what the attacker process reports: connections opened,
// and how many of them the server answered 503.
type floodResult struct {
	Opened, Answered503 int64
}

// startFlood starts f in a process of its own, and returns a function that
// stops it and returns what it reports.
func startFlood(t *testing.T, f flood) (stop func() floodResult) {
	t.Helper()
	spec, err := json.Marshal(f)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^TestFloodProcess$", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "HELPDESK_FLOOD="+string(spec))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	var once sync.Once
	var res floodResult
	stop = func() floodResult {
		once.Do(func() {
			stdin.Close()
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if line, ok := strings.CutPrefix(sc.Text(), "flood: "); ok {
					_ = json.Unmarshal([]byte(line), &res)
				}
			}
			_ = cmd.Wait()
		})
		return res
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestFloodProcess is the attacker process of startFlood; without
// HELPDESK_FLOOD it does nothing.
func TestFloodProcess(t *testing.T) {
	spec := os.Getenv("HELPDESK_FLOOD")
	if spec == "" {
		t.Skip("the attacker process of the flood tests (startFlood)")
	}
	var f flood
	require.NoError(t, json.Unmarshal([]byte(spec), &f))
	raiseFileLimit(t, uint64(len(f.Sources)*f.Per+1000))
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	time.AfterFunc(time.Duration(f.Seconds)*time.Second, func() { os.Stdin.Close() })
	var opened, answered503 atomic.Int64
	var wg sync.WaitGroup
	for a, src := range f.Sources {
		for i := range f.Per {
			wg.Go(func() {
				msg := "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n"
				if f.Mode == "slowbody" {
					auth := ""
					if i%2 == 1 {
						auth = "Bearer " + testToken(fmt.Sprint("guess", a, i))
					}
					msg = slowBody(auth)
				}
				buf := make([]byte, 64)
				for {
					select {
					case <-done:
						return
					default:
					}
					c, err := dialFrom(src, f.Target)
					if err != nil {
						select {
						case <-done:
							return
						case <-time.After(10 * time.Millisecond):
						}
						continue
					}
					opened.Add(1)
					_, _ = io.WriteString(c, msg)
					closed := make(chan struct{})
					go func() {
						select {
						case <-done:
						case <-closed:
						}
						c.Close()
					}()
					n, _ := io.ReadFull(c, buf[:12])
					if n == 12 && string(buf[:12]) == "HTTP/1.1 503" {
						answered503.Add(1)
					}
					_, _ = io.Copy(io.Discard, c) // until the server closes it
					close(closed)
				}
			})
		}
	}
	wg.Wait()
	b, _ := json.Marshal(floodResult{Opened: opened.Load(), Answered503: answered503.Load()})
	fmt.Println("flood: " + string(b))
}

// loopbackSources returns n source addresses from 127.0.0.2 on.
func loopbackSources(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "127.0.0." + strconv.Itoa(2+i)
	}
	return out
}

// agentTimes sends n of alice's resets of diego, each on a new connection,
// from src, and returns each one's status (0: no answer) and time.
func agentTimes(t *testing.T, addr, src string, n int) (codes []int, times []time.Duration) {
	t.Helper()
	for range n {
		start := time.Now()
		code := agentPostFrom(t, addr, src)
		codes, times = append(codes, code), append(times, time.Since(start))
	}
	return codes, times
}

// agentPostFrom sends alice's reset of diego on a new connection from src,
// and returns the status, or 0 when the connection ended without one.
func agentPostFrom(t *testing.T, addr, src string) int {
	t.Helper()
	c, err := dialFrom(src, addr)
	if err != nil {
		return 0
	}
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+tokens["alice"]+"\r\nConnection: close\r\n\r\n")
	if err != nil {
		return 0
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0
	}
	var code int
	_, _ = fmt.Sscanf(line, "HTTP/1.1 %d", &code)
	return code
}
