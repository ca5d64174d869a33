package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// lockedBuffer is a bytes.Buffer safe for concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		out = append(out, m)
	}
	return out
}

func postFrom(h http.Handler, addr, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/users/diego/password-reset", nil)
	req.RemoteAddr = addr
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Tokens are hashes of 128 random bits, weak ones never
// authenticate, and guesses are logged (rate-limited) and throttled per
// address, without an oracle while closed.
func TestTokensCannotBeBruteForcedInvisibly(t *testing.T) {
	// Plain tokens, as the issue configured them, are refused at startup.
	_, err := parseTokens("alice:s3cret,carol:482913")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
	// A weak token never authenticates, even with its hash configured.
	weak, err := parseTokens("carol:" + HashToken("482913"))
	require.NoError(t, err)
	agent, ok := BearerTokenHashes(weak)(&http.Request{Header: http.Header{"Authorization": {"Bearer 482913"}}})
	assert.False(t, ok, agent)

	synctest.Test(t, func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		resolves(m, "diego").Twice()
		m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Twice()
		var logs lockedBuffer
		s := newService(m, nil)
		s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		h := s.Routes()
		const attacker = "198.51.100.7:4000"
		guesses := 0
		for i := range 5 {
			rec := postFrom(h, attacker, testToken(fmt.Sprint("guess", i)))
			require.Equal(t, http.StatusUnauthorized, rec.Code)
			guesses++
		}
		// The 6th failure closes the address for 1 s; the 7th for 2 s.
		assert.Equal(t, http.StatusUnauthorized, postFrom(h, attacker, testToken("guess5")).Code)
		rec := postFrom(h, attacker, testToken("guess6"))
		assert.Equal(t, http.StatusTooManyRequests, rec.Code, "closed")
		assert.Equal(t, "1", rec.Header().Get("Retry-After"))
		// A valid token is still checked, and accepted: whoever shares the
		// agents' address can't lock them out.
		assert.Equal(t, http.StatusNoContent, postFrom(h, attacker, tokens["alice"]).Code, "closed, yet a valid token is checked")
		for range 100 {
			assert.Equal(t, http.StatusTooManyRequests, postFrom(h, attacker, testToken("more")).Code)
		}
		time.Sleep(time.Second)
		assert.Equal(t, http.StatusUnauthorized, postFrom(h, attacker, testToken("guess6")).Code)
		assert.Equal(t, http.StatusTooManyRequests, postFrom(h, attacker, testToken("guess7")).Code)
		time.Sleep(2 * time.Second)
		assert.Equal(t, http.StatusUnauthorized, postFrom(h, attacker, testToken("guess8")).Code)
		// Another address is not affected.
		assert.Equal(t, http.StatusNoContent, postFrom(h, "203.0.113.9:5000", tokens["alice"]).Code)

		lines := logs.lines(t)
		failed, suppressed := 0, 0.0
		for _, l := range lines {
			if l["msg"] == "helpdesk authentication failed" {
				failed++
				assert.Equal(t, "198.51.100.7", l["addr"])
				assert.NotEmpty(t, l["request_id"])
				if n, ok := l["suppressed_since_last"].(float64); ok {
					suppressed += n
				}
			}
		}
		assert.GreaterOrEqual(t, failed, 10, "failures are logged")
		assert.Less(t, failed, 100, "but not one line per guess")
		assert.Positive(t, suppressed, "the lines left out are counted")
		for _, tok := range []string{tokens["alice"], testToken("guess0"), "Bearer"} {
			assert.NotContains(t, logs.b.String(), tok, "no credential in the logs")
		}
	})
}

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash, err := NewToken()
		require.NoError(t, err)
		require.True(t, wellFormed(tok), tok)
		require.False(t, seen[tok])
		seen[tok] = true
		agents, err := parseTokens("a:" + hash)
		require.NoError(t, err)
		agent, ok := BearerTokenHashes(agents)(&http.Request{Header: http.Header{"Authorization": {"Bearer " + tok}}})
		assert.True(t, ok)
		assert.Equal(t, "a", agent)
	}
	assert.Equal(t, 26, tokenLen, "hdk_ and 128 bits in base64url")
}

// Two agents with one token, or one agent twice, are refused at
// startup.
func TestParseTokens_DuplicateTokensAndAgentsRefused(t *testing.T) {
	a, b := HashToken(tokens["alice"]), HashToken(tokens["bob"])
	for name, in := range map[string]string{
		"same token":     "alice:" + a + ",carol:" + a,
		"agent twice":    "alice:" + a + ",alice:" + b,
		"plain token":    "alice:" + tokens["alice"],
		"empty":          "",
		"no agent":       ":" + a,
		"trailing comma": "alice:" + a + ",",
		"short hash":     "alice:" + a[:len(a)-2],
		"odd agent name": "al ice:" + a,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseTokens(in)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), tokens["alice"])
		})
	}
	got, err := parseTokens(" alice:" + a + ", bob:" + b)
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

