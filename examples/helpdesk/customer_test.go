package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// customerWorld is a case-insensitive Fake pool (the console's default:
// "Diego" is diego) with diego and maria (verified emails) and nocontact
// (no verified contact), behind a service whose agents have a
// large budget, so that only the per-customer limit refuses.
func customerWorld(t *testing.T, logs *lockedBuffer) (*Service, *resetpwtest.Fake) {
	t.Helper()
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool), UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	for _, u := range []string{"diego", "maria"} {
		_, err := f.AddUser(p, resetpwtest.User(u, "email", u+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	_, err := f.AddUser(p, resetpwtest.User("nocontact", "email", "nocontact@example.com"))
	require.NoError(t, err)
	var opts []resetpw.Option
	s := &Service{PoolID: p, Authenticate: BearerTokenHashes(testAgents()), AuditKey: bytes.Repeat([]byte{7}, 32)}
	if logs != nil {
		s.Logger = slog.New(slog.NewJSONHandler(logs, nil))
		opts = append(opts, resetpw.WithLogger(s.Logger), resetpw.WithLogAttrs(RequestIDAttrs))
	}
	r, err := resetpw.New(f, opts...)
	require.NoError(t, err)
	s.Resetter = r
	s.PerAgent.Rate, s.PerAgent.Burst = 1000, 1000
	return s, f
}

// postAs sends a reset of user with token to h.
func postAs(h http.Handler, user, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/password-reset", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// errorOf is the error kind of an answer's JSON body.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error string }
	require.NoError(t, json.NewDecoder(rec.Result().Body).Decode(&body))
	return body.Error
}

// One reset per customer per window (PerCustomer, 5 minutes by default):
// the customer's next reset, by any spelling (an email, edge spaces, upper
// case), is refused 429 customer_rate_limit with Retry-After until the
// window ends; other customers are not affected, and a request that sent
// nothing takes no window.
func TestOneResetPerCustomerPerWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, f := customerWorld(t, nil)
		assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["alice"]).Code)
		time.Sleep(time.Minute)
		for _, spelling := range []string{"diego", "DIEGO%40EXAMPLE.COM", "%20diego", "Diego"} {
			rec := post(s, spelling, tokens["bob"])
			assert.Equal(t, http.StatusTooManyRequests, rec.Code, spelling)
			assert.Equal(t, "240", rec.Header().Get("Retry-After"), spelling)
			assert.Equal(t, "customer_rate_limit", errorOf(t, rec), spelling)
		}
		assert.Equal(t, http.StatusNoContent, post(s, "maria", tokens["alice"]).Code, "another customer")
		// Refused before anything is sent: a request that sends nothing
		// takes no window.
		for range 2 {
			assert.Equal(t, http.StatusUnprocessableEntity, post(s, "nocontact", tokens["alice"]).Code)
		}
		time.Sleep(4 * time.Minute)
		assert.Equal(t, http.StatusNoContent, post(s, "DIEGO%40EXAMPLE.COM", tokens["bob"]).Code, "the window has passed")
		assert.Equal(t, 3, f.Calls("AdminResetUserPassword"))
	})
}

// 200 concurrent requests for one customer, by two agents and four
// spellings: exactly one code is sent, and the other 199 requests are
// refused 429 customer_rate_limit.
func TestConcurrentRequestsForOneCustomerSendOneCode(t *testing.T) {
	s, f := customerWorld(t, nil)
	h := s.Routes()
	spellings := []string{"diego", "DIEGO%40EXAMPLE.COM", "%20diego", "diego%40example.com"}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			agent := []string{"alice", "bob"}[i%2]
			rec := postAs(h, spellings[i%len(spellings)], tokens[agent])
			mu.Lock()
			codes[rec.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{http.StatusNoContent: 1, http.StatusTooManyRequests: 199}, codes)
	assert.Equal(t, 1, f.Calls("AdminResetUserPassword"), "one code sent")
}

// The audit line names the user the request resolved to, masked, with a
// stable pseudonymous user_key (UserKey: an HMAC of the pool and the
// username under AuditKey): " diego" and "DIEGO@EXAMPLE.COM" are diego's
// resets, and the log says so without a raw username. An input that
// resolves to nobody is named by the input, masked, with no user_key.
func TestAuditLineNamesTheResolvedUser(t *testing.T) {
	var logs lockedBuffer
	s, _ := customerWorld(t, &logs)
	s.PerCustomer = -1
	for _, in := range []string{"%20diego", "DIEGO%40EXAMPLE.COM", "diego", "ghost"} {
		post(s, in, tokens["alice"])
	}
	want := UserKey(s.AuditKey, pool, "diego")
	var audit []map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "helpdesk reset" {
			audit = append(audit, l)
		}
	}
	require.Len(t, audit, 4)
	for _, l := range audit[:3] {
		assert.Equal(t, "d***", l["user"])
		assert.Equal(t, want, l["user_key"])
		assert.Equal(t, "sent", l["fate"])
		assert.NotContains(t, l, "input")
	}
	assert.Equal(t, "g***", audit[3]["input"])
	assert.NotContains(t, audit[3], "user")
	assert.NotContains(t, audit[3], "user_key")
	assert.Equal(t, "user_not_found", audit[3]["kind"])
	for _, raw := range []string{"diego", "DIEGO", "EXAMPLE", "example.com", "ghost"} {
		assert.NotContains(t, logs.b.String(), raw)
	}
	// Stable: the same key gives the same user_key; another key or pool
	// another.
	assert.Equal(t, want, UserKey(bytes.Repeat([]byte{7}, 32), pool, "diego"))
	assert.NotEqual(t, want, UserKey(bytes.Repeat([]byte{8}, 32), pool, "diego"))
	assert.NotEqual(t, want, UserKey(s.AuditKey, "us-west-2_bbbbbbbbb", "diego"))
	assert.Len(t, want, 32)
}

