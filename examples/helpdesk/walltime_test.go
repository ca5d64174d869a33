//go:build walltime

package main

// Tests that assert wall-clock times on real sockets: .ci/run runs them
// (go test -tags walltime); the default run leaves them out.

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// 2,000 slow connections (half stuck in their headers, half in a
// body they announced) don't keep a valid agent out; the server closes them
// by itself, and an address past its cap gets no more connections.
func TestSlowConnectionsDontBlockAValidAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 2,000 connections")
	}
	raiseFileLimit(t, 6000)
	m := resetpwtest.NewMock(t)
	resolves(m, "diego").Twice()
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Twice()
	lim := Limits{ReadHeaderTimeout: time.Second, ReadTimeout: 2 * time.Second, IdleTimeout: time.Second, MaxConnsPerAddr: 250}
	addr := serve(t, newService(m, nil), lim)
	if c, err := dialFrom("127.0.0.2", addr); err != nil {
		t.Skipf("can't dial from 127.0.0.2: %v", err)
	} else {
		c.Close()
	}

	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := range 2000 {
		src := fmt.Sprintf("127.0.0.%d", 2+i/250) // 8 addresses, 250 each
		c, err := dialFrom(src, addr)
		require.NoError(t, err)
		slow = append(slow, c)
		if i%2 == 0 {
			_, err = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n") // headers never end
		} else {
			_, err = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx")
		}
		require.NoError(t, err)
	}

	// At its address's cap, the 251st connection of 127.0.0.2 takes the
	// place of the address's oldest one that is not serving (an agent
	// behind the attacker's address gets in), and that one is closed.
	over, err := dialFrom("127.0.0.2", addr)
	require.NoError(t, err)
	require.NoError(t, over.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(over, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+tokens["alice"]+"\r\nConnection: close\r\n\r\n")
	require.NoError(t, err)
	b, err := io.ReadAll(over)
	require.NoError(t, err)
	assert.Contains(t, string(b), "204 No Content", "the 251st connection of 127.0.0.2 is served")
	over.Close()
	require.NoError(t, slow[0].SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = slow[0].Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the oldest connection of 127.0.0.2 was closed")

	// The valid agent gets through, promptly.
	start := time.Now()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Less(t, time.Since(start), time.Second)

	// An idle keep-alive connection is closed after IdleTimeout.
	idle, err := dialFrom("127.0.0.1", addr)
	require.NoError(t, err)
	defer idle.Close()
	_, err = io.WriteString(idle, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, idle.SetReadDeadline(time.Now().Add(lim.IdleTimeout+3*time.Second)))
	b, err = io.ReadAll(idle) // the 401, then EOF when the server closes it
	require.NoError(t, err, "closed by the server, not by our deadline")
	assert.Contains(t, string(b), "401 Unauthorized")

	// The server closes every slow connection by itself, within its
	// timeouts.
	deadline := time.Now().Add(lim.ReadTimeout + 3*time.Second)
	closed := 0
	for _, c := range slow {
		require.NoError(t, c.SetReadDeadline(deadline))
		_, err := io.Copy(io.Discard, c) // a 401 or a 408 maybe, then EOF
		if err == nil {
			closed++
		}
	}
	assert.Equal(t, len(slow), closed, "every slow connection was closed by the server before %s", deadline)
}

// The brute-force figure: guesses per second one attacker (one address,
// 8 connections in parallel) gets against one service over loopback, and
// the expected time to guess a 128-bit token at that rate.
// HELPDESK_BRUTE_FORCE_SECONDS sets how long it guesses (default 3).
func TestBruteForceFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("takes seconds")
	}
	seconds := 3.0
	if v := os.Getenv("HELPDESK_BRUTE_FORCE_SECONDS"); v != "" {
		_, err := fmt.Sscan(v, &seconds)
		require.NoError(t, err)
	}
	m := resetpwtest.NewMock(t) // nothing may be reset
	addr := serve(t, newService(m, nil), Limits{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	stop := time.Now().Add(time.Duration(seconds * float64(time.Second)))
	var mu sync.Mutex
	counted, closed, dropped := 0, 0, 0
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
				req.Header.Set("Authorization", "Bearer "+testToken(fmt.Sprint(w, "-", i)))
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					dropped++ // past the unauthenticated budget: checked, then closed unanswered
					mu.Unlock()
					continue
				}
				resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusUnauthorized:
					counted++ // a failure the throttle counted
				case http.StatusTooManyRequests:
					closed++ // checked too, while the address is closed
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// Every guess is checked, even while the address is closed (so that
	// an attacker sharing it can't lock its agents out): the guess rate
	// is the service's request rate.
	rate := float64(counted+closed+dropped) / seconds
	years := math.Pow(2, 127) / rate / (365.25 * 24 * 3600)
	t.Logf("%.0f s of guessing: %d guesses checked (%.0f/s): %d answered 401 and counted, %d answered 429 while the address was closed, %d closed unanswered past the unauthenticated budget; expected time to guess a 128-bit token at this rate: %.1e years",
		seconds, counted+closed+dropped, rate, counted, closed, dropped, years)
	// 5 free, then one after 1 s, 2 s, 4 s, ...: about 5 + log2(seconds) + 1.
	assert.LessOrEqual(t, counted, 5+int(math.Log2(seconds))+2)
	assert.Positive(t, closed)
}