func FuzzParseTokens(f *testing.F) {
	f.Add("alice:" + HashToken(tokens["alice"]))
	f.Add("alice:s3cret,carol:482913")
	f.Add("a:sha256:,b:sha256:00")
	f.Fuzz(func(t *testing.T, s string) {
		agents, err := parseTokens(s)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range agents {
			assert.Len(t, a.sum, 32)
			assert.False(t, seen[a.agent])
			seen[a.agent] = true
		}
	})
}

// A client that goes away does not cancel a reset in flight; the
// audit line says it was sent.
func TestPasswordReset_OutlivesItsCaller(t *testing.T) {
	m := resetpwtest.NewMock(t)
	ctx, cancel := context.WithCancel(context.Background())
	expectReset(m).Run(func(args mock.Arguments) {
		cancel() // the client hangs up while Cognito works
		rctx := args.Get(0).(context.Context)
		assert.NoError(t, rctx.Err(), "the reset's context is not the request's cancellation")
		deadline, ok := rctx.Deadline()
		require.True(t, ok, "it has a deadline of its own")
		assert.WithinDuration(t, time.Now().Add(DefaultResetTimeout), deadline, 5*time.Second)
		assert.NotEmpty(t, requestIDFrom(rctx), "and keeps the request's values")
	}).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	var logs lockedBuffer
	s := newService(m, nil)
	s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/users/diego/password-reset", nil)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, req)
	lines := logs.lines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "helpdesk reset", lines[0]["msg"])
	assert.Equal(t, "sent", lines[0]["fate"])
}

