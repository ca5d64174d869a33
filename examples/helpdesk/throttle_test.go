package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// The Authorization scheme is case-insensitive in HTTP: "bearer", "BEARER"
// and extra spaces authenticate; another scheme, or none, does not.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	auth := BearerTokenHashes(testAgents())
	for header, want := range map[string]bool{
		"Bearer " + tokens["alice"]:   true,
		"bearer " + tokens["alice"]:   true,
		"BEARER " + tokens["alice"]:   true,
		"bEaReR " + tokens["alice"]:   true,
		"Bearer   " + tokens["alice"]: true,
		"Bearerx " + tokens["alice"]:  false,
		"Basic " + tokens["alice"]:    false,
		tokens["alice"]:               false,
		"Bearer":                      false,
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", header)
		agent, ok := auth(r)
		assert.Equal(t, want, ok, "%q", header)
		if want {
			assert.Equal(t, "alice", agent)
		}
	}
}

// An attacker who shares the agents' address sends a bad token every
// 250 ms for 20 minutes, past the throttle's 15-minute cap: the address
// stays closed to bad tokens (429), and every request of the agent from the
// same address, a valid token, is answered all the same.
func TestSharedAddressCantLockOutAValidAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		resolves(m, "diego")
		m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
		s := newService(m, nil)
		s.PerAgent.Rate, s.PerAgent.Burst = 100, 100
		h := s.Routes()
		const shared = "10.0.0.5:1234"
		codes := map[int]int{}
		agent := map[int]int{}
		for i := range 4 * 60 * 20 {
			codes[postFrom(h, shared, testToken(fmt.Sprint("guess", i))).Code]++
			if i%8 == 7 { // the agent, every 2 s
				agent[postFrom(h, shared, tokens["alice"]).Code]++
			}
			time.Sleep(250 * time.Millisecond)
		}
		assert.Equal(t, map[int]int{http.StatusNoContent: 600}, agent, "every agent request answered")
		assert.Equal(t, 5+11, codes[http.StatusUnauthorized], "5 free failures, then one each time the address reopens")
		assert.Equal(t, 4*60*20-16, codes[http.StatusTooManyRequests])
	})
}

// FuzzBearerToken checks that bearerToken never panics and accepts exactly
// the headers of the scheme "Bearer" in any case, a space, and the
// credentials, returned without their leading spaces.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer hdk_x", "bearer hdk_x", "BEARER   hdk_x", "Bearerx hdk_x", "Basic YWxh", "Bearer", "", " Bearer x", "Bearer\tx", "bEaReR  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", header)
		token, ok := bearerToken(r)
		got := r.Header.Get("Authorization") // as net/http stores it
		want := len(got) >= len("Bearer ") && strings.EqualFold(got[:len("Bearer ")], "Bearer ")
		assert.Equal(t, want, ok, "%q", got)
		if ok {
			assert.Equal(t, strings.TrimLeft(got[len("Bearer "):], " "), token)
		} else {
			assert.Empty(t, token)
		}
	})
}

// Past an address's budget of unauthenticated answers, a request that
// fails authentication gets its connection closed, unanswered and
// uncounted; a valid agent from the same address is still served, and
// another address has a budget of its own.
func TestUnauthenticatedRequestsPastTheBudgetAreClosedUnanswered(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
	s := newService(m, nil)
	s.Unauthenticated.Rate, s.Unauthenticated.Burst = rate.Every(time.Hour), 2
	addr := serve(t, s, Limits{})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	post := func(src, auth string) (int, error) {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/diego/password-reset", nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		client.Transport.(*http.Transport).DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}).DialContext
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for _, auth := range []string{"", "Bearer " + testToken("guess")} {
		code, err := post("127.0.0.1", auth)
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, code)
	}
	_, err := post("127.0.0.1", "")
	assert.Error(t, err, "past the budget: closed without an answer")
	code, err := post("127.0.0.1", "Bearer "+tokens["alice"])
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, code, "a valid token never meets the budget")
	n, _ := s.Throttle.Fail("127.0.0.1")
	assert.Equal(t, 2, n, "the guess past the budget was not counted")
	if c, err := dialFrom("127.0.0.2", addr); err == nil {
		c.Close()
		code, err = post("127.0.0.2", "")
		require.NoError(t, err)
		assert.Equal(t, http.StatusUnauthorized, code, "another address has its own budget")
	}
}

// Each kind of authentication line has a log budget of its own, and every
// failure the throttle counts is logged: one address's flood of requests
// without credentials, or of guesses while it is closed, can't hide
// another address's guesses. Requests without credentials are logged
// (rate-limited) with their running total.
func TestEveryCountedFailureIsLoggedWhateverAnotherAddressFloods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		s := newService(resetpwtest.NewMock(t), &logs)
		s.Unauthenticated.Rate, s.Unauthenticated.Burst = 1000, 1000
		h := s.Routes()
		for i := range 100 {
			req := httptest.NewRequest(http.MethodPost, "/users/diego/password-reset", nil) // no credentials
			req.RemoteAddr = "10.0.0.1:1"
			h.ServeHTTP(httptest.NewRecorder(), req)
			postFrom(h, "10.0.0.1:1", testToken(fmt.Sprint("flood", i))) // guesses, the address soon closed
		}
		for i := range 5 { // the free failures: each one counted
			postFrom(h, "10.0.0.2:1", testToken(fmt.Sprint("guess", i)))
		}
		counted := 0
		noCredentials := false
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if strings.Contains(line, `"addr":"10.0.0.2"`) && strings.Contains(line, `"reason":"bad credentials"`) {
				counted++
			}
			noCredentials = noCredentials || strings.Contains(line, `"reason":"no credentials"`) && strings.Contains(line, `"no_credentials_total":1`)
		}
		assert.Equal(t, 5, counted, "every counted failure of 10.0.0.2 is logged")
		assert.True(t, noCredentials, "requests without credentials are logged with their total")
	})
}

// The unauthenticated budget: Burst at once, then Rate a second, per
// address; it remembers at most MaxAddrs addresses.
func TestUnauthenticatedBudget(t *testing.T) {
	b := &UnauthenticatedBudget{Rate: 1, Burst: 2, MaxAddrs: 4}
	now := time.Unix(0, 0)
	assert.True(t, b.allow("a", now))
	assert.True(t, b.allow("a", now))
	assert.False(t, b.allow("a", now))
	assert.True(t, b.allow("b", now))
	assert.True(t, b.allow("a", now.Add(time.Second)))
	for i := range 100 {
		b.allow(fmt.Sprint("x", i), now)
	}
	assert.LessOrEqual(t, len(b.addrs), 4)
}