// Slow connections from more addresses than MaxConns/MaxConnsPerAddr fill
// every slot; a valid agent's new connection still gets through, since the
// oldest connection that is not serving a request gives way to it.
func TestSlowConnectionsFromManyAddressesDontBlockAValidAgent(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{ReadHeaderTimeout: 20 * time.Second, ReadTimeout: 20 * time.Second, MaxConns: 64, MaxConnsPerAddr: 8}
	addr := serve(t, newService(m, nil), lim)
	if c, err := dialFrom("127.0.0.2", addr); err != nil {
		t.Skipf("can't dial from 127.0.0.2: %v", err)
	} else {
		c.Close()
	}
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := range 2 * lim.MaxConns { // twice as many as fit, from 16 addresses
		c, err := dialFrom(fmt.Sprintf("127.0.0.%d", 2+i/lim.MaxConnsPerAddr), addr)
		require.NoError(t, err)
		slow = append(slow, c)
		_, err = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n") // headers never end
		require.NoError(t, err)
	}
	start := time.Now()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	require.NoError(t, err, "the valid agent is answered while every slot is held by slow connections")
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// The slow-body attack at the connection cap: 17 loopback addresses hold
// 256 connections each (4,352, past the cap of 4,096), every one sending
// a request's headers, with or without a wrong token, and 1 byte of the
// 100 it announced, reconnecting whenever the server closes it (from a
// process of its own: startFlood). Eight
// requests of a valid agent, each on a new connection, are answered 204,
// each in under a second.
func TestSlowBodyFloodAtTheCapAnswersAnAgentWithinASecond(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 4,352 connections")
	}
	if raceEnabled {
		t.Skip("the flood and the server share one process: under -race, its wall-clock figure means nothing (run without -race)")
	}
	raiseFileLimit(t, 12000)
	m := resetpwtest.NewMock(t)
	resolves(m, "diego")
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{MaxConns: 4096} // the default caps and timeouts
	s := newService(m, nil)
	s.PerAgent.Rate, s.PerAgent.Burst = 100, 100
	addr := serve(t, s, lim)
	skipWithoutLoopbackAliases(t, addr)
	stop := startFlood(t, flood{Target: addr, Mode: "slowbody", Sources: loopbackSources(17), Per: 256, Seconds: 60})
	time.Sleep(2 * time.Second) // the flood fills every slot
	var slowest time.Duration
	for range 8 {
		start := time.Now()
		code, err := agentPost(t, addr)
		d := time.Since(start)
		slowest = max(slowest, d)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, code)
		assert.Less(t, d, time.Second)
	}
	res := stop()
	t.Logf("%d connections opened by the flood (%d answered 503); the slowest of 8 agent requests took %v", res.Opened, res.Answered503, slowest)
}

// An attacker on the agents' own address (an office, a VPN, the load
// balancer) keeps 2,000 connections going against its cap of 256, each
// sending headers that never end and reconnecting as soon as the server
// closes it: every one of 8 agent requests from that address, each on a
// new connection, is answered 204 in under a second (the agent's fresh
// connection, its request waiting to be read, is never the one evicted),
// and the attacker's evicted connections are answered 503.
func TestReconnectingFloodAtTheAddressCapNeverEvictsAnAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("keeps 2,000 connections going")
	}
	if raceEnabled {
		t.Skip("under -race, the wall-clock figure means nothing (run without -race)")
	}
	m := resetpwtest.NewMock(t)
	resolves(m, "diego")
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	s := newService(m, nil)
	s.PerAgent.Rate, s.PerAgent.Burst = 100, 100
	addr := serve(t, s, Limits{}) // 256 connections per address
	stop := startFlood(t, flood{Target: addr, Mode: "slowheader", Sources: []string{"127.0.0.1"}, Per: 2000, Seconds: 60})
	time.Sleep(2 * time.Second) // the flood fills the address's cap
	codes, times := agentTimes(t, addr, "127.0.0.1", 8)
	res := stop()
	t.Logf("the flood opened %d connections, %d of them answered 503; the agent's answers %v in %v", res.Opened, res.Answered503, codes, times)
	for i := range codes {
		assert.Equal(t, http.StatusNoContent, codes[i], "agent request %d", i)
		assert.Less(t, times[i], time.Second, "agent request %d", i)
	}
	assert.Greater(t, res.Opened, int64(2000), "the flood reconnected")
	assert.Positive(t, res.Answered503, "evicted connections are answered 503")
}

// Idle connections from the agents' own address at its cap (256), held
// open: an agent's request from that address, on a new connection, is
// answered in under a second.
func TestIdleConnectionsAtTheAddressCapAnswerAnAgentWithinASecond(t *testing.T) {
	m := resetpwtest.NewMock(t)
	resolves(m, "diego")
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	s := newService(m, nil)
	s.PerAgent.Rate, s.PerAgent.Burst = 100, 100
	addr := serve(t, s, Limits{})
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 256 {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		idle = append(idle, c)
	}
	for range 8 {
		start := time.Now()
		code, err := agentPost(t, addr)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, code)
		assert.Less(t, time.Since(start), time.Second)
	}
}

// raiseFileLimit lifts the soft file-descriptor limit to at least n, or
// skips.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var rl syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl))
	if rl.Cur >= n {
		return
	}
	if rl.Max < n {
		t.Skipf("file-descriptor limit %d is below the %d this test needs", rl.Max, n)
	}
	rl.Cur = n
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl))
}
