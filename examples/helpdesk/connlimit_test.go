package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// slowBody is a request that announces a 100-byte body and sends 1 byte,
// with the given Authorization header ("" for none).
func slowBody(auth string) string {
	h := "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
	if auth != "" {
		h += "Authorization: " + auth + "\r\n"
	}
	return h + "\r\nx"
}

// skipWithoutLoopbackAliases skips when 127.0.0.2 can't reach addr.
func skipWithoutLoopbackAliases(t *testing.T, addr string) {
	t.Helper()
	c, err := dialFrom("127.0.0.2", addr)
	if err != nil {
		t.Skipf("can't dial from 127.0.0.2: %v", err)
	}
	c.Close()
}

// agentPost sends alice's reset of diego on a connection of its own.
func agentPost(t *testing.T, addr string) (int, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// A refused request's unread body is not waited for: the 401 comes at once
// and the server closes the connection, long before its read timeout.
// (net/http reads up to 256 KiB of an unread body before it answers,
// at the pace the client sends it.)
func TestRefusedRequestClosesWithoutWaitingForItsBody(t *testing.T) {
	m := resetpwtest.NewMock(t) // nothing may be looked up
	addr := serve(t, newService(m, nil), Limits{ReadTimeout: time.Minute})
	for name, auth := range map[string]string{"no credential": "", "a wrong token": "Bearer " + testToken("guess")} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			defer c.Close()
			_, err = io.WriteString(c, slowBody(auth))
			require.NoError(t, err)
			// Far less than the server's ReadTimeout: only a server that
			// answers at once and closes passes.
			require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
			b, err := io.ReadAll(c)
			require.NoError(t, err, "the server closes the connection after its answer")
			assert.Contains(t, string(b), "401 Unauthorized")
			assert.Contains(t, string(b), "Connection: close")
		})
	}
}

// Slow bodies on every slot of the total cap, from many addresses: none of
// them counts as serving (their callers are not authenticated), so a valid
// agent's new connection gets a slot and is answered.
func TestSlowBodiesAtTheCapDontKeepAnAgentOut(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{ReadHeaderTimeout: time.Minute, ReadTimeout: time.Minute, MaxConns: 64, MaxConnsPerAddr: 8}
	addr := serve(t, newService(m, nil), lim)
	skipWithoutLoopbackAliases(t, addr)
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := range 2 * lim.MaxConns { // twice what fits, from 16 addresses
		c, err := dialFrom(fmt.Sprintf("127.0.0.%d", 2+i/lim.MaxConnsPerAddr), addr)
		require.NoError(t, err)
		slow = append(slow, c)
		auth := ""
		if i%2 == 1 {
			auth = "Bearer " + testToken(fmt.Sprint("guess", i))
		}
		_, err = io.WriteString(c, slowBody(auth))
		require.NoError(t, err)
	}
	code, err := agentPost(t, addr)
	require.NoError(t, err, "the agent is answered, long before any slow connection times out")
	assert.Equal(t, http.StatusNoContent, code)
}

// Idle connections from the address the agents share (an office, a VPN,
// the load balancer), up to its cap: an agent's new connection from that
// address takes the place of the oldest idle one, instead of being closed
// at once.
func TestIdleConnectionsFromTheAgentsAddressDontLockItOut(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{ReadHeaderTimeout: time.Minute, IdleTimeout: time.Minute, MaxConnsPerAddr: 8}
	addr := serve(t, newService(m, nil), lim)
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 4 * lim.MaxConnsPerAddr { // from 127.0.0.1, as the agent
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		idle = append(idle, c)
	}
	code, err := agentPost(t, addr)
	require.NoError(t, err, "the agent's connection from the same address is served")
	assert.Equal(t, http.StatusNoContent, code)
}

// A connection from an address at its cap takes the place of an idle one,
// never of one serving an authenticated request: the reset in flight is
// answered.
func TestAddressCapNeverEvictsAResetInFlight(t *testing.T) {
	m := resetpwtest.NewMock(t)
	started, release := make(chan struct{}), make(chan struct{})
	expectReset(m).Run(func(mock.Arguments) { close(started); <-release }).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{ReadHeaderTimeout: time.Minute, IdleTimeout: time.Minute, MaxConnsPerAddr: 4}
	addr := serve(t, newService(m, nil), lim)
	answered := make(chan int, 1)
	go func() {
		code, err := agentPost(t, addr)
		if err != nil {
			code = 0
		}
		answered <- code
	}()
	<-started
	var idle []net.Conn
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range 8 * lim.MaxConnsPerAddr {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		idle = append(idle, c)
		_, _ = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n")
	}
	close(release)
	assert.Equal(t, http.StatusNoContent, <-answered)
}

// The connection-cap lines: evictions and refusals are logged, rate-limited,
// with the address and which cap.
func TestConnectionEvictionsAreLogged(t *testing.T) {
	var logs lockedBuffer
	lim := Limits{MaxConnsPerAddr: 2}.withDefaults()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ll := newLimitListener(l, lim, slog.New(slog.NewJSONHandler(&logs, nil)))
	defer ll.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	var clients []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		clients = append(clients, c)
		<-accepted
	}
	for _, c := range clients {
		c.Close()
	}
	var lines []string
	for _, line := range logs.lines(t) {
		lines = append(lines, fmt.Sprint(line["msg"], " ", line["addr"], " ", line["limit"]))
	}
	assert.Equal(t, []string{"helpdesk connection evicted 127.0.0.1 per_address"}, lines)
}