// One audit line per reset, joined to the library's line by the
// request ID, under concurrent resets by two agents.
func TestPasswordReset_AuditLineJoinsTheLibrarysLine(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	for _, u := range []string{"diego", "maria", "sam00"} {
		_, err := f.AddUser(p, resetpwtest.User(u, "email", u+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	r, err := resetpw.New(f, resetpw.WithLogger(logger), resetpw.WithLogAttrs(RequestIDAttrs))
	require.NoError(t, err)
	s := &Service{Resetter: r, PoolID: pool, Authenticate: BearerTokenHashes(testAgents()), Logger: logger, PerCustomer: -1}
	s.PerAgent.Rate, s.PerAgent.Burst = 1, 10
	h := s.Routes()
	type call struct{ agent, user, id string }
	calls := make(chan call, 6)
	var wg sync.WaitGroup
	for _, agent := range []string{"alice", "bob"} {
		for _, user := range []string{"diego", "maria", "sam00"} {
			wg.Go(func() {
				req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/password-reset", nil)
				req.Header.Set("Authorization", "Bearer "+tokens[agent])
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				assert.Equal(t, http.StatusNoContent, rec.Code)
				calls <- call{agent, user, rec.Header().Get("X-Request-Id")}
			})
		}
	}
	wg.Wait()
	close(calls)
	byID := map[string][]map[string]any{}
	for _, l := range logs.lines(t) {
		id, _ := l["request_id"].(string)
		require.NotEmpty(t, id, "every line carries the request ID: %v", l)
		byID[id] = append(byID[id], l)
	}
	require.Len(t, byID, 6)
	for c := range calls {
		lines := byID[c.id]
		var audit, lib []map[string]any
		for _, l := range lines {
			switch l["msg"] {
			case "helpdesk reset":
				audit = append(audit, l)
			case "password reset sent":
				lib = append(lib, l)
			}
		}
		require.Len(t, audit, 1, "one audit line for %v", c)
		require.Len(t, lib, 1, "and the library's line for %v", c)
		assert.Equal(t, c.agent, audit[0]["agent"])
		assert.Equal(t, c.user[:1]+"***", audit[0]["user"])
		assert.Equal(t, "sent", audit[0]["fate"])
		assert.Equal(t, "none", audit[0]["kind"])
		assert.NotEmpty(t, audit[0]["cognito_request_id"])
		assert.Equal(t, audit[0]["cognito_request_id"], lib[0]["cognito_request_id"], "the same reset")
	}
	assert.NotContains(t, logs.b.String(), "@example.com")
	assert.NotContains(t, logs.b.String(), `"diego"`)
}

// serve starts the service with lim on a loopback port, stopped at cleanup.
func serve(t *testing.T, s *Service, lim Limits) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := newHTTPServer(s.Routes(), lim, slog.New(slog.DiscardHandler))
	go func() { _ = hs.Serve(newLimitListener(l, lim, nil)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return l.Addr().String()
}

// dialFrom connects to addr from the loopback address src.
func dialFrom(src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", addr)
}

// A header larger than MaxHeaderBytes is refused before the handler runs.
func TestMaxHeaderBytes(t *testing.T) {
	m := resetpwtest.NewMock(t)
	addr := serve(t, newService(m, nil), Limits{})
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	req.Header.Set("X-Pad", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// What held: 200 concurrent requests of one agent get exactly 5 resets and
// 195 refusals of the agent's limit.
func TestPasswordReset_ConcurrentAgentLimit(t *testing.T) {
	m := resetpwtest.NewMock(t)
	resolves(m, "diego").Times(5)
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Times(5)
	h := newService(m, nil).Routes()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			code := postFrom(h, "192.0.2.1:1", tokens["alice"]).Code
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{http.StatusNoContent: 5, http.StatusTooManyRequests: 195}, codes)
}

// failingBody fails the test if the handler reads the request body.
type failingBody struct{ t *testing.T }

func (b failingBody) Read([]byte) (int, error) {
	b.t.Error("the body was read")
	return 0, io.EOF
}

// What held: the body is never read, authenticated or not.
func TestPasswordReset_BodyNeverRead(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	h := newService(m, nil).Routes()
	for _, token := range []string{tokens["alice"], "nope"} {
		req := httptest.NewRequest(http.MethodPost, "/users/diego/password-reset", failingBody{t})
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Contains(t, []int{http.StatusNoContent, http.StatusUnauthorized}, rec.Code)
	}
}

// What held: odd usernames are refused before anything is sent.
func TestPasswordReset_OddUsernamesRefused(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	_, err := f.AddUser(p, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	s := &Service{Resetter: r, PoolID: pool, Authenticate: BearerTokenHashes(testAgents()), PerCustomer: -1}
	s.PerAgent.Rate, s.PerAgent.Burst = 1, 100
	h := s.Routes()
	for _, user := range []string{"a%20b", "%00diego", strings.Repeat("a", 200), "%3Cscript%3E%20x"} {
		req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/password-reset", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["alice"])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusBadRequest, rec.Code, user)
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}

// The audit line's fate is the one the library recorded where the request
// went out, and maybe_sent follows resetpw.MaybeSent.
func TestAuditLine_FateIsTheRecordedOne(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		fate      string
		maybeSent bool
	}{
		{"answered 5xx", &resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpReset, Fate: resetpw.FateAnswered}, "answered", true},
		{"cut before the answer", &resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpReset, Fate: resetpw.FateUnknown}, "unknown", true},
		{"refused connection", &resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpReset, Fate: resetpw.FateNotSent}, "not_sent", false},
		{"throttled", &resetpw.Error{Kind: resetpw.ErrThrottled, Op: resetpw.OpReset, Fate: resetpw.FateAnswered}, "answered", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resetpwtest.NewMock(t)
			expectReset(m).Return(nil, tt.err)
			var logs lockedBuffer
			s := newService(m, nil)
			s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			req := httptest.NewRequest(http.MethodPost, "/users/diego/password-reset", nil)
			req.Header.Set("Authorization", "Bearer "+tokens["alice"])
			s.Routes().ServeHTTP(httptest.NewRecorder(), req)
			lines := logs.lines(t)
			require.Len(t, lines, 1)
			assert.Equal(t, tt.fate, lines[0]["fate"])
			assert.Equal(t, tt.maybeSent, lines[0]["maybe_sent"])
		})
	}
}

// Requests that carry no credential at all (a load balancer's health
// check, a scanner) are not guesses: they get 401 without closing the
// address, which every agent behind the same proxy or NAT shares.
func TestThrottle_RequestsWithoutCredentialsDontLockOutTheAddress(t *testing.T) {
	m := resetpwtest.NewMock(t)
	resolves(m, "diego").Twice()
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Twice()
	h := newService(m, nil).Routes()
	const shared = "10.0.0.5:1234" // the load balancer
	for range 50 {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.RemoteAddr = shared
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnauthorized, rec.Code)
	}
	assert.Equal(t, http.StatusNoContent, postFrom(h, shared, tokens["alice"]).Code, "the agent behind the same address gets through")
	// A wrong credential is still a guess; the address closes, for wrong
	// credentials only.
	for range 6 {
		postFrom(h, shared, testToken("guess"))
	}
	assert.Equal(t, http.StatusTooManyRequests, postFrom(h, shared, testToken("guess")).Code)
	assert.Equal(t, http.StatusNoContent, postFrom(h, shared, tokens["alice"]).Code, "a valid token is checked all the same")
}

// Evicting slow connections never closes one serving a request: a reset in
// flight while every slot fills up is answered.
func TestSlowConnectionsNeverEvictAResetInFlight(t *testing.T) {
	m := resetpwtest.NewMock(t)
	started, release := make(chan struct{}), make(chan struct{})
	expectReset(m).Run(func(mock.Arguments) { close(started); <-release }).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	lim := Limits{ReadHeaderTimeout: 20 * time.Second, ReadTimeout: 20 * time.Second, MaxConns: 16, MaxConnsPerAddr: 8}
	addr := serve(t, newService(m, nil), lim)
	if c, err := dialFrom("127.0.0.2", addr); err != nil {
		t.Skipf("can't dial from 127.0.0.2: %v", err)
	} else {
		c.Close()
	}
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["alice"])
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-started
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for i := range 4 * lim.MaxConns {
		c, err := dialFrom(fmt.Sprintf("127.0.0.%d", 2+i/lim.MaxConnsPerAddr), addr)
		require.NoError(t, err)
		slow = append(slow, c)
		_, _ = io.WriteString(c, "POST /users/diego/password-reset HTTP/1.1\r\nHost: x\r\n")
	}
	close(release)
	assert.Equal(t, http.StatusNoContent, <-answered)
}