func TestParseAuditKey(t *testing.T) {
	k, err := parseAuditKey("3f9a0c1e7b2d4c5a8e6f01234567890abcdef0123456789fedcba9876543210a")
	require.NoError(t, err)
	assert.Len(t, k, 32)
	for _, bad := range []string{"", "s3cret-passphrase", strings.Repeat("ab", 31), strings.Repeat("zz", 32),
		strings.Repeat("ab", 32), strings.Repeat("00", 32), fmt.Sprintf("%064x", 7)} { // placeholders
		_, err := parseAuditKey(bad)
		require.Error(t, err)
		if bad != "" {
			assert.NotContains(t, err.Error(), bad)
		}
	}
}

// FuzzParseAuditKey checks that parseAuditKey never panics, accepts only
// keys of at least 32 bytes that are the hex of what it returns, and
// refuses with one fixed message that repeats nothing of its input.
func FuzzParseAuditKey(f *testing.F) {
	for _, s := range []string{"", "s3cret-passphrase", strings.Repeat("ab", 32), " " + strings.Repeat("AB", 40) + "\n", strings.Repeat("zz", 32), strings.Repeat("a", 65)} {
		f.Add(s)
	}
	_, refused := parseAuditKey("")
	require.Error(f, refused)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := parseAuditKey(s)
		if err != nil {
			assert.Equal(t, refused.Error(), err.Error())
			assert.Nil(t, k)
			return
		}
		assert.GreaterOrEqual(t, len(k), minAuditKeyBytes)
		assert.True(t, strings.EqualFold(hex.EncodeToString(k), strings.TrimSpace(s)))
	})
}

// In a case-sensitive pool, "diego" and "Diego" are two customers: the
// reset of one doesn't hold the other's window.
func TestCustomersDifferingOnlyInCaseAreLimitedApart(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool), UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(true)}})
	for _, u := range []string{"diego", "Diego"} {
		_, err := f.AddUser(p, resetpwtest.User(u, "email", strings.ToLower(u)+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	r, err := resetpw.New(f)
	require.NoError(t, err)
	s := &Service{Resetter: r, PoolID: p, Authenticate: BearerTokenHashes(testAgents()), AuditKey: bytes.Repeat([]byte{7}, 32)}
	s.PerAgent.Rate, s.PerAgent.Burst = 1000, 1000
	assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["alice"]).Code)
	assert.Equal(t, http.StatusNoContent, post(s, "Diego", tokens["bob"]).Code, "another customer")
	assert.Equal(t, http.StatusTooManyRequests, post(s, "Diego", tokens["bob"]).Code)
	assert.Equal(t, 2, f.Calls("AdminResetUserPassword"))
}

// A reset that outlasts its window and sends nothing frees its own
// reservation only: the request that took the customer after the window
// keeps it, and the next one is refused.
func TestAFailedResetFreesOnlyItsOwnReservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := resetpwtest.NewMock(t)
		resolves(m, "diego")
		notSent := &resetpw.Error{Kind: resetpw.ErrThrottled, Op: resetpw.OpReset, Fate: resetpw.FateNotSent}
		m.On("Reset", mock.Anything, mock.Anything).Run(func(mock.Arguments) { time.Sleep(20 * time.Second) }).Return(nil, notSent).Once()
		m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Once()
		s := newService(m, nil)
		s.PerCustomer = 10 * time.Second
		s.PerAgent.Rate, s.PerAgent.Burst = 1000, 1000
		slow := make(chan int)
		go func() { slow <- post(s, "diego", tokens["alice"]).Code }()
		time.Sleep(11 * time.Second) // the slow reset's window has passed
		assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["bob"]).Code)
		assert.Equal(t, http.StatusTooManyRequests, <-slow, "throttled, nothing sent")
		assert.Equal(t, http.StatusTooManyRequests, post(s, "diego", tokens["bob"]).Code, "the second reset's window holds")
	})
}

// -user-key prints the user_key of the exact username, read from the
// argument or, for "-", from stdin (out of the shell's history); an email,
// edge spaces and an empty name are refused, since their key would name
// nobody.
func TestUserKeyOfTheExactUsername(t *testing.T) {
	key := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 4)
	want := UserKey(key, pool, "diego")
	for name, stdin := range map[string]string{"diego": "", "-": "diego\n", "-\x00": ""} {
		if name == "-\x00" {
			name, stdin = "-", "diego" // no final newline
		}
		got, err := userKeyOf(name, strings.NewReader(stdin), key, pool)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for name, stdin := range map[string]string{" diego": "", "diego@example.com": "", "": "", "-": ""} {
		_, err := userKeyOf(name, strings.NewReader(stdin), key, pool)
		assert.Error(t, err, "%q", name)
	}
	_, err := userKeyOf("-", strings.NewReader("DIEGO@EXAMPLE.COM\n"), key, pool)
	assert.Error(t, err)
}
