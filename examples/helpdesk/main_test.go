package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const pool = "us-west-2_aaaaaaaaa"

// testToken is a well-formed token derived from name (tests only: real
// tokens come from NewToken).
func testToken(name string) string {
	sum := sha256.Sum256([]byte(name))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sum[:tokenBytes])
}

var tokens = map[string]string{"alice": testToken("alice"), "bob": testToken("bob")}

func testAgents() []agentHash {
	agents, err := parseTokens("alice:" + HashToken(tokens["alice"]) + ",bob:" + HashToken(tokens["bob"]))
	if err != nil {
		panic(err)
	}
	return agents
}

// newService is the service with m, and without the per-customer limit,
// which the tests of that limit turn on.
func newService(m *resetpwtest.Mock, logs *bytes.Buffer) *Service {
	s := &Service{Resetter: m, PoolID: pool, Authenticate: BearerTokenHashes(testAgents()), PerCustomer: -1}
	if logs != nil {
		s.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	return s
}

func post(s *Service, user, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/password-reset", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, req)
	return rec
}

// resolves makes m's dry runs (Check, any request) resolve to user.
func resolves(m *resetpwtest.Mock, user string) *mock.Call {
	return m.On("Check", mock.Anything, mock.Anything).Return(&resetpw.Result{UserPoolID: pool, Username: user, Input: alias.Username}, nil)
}

// expectReset expects alice's dry run of diego, then her reset of diego,
// with the agent in the metadata.
func expectReset(m *resetpwtest.Mock) *mock.Call {
	resolves(m, "diego").Once()
	return m.OnResetWith(resetpw.Request{
		UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"source": "helpdesk", "agent": "alice"},
	}).Once()
}