// A SIGTERM (a deploy) while a reset is in flight: the server stops
// accepting, the reset runs to its end, its answer and audit line are
// written, and only then does the server return.
func TestShutdownWaitsForTheResetInFlight(t *testing.T) {
	m := resetpwtest.NewMock(t)
	started, release := make(chan struct{}), make(chan struct{})
	expectReset(m).Run(func(mock.Arguments) { close(started); <-release }).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	var logs lockedBuffer
	s := newService(m, nil)
	s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- runServer(ctx, s.Routes(), l, Limits{}, s.Logger, 10*time.Second) }()
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, "http://"+l.Addr().String()+"/users/diego/password-reset", nil)
		req.Header.Set("Authorization", "Bearer "+tokens["alice"])
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	<-started
	cancel() // SIGTERM
	select {
	case err := <-stopped:
		t.Fatalf("the server returned with a reset in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	assert.Equal(t, http.StatusNoContent, <-answered)
	require.NoError(t, <-stopped)
	var fates []any
	for _, line := range logs.lines(t) {
		if line["msg"] == "helpdesk reset" {
			fates = append(fates, line["fate"])
		}
	}
	assert.Equal(t, []any{"sent"}, fates)
}

// An agent's runaway script can't flood the log: the refusals of the
// per-agent limit are logged at most 1 a second after a burst, with a count
// of those left out; every reset that was sent still has its own line.
func TestAgentRateLimitRefusalsDontFloodTheLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		resolves(m, "diego").Times(5)
		m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Times(5)
		var logs lockedBuffer
		s := newService(m, nil)
		s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		h := s.Routes()
		for range 2000 {
			postFrom(h, "192.0.2.1:1", tokens["alice"])
		}
		time.Sleep(2 * time.Second) // then one more refusal carries the count
		postFrom(h, "192.0.2.1:1", tokens["alice"])
		sent, refused, suppressed := 0, 0, 0.0
		for _, l := range logs.lines(t) {
			switch {
			case l["msg"] == "helpdesk reset" && l["fate"] == "sent":
				sent++
			case l["msg"] == "helpdesk reset" && l["kind"] == "agent_rate_limit":
				refused++
				assert.Equal(t, "alice", l["agent"])
				assert.Equal(t, "not_sent", l["fate"])
				if n, ok := l["suppressed_since_last"].(float64); ok {
					suppressed += n
				}
			}
		}
		assert.Equal(t, 5, sent)
		assert.Less(t, refused, 20, "not one line per refusal")
		assert.Equal(t, 1996.0, suppressed+float64(refused), "every refusal is logged or counted")
	})
}

// The server's own error log (a TLS handshake error per connection, under
// the README's mTLS setup) can't be flooded by anyone who can connect: it
// is rate-limited like failed authentications.
func TestServerErrorLogCantBeFlooded(t *testing.T) {
	var logs lockedBuffer
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.Config = newHTTPServer(http.NotFoundHandler(), Limits{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	ts.StartTLS()
	defer ts.Close()
	for range 300 {
		c, err := net.Dial("tcp", ts.Listener.Addr().String())
		require.NoError(t, err)
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // plain HTTP to the TLS port
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}
	lines := logs.lines(t)
	assert.NotEmpty(t, lines, "the errors are logged")
	assert.Less(t, len(lines), 50, "but not one line per connection")
}
