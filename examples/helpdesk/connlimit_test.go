package main

import (
	"bufio"
	"bytes"
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
	ll.wait = time.Minute // ends as soon as a connection waits for its client
	defer ll.Close()
	accepted := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				close(accepted)
				return
			}
			go func() { _, _ = c.Read(make([]byte, 1)) }() // as the server does: waits for the client
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

// acceptAll accepts ll's connections onto a channel; each is read to its
// end by a goroutine of its own (as the server does: it waits for its
// client) only when read says so.
func acceptAll(ll *limitListener, read func(n int) bool) <-chan net.Conn {
	accepted := make(chan net.Conn, 16)
	go func() {
		for n := 0; ; n++ {
			c, err := ll.Accept()
			if err != nil {
				close(accepted)
				return
			}
			if read(n) {
				go func() { _, _ = io.Copy(io.Discard, c) }()
			}
			accepted <- c
		}
	}()
	return accepted
}

// At the per-address cap, the connection that gives way is one the server
// waits on, stalled in its request (and it is answered 503, with
// Connection: close and Retry-After), never an older one whose request has
// arrived but was not read yet: an agent's fresh connection, its request
// sent in one go.
func TestAddressCapEvictsAStalledConnectionNotOneWithARequestToRead(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ll := newLimitListener(l, Limits{MaxConnsPerAddr: 2}, nil)
	ll.wait = time.Minute // ends as soon as a connection waits for its client
	defer ll.Close()
	accepted := acceptAll(ll, func(n int) bool { return n != 0 }) // the first is not read yet
	dial := func(request string) net.Conn {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		_, err = io.WriteString(c, request)
		require.NoError(t, err)
		return c
	}
	dial("POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\r\n\r\n")
	agent := <-accepted
	stalled := dial("POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n") // never ends
	<-accepted
	dial("POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n")
	<-accepted

	require.NoError(t, stalled.SetReadDeadline(time.Now().Add(10*time.Second)))
	b, err := io.ReadAll(stalled)
	require.NoError(t, err, "the stalled connection was closed")
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	require.NoError(t, err, "the stalled connection was answered: %q", b)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.True(t, resp.Close)
	assert.Contains(t, string(b), "\r\nConnection: close\r\n")
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))

	got := make([]byte, 4)
	_, err = io.ReadFull(agent, got)
	require.NoError(t, err, "the older connection, its request unread, is still open")
	assert.Equal(t, "POST", string(got))
}

// A connection evicted while the server was reading it yields nothing more,
// not even what arrived as it was evicted: its client was told 503, so no
// request of it may be handled.
func TestAnEvictedConnectionYieldsNoRequest(t *testing.T) {
	server, client := net.Pipe()
	defer client.Close()
	ll := newLimitListener(nil, Limits{}, nil)
	c := &limitConn{Conn: server, l: ll}
	read := make(chan error)
	go func() {
		_, err := c.Read(make([]byte, 64))
		read <- err
	}()
	for {
		c.mu.Lock()
		waiting := c.waiting
		c.mu.Unlock()
		if waiting {
			break
		}
		<-ll.wake // Read says when it waits
	}
	ok, _, _ := c.evict(sentNothing)
	require.True(t, ok)
	go func() { _, _ = io.WriteString(client, "POST / HTTP/1.1\r\n\r\n") }() // arrives as it is evicted
	assert.ErrorIs(t, <-read, net.ErrClosed)
	_, err := c.Read(make([]byte, 64))
	assert.ErrorIs(t, err, net.ErrClosed)
}

// A new connection refused at the per-address cap, every connection of the
// address serving a reset, is answered 503 with Retry-After, not just
// closed.
func TestAConnectionRefusedAtTheAddressCapIsAnswered503(t *testing.T) {
	m := resetpwtest.NewMock(t)
	started, release := make(chan struct{}), make(chan struct{})
	expectReset(m).Run(func(mock.Arguments) { close(started); <-release }).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	addr := serve(t, newService(m, nil), Limits{MaxConnsPerAddr: 1})
	answered := make(chan int, 1)
	go func() {
		code, _ := agentPost(t, addr)
		answered <- code
	}()
	<-started
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	close(release)
	assert.Equal(t, http.StatusNoContent, <-answered, "the reset in flight is answered")
}