func TestPasswordReset_EveryKind(t *testing.T) {
	withField := func(kind resetpw.Kind, op resetpw.Op, field string) error {
		e := resetpwtest.Fail(kind)
		e.Op, e.Field = op, field
		return e
	}
	lostAnswer := resetpwtest.Fail(resetpw.ErrUnavailable)
	lostAnswer.Op, lostAnswer.Fate = resetpw.OpReset, resetpw.FateUnknown
	tests := []struct {
		name      string
		err       error
		status    int
		maybeSent bool
	}{
		{"sent", nil, http.StatusNoContent, false},
		{"invalid username", withField(resetpw.ErrInvalidInput, resetpw.OpValidate, "Username"), http.StatusBadRequest, false},
		{"invalid ClientMetadata", withField(resetpw.ErrInvalidInput, resetpw.OpValidate, "ClientMetadata"), http.StatusBadRequest, false},
		{"invalid pool ID in the configuration", withField(resetpw.ErrConfig, resetpw.OpValidate, "UserPoolID"), http.StatusInternalServerError, false},
		{"Cognito's InvalidParameterException", withField(resetpw.ErrInvalidInput, resetpw.OpReset, ""), http.StatusBadGateway, false},
		{"pool not found", resetpwtest.Fail(resetpw.ErrPoolNotFound), http.StatusInternalServerError, false},
		{"unknown user", resetpwtest.Fail(resetpw.ErrUserNotFound), http.StatusNotFound, false},
		{"ambiguous alias", resetpwtest.Fail(resetpw.ErrAmbiguousAlias), http.StatusConflict, false},
		{"disabled", resetpwtest.Fail(resetpw.ErrUserDisabled), http.StatusConflict, false},
		{"user state", resetpwtest.Fail(resetpw.ErrUserState), http.StatusConflict, false},
		{"admin-only recovery", resetpwtest.Fail(resetpw.ErrRecoveryNotConfigured), http.StatusInternalServerError, false},
		{"no verified contact", resetpwtest.Fail(resetpw.ErrNoVerifiedContact), http.StatusUnprocessableEntity, false},
		{"sms sandbox", resetpwtest.Fail(resetpw.ErrSMSSandbox), http.StatusInternalServerError, false},
		{"ses sandbox", resetpwtest.Fail(resetpw.ErrSESSandbox), http.StatusInternalServerError, false},
		{"delivery config", resetpwtest.Fail(resetpw.ErrDeliveryConfig), http.StatusInternalServerError, false},
		{"trigger", resetpwtest.Fail(resetpw.ErrTrigger), http.StatusBadGateway, true},
		{"throttled", resetpwtest.Fail(resetpw.ErrThrottled), http.StatusTooManyRequests, false},
		{"attempt limit", resetpwtest.Fail(resetpw.ErrAttemptLimit), http.StatusTooManyRequests, false},
		{"access denied", resetpwtest.Fail(resetpw.ErrAccessDenied), http.StatusInternalServerError, false},
		{"unavailable after sending", lostAnswer, http.StatusServiceUnavailable, true},
		{"unavailable before sending", resetpwtest.Fail(resetpw.ErrUnavailable), http.StatusServiceUnavailable, false},
		{"not enabled", resetpwtest.Fail(resetpw.ErrNotEnabled), http.StatusInternalServerError, false},
		{"run stopped", resetpwtest.Fail(resetpw.ErrRunStopped), http.StatusServiceUnavailable, false},
		{"untyped error", errors.New("boom"), http.StatusInternalServerError, false},
	}
	covered := map[resetpw.Kind]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resetpwtest.NewMock(t)
			if tt.err == nil {
				expectReset(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
			} else {
				expectReset(m).Return(nil, tt.err)
			}
			rec := post(newService(m, nil), "diego", tokens["alice"])
			assert.Equal(t, tt.status, rec.Code)
			if tt.err == nil {
				return
			}
			var e *resetpw.Error
			if errors.As(tt.err, &e) {
				covered[e.Kind] = true
			}
			var body struct {
				Error     string `json:"error"`
				MaybeSent bool   `json:"maybe_sent"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, resetpw.KindOf(tt.err).Code(), body.Error)
			assert.Equal(t, tt.maybeSent, body.MaybeSent)
		})
	}
	for _, k := range resetpw.Kinds() {
		assert.True(t, covered[k], "no case for %v", k)
	}
}

func TestPasswordReset_Unauthenticated(t *testing.T) {
	for name, header := range map[string]string{
		"no header": "", "wrong token": "Bearer nope-nope", "empty bearer": "Bearer ", "basic": "Basic YWxpY2U6eA==",
		"another agent's prefix": "Bearer " + tokens["alice"][:len(tokens["alice"])-1],
		"the hash itself":        "Bearer " + HashToken(tokens["alice"]),
	} {
		t.Run(name, func(t *testing.T) {
			m := resetpwtest.NewMock(t) // no expectation: nothing may be looked up
			req := httptest.NewRequest(http.MethodPost, "/users/ghost/password-reset", nil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			rec := httptest.NewRecorder()
			newService(m, nil).Routes().ServeHTTP(rec, req)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Contains(t, rec.Header().Get("WWW-Authenticate"), "Bearer")
			assert.NotContains(t, rec.Body.String(), "not_found")
		})
	}
}

func TestPasswordReset_AgentInMetadataAndLog(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(nil, resetpwtest.Fail(resetpw.ErrNoVerifiedContact))
	var logs bytes.Buffer
	rec := post(newService(m, &logs), "diego", tokens["alice"])
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "alice", line["agent"])
	assert.Equal(t, "d***", line["user"], "masked")
	assert.Equal(t, "no_verified_contact", line["kind"])
	assert.NotContains(t, logs.String(), "diego")
}

// A ClientMetadata key the Resetter's policy refuses is answered 400, and
// the audit line names the key (never its value), on the library's real
// error.
func TestPasswordReset_MetadataKeyInAudit(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(p, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	policy := metadata.DefaultPolicy()
	policy.DeniedKeyWords = append(policy.DeniedKeyWords, "agent")
	r, err := resetpw.New(f, resetpw.WithMetadataPolicy(policy))
	require.NoError(t, err)
	var logs bytes.Buffer
	s := &Service{Resetter: r, PoolID: p, Authenticate: BearerTokenHashes(testAgents()), Logger: slog.New(slog.NewJSONHandler(&logs, nil)), PerCustomer: -1}
	rec := post(s, "diego", tokens["alice"])
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "invalid_input", line["kind"])
	assert.Equal(t, "agent", line["metadata_key"])
	assert.NotEmpty(t, line["request_id"])
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}

func TestPasswordReset_PerAgentLimit(t *testing.T) {
	m := resetpwtest.NewMock(t)
	resolves(m, "diego").Times(3)
	m.On("Reset", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Times(3)
	s := newService(m, nil)
	s.PerAgent.Rate, s.PerAgent.Burst = rate.Every(1e9*3600), 2 // two now, then one an hour
	assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["alice"]).Code)
	assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["alice"]).Code)
	rec := post(s, "diego", tokens["alice"])
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "alice is out of resets")
	assert.Contains(t, rec.Body.String(), "agent_rate_limit")
	assert.Equal(t, http.StatusNoContent, post(s, "diego", tokens["bob"]).Code, "bob has his own budget")
}

func TestPasswordReset_OnlyPOST(t *testing.T) {
	m := resetpwtest.NewMock(t) // no expectation: Reset must not be called
	req := httptest.NewRequest(http.MethodGet, "/users/diego/password-reset", nil)
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	rec := httptest.NewRecorder()
	newService(m, nil).Routes().ServeHTTP(rec, req)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

// A 429 says how long to wait when the error knows (Retry-After, whole
// seconds rounded up): the throttle's backoff, the least wait, plus up to
// as much again at random so that callers spread out (here the most, then
// none); the attempt limit's hour as it is; none when it doesn't know.
func TestPasswordReset_RetryAfterOnTooManyRequests(t *testing.T) {
	withHint := func(kind resetpw.Kind, d time.Duration) error {
		e := resetpwtest.Fail(kind)
		e.RetryAfter = d
		return e
	}
	tests := []struct {
		name   string
		err    error
		jitter func(time.Duration) time.Duration
		want   string // "" for no header
	}{
		{"throttled, the default backoff, the most jitter", resetpwtest.Fail(resetpw.ErrThrottled), func(d time.Duration) time.Duration { return d }, "2"},
		{"throttled, the default backoff, no jitter", resetpwtest.Fail(resetpw.ErrThrottled), func(time.Duration) time.Duration { return 0 }, "1"},
		{"throttled, a longer backoff", withHint(resetpw.ErrThrottled, 2500*time.Millisecond), func(d time.Duration) time.Duration { return d }, "5"},
		{"throttled, no hint", withHint(resetpw.ErrThrottled, 0), nil, ""},
		{"attempt limit", resetpwtest.Fail(resetpw.ErrAttemptLimit), func(d time.Duration) time.Duration { return d }, "3600"},
		{"not a 429", withHint(resetpw.ErrUnavailable, time.Second), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.jitter != nil {
				setJitter(t, tt.jitter)
			}
			m := resetpwtest.NewMock(t)
			expectReset(m).Return(nil, tt.err)
			rec := post(newService(m, nil), "diego", tokens["alice"])
			assert.Equal(t, tt.want, rec.Header().Get("Retry-After"))
			assert.Equal(t, resetpw.KindOf(tt.err).HTTPStatus(), rec.Code)
		})
	}
}

// setJitter makes the throttle's jitter j for the test.
func setJitter(t *testing.T, j func(time.Duration) time.Duration) {
	old := jitter
	jitter = j
	t.Cleanup(func() { jitter = old })
}

// The throttle's jitter is at most the hint itself.
func TestJitter_AtMostTheHint(t *testing.T) {
	for range 1000 {
		d := jitter(800 * time.Millisecond)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 800*time.Millisecond)
	}
}
