package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

func postWayOut(s *Service, user, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/way-out", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tokens["alice"])
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, req)
	return rec
}

// refusal is a refusal of diego's reset (the user it read) naming way.
func refusal(kind resetpw.Kind, way resetpw.WayOut) *resetpw.Error {
	e := resetpwtest.Fail(kind)
	e.WayOut, e.User = way, "diego"
	return e
}

// auditLine is the service's audit line in logs.
func auditLine(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &line))
		if line["msg"] == "helpdesk reset" {
			return line
		}
	}
	t.Fatalf("no audit line in %s", logs)
	return nil
}

// A refused reset names its way out in its answer.
func TestPasswordReset_RefusalNamesItsWayOut(t *testing.T) {
	m := resetpwtest.NewMock(t)
	expectReset(m).Return(nil, refusal(resetpw.ErrUserState, wayout.InviteAgain))
	rec := post(newService(m, nil), "diego", tokens["alice"])
	assert.Equal(t, http.StatusConflict, rec.Code)
	assert.JSONEq(t, `{"error":"user_state","maybe_sent":false,"way_out":"invite_again"}`, rec.Body.String())
}

// The way out is taken only when the agent confirms it, and only the way a
// dry run names now; the audit line records the action; a temporary
// password is in the answer once and in no log line.
func TestWayOut(t *testing.T) {
	const secret = "Xy7-temporary-Passw0rd"
	expires := time.Date(2026, 12, 12, 3, 0, 0, 0, time.UTC)
	check := func(m *resetpwtest.Mock) *mock.Call {
		return m.On("Check", mock.Anything, resetpw.Request{UserPoolID: pool, Username: "diego",
			ClientMetadata: map[string]string{"source": "helpdesk", "agent": "alice"}}).Once()
	}
	tests := []struct {
		name   string
		body   string
		setup  func(m *resetpwtest.Mock)
		status int
		want   string // the JSON answer; "" for none
		action string // the audit line's action; "" for no audit line
		kind   string
	}{
		{name: "not confirmed", body: `{"way":"invite_again"}`, status: http.StatusBadRequest, want: `{"error":"not_confirmed"}`},
		{name: "unknown way", body: `{"way":"delete_user","confirm":true}`, status: http.StatusBadRequest,
			want: `{"error":"bad_request","ways":["invite_again","temporary_password"]}`},
		{name: "unknown field", body: `{"way":"invite_again","confirm":true,"password":"mine"}`, status: http.StatusBadRequest,
			want: `{"error":"bad_request","ways":["invite_again","temporary_password"]}`},
		{name: "not JSON", body: `way=invite_again`, status: http.StatusBadRequest,
			want: `{"error":"bad_request","ways":["invite_again","temporary_password"]}`},
		{name: "a reset reaches the user", body: `{"way":"temporary_password","confirm":true}`,
			setup:  func(m *resetpwtest.Mock) { check(m).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil) },
			status: http.StatusConflict, want: `{"error":"way_not_offered"}`, action: "temporary_password", kind: "way_not_offered"},
		{name: "another way is named", body: `{"way":"temporary_password","confirm":true}`,
			setup:  func(m *resetpwtest.Mock) { check(m).Return(nil, refusal(resetpw.ErrUserState, wayout.InviteAgain)) },
			status: http.StatusConflict, want: `{"error":"way_not_offered","way_out":"invite_again"}`, action: "temporary_password", kind: "way_not_offered"},
		{name: "invite again", body: `{"way":"invite_again","confirm":true}`,
			setup: func(m *resetpwtest.Mock) {
				check(m).Return(nil, refusal(resetpw.ErrUserState, wayout.InviteAgain))
				m.On("InviteAgain", mock.Anything, mock.Anything).Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil).Once()
			},
			status: http.StatusNoContent, action: "invite_again", kind: "none"},
		{name: "the invitation fails", body: `{"way":"invite_again","confirm":true}`,
			setup: func(m *resetpwtest.Mock) {
				check(m).Return(nil, refusal(resetpw.ErrUserState, wayout.InviteAgain))
				m.On("InviteAgain", mock.Anything, mock.Anything).Return(nil, resetpwtest.Fail(resetpw.ErrUserDisabled)).Once()
			},
			status: http.StatusConflict, want: `{"error":"user_disabled","maybe_sent":false}`, action: "invite_again", kind: "user_disabled"},
		{name: "temporary password", body: `{"way":"temporary_password","confirm":true}`,
			setup: func(m *resetpwtest.Mock) {
				check(m).Return(nil, refusal(resetpw.ErrNoVerifiedContact, wayout.TemporaryPassword))
				m.On("SetTemporaryPassword", mock.Anything, mock.Anything).Return(resetpwtest.TemporaryPasswordSet(pool, "diego", secret, expires), nil).Once()
			},
			status: http.StatusOK, want: `{"user":"d***","temporary_password":"` + secret + `","expires":"2026-12-12T03:00:00Z","signed_out":true}`,
			action: "temporary_password", kind: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resetpwtest.NewMock(t)
			if tt.setup != nil {
				tt.setup(m)
			}
			var logs bytes.Buffer
			s := newService(m, &logs)
			s.Ways = m
			rec := postWayOut(s, "diego", tt.body)
			assert.Equal(t, tt.status, rec.Code)
			if tt.want != "" {
				assert.JSONEq(t, tt.want, rec.Body.String())
			} else {
				assert.Empty(t, rec.Body.String())
			}
			if tt.status == http.StatusOK {
				assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
			}
			assert.NotContains(t, logs.String(), secret, "the password is in no log line")
			if tt.action == "" {
				assert.NotContains(t, logs.String(), "helpdesk reset")
				return
			}
			line := auditLine(t, &logs)
			assert.Equal(t, tt.action, line["action"])
			assert.Equal(t, "alice", line["agent"])
			assert.Equal(t, tt.kind, line["kind"])
			who := line["user"] // the user acted on, or, when none was, the input
			if who == nil {
				who = line["input"]
			}
			assert.Equal(t, "d***", who)
		})
	}
}

// A way out counts against the customer's window as a reset does: once a
// temporary password is set, neither a reset nor another way out reaches
// that customer before the window ends, and nothing more is sent.
func TestWayOut_CountsAgainstTheCustomersWindow(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	_, err := f.AddUser(p, resetpwtest.User("nico"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ways, err := wayout.New(r)
	require.NoError(t, err)
	s := &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(testAgents())}

	rec := postWayOut(s, "nico", `{"way":"temporary_password","confirm":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	first, _, ok := f.TemporaryPassword(p, "nico")
	require.True(t, ok)
	for _, rec := range []*httptest.ResponseRecorder{
		post(s, "nico", tokens["alice"]),
		postWayOut(s, "nico", `{"way":"invite_again","confirm":true}`),
	} {
		assert.Equal(t, http.StatusTooManyRequests, rec.Code)
		assert.JSONEq(t, `{"error":"customer_rate_limit","maybe_sent":false}`, rec.Body.String())
		assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	}
	again, _, _ := f.TemporaryPassword(p, "nico")
	assert.Equal(t, first, again, "no second password")
	assert.Empty(t, f.Deliveries(), "no code, no invitation")
}

func TestWayOut_NoWaysOffered(t *testing.T) {
	m := resetpwtest.NewMock(t)
	rec := postWayOut(newService(m, nil), "diego", `{"way":"invite_again","confirm":true}`)
	assert.Equal(t, http.StatusNotImplemented, rec.Code)
}

// With the real Resetter and Ways over a Fake: a refused reset names its
// way out, the agent takes it, and the temporary password is in that one
// answer: in no log line of the service or the library (at Debug), and in
// no other answer.
func TestWayOut_RealLibrary(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	invited := resetpwtest.User("maria", "email", "maria@example.com")
	invited.UserStatus = types.UserStatusTypeForceChangePassword
	for _, u := range []types.UserType{invited, resetpwtest.User("nico")} {
		_, err := f.AddUser(p, u)
		require.NoError(t, err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := []resetpw.Option{resetpw.WithLogger(logger), resetpw.WithLogAttrs(RequestIDAttrs)}
	r, err := resetpw.New(f, opts...)
	require.NoError(t, err)
	ways, err := wayout.New(r)
	require.NoError(t, err)
	// PerCustomer off: this test is about the ways out themselves
	// (TestWayOut_CountsAgainstTheCustomersWindow has the window).
	s := &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(testAgents()), Logger: logger, PerCustomer: -1}

	var answers []string
	rec := post(s, "maria", tokens["alice"])
	answers = append(answers, rec.Body.String())
	assert.JSONEq(t, `{"error":"user_state","maybe_sent":false,"way_out":"invite_again"}`, rec.Body.String())
	rec = postWayOut(s, "maria", `{"way":"invite_again","confirm":true}`)
	answers = append(answers, rec.Body.String())
	assert.Equal(t, http.StatusNoContent, rec.Code)
	require.Len(t, f.Deliveries(), 1)
	assert.True(t, f.Deliveries()[0].Invitation)

	rec = post(s, "nico", tokens["alice"])
	answers = append(answers, rec.Body.String())
	assert.JSONEq(t, `{"error":"no_verified_contact","maybe_sent":false,"way_out":"temporary_password"}`, rec.Body.String())
	rec = postWayOut(s, "nico", `{"way":"temporary_password","confirm":true}`)
	require.Equal(t, http.StatusOK, rec.Code)
	var shown struct {
		Password  string `json:"temporary_password"`
		SignedOut bool   `json:"signed_out"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &shown))
	set, _, ok := f.TemporaryPassword(p, "nico")
	require.True(t, ok)
	assert.Equal(t, set, shown.Password, "the agent is shown the password the user has")
	assert.True(t, shown.SignedOut)

	// nico now has a temporary password, FORCE_CHANGE_PASSWORD with no
	// contact: no invitation reaches him, so inviting him is not offered
	// (the way stays a temporary password; the customer's window holds a
	// second one back: TestWayOut_CountsAgainstTheCustomersWindow).
	rec = postWayOut(s, "nico", `{"way":"invite_again","confirm":true}`)
	answers = append(answers, rec.Body.String())
	assert.Equal(t, http.StatusConflict, rec.Code)

	for _, out := range append(answers, logs.String()) {
		j, _ := json.Marshal(set)
		assert.NotContains(t, out, set)
		assert.NotContains(t, out, strings.Trim(string(j), `"`))
	}
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &line))
		if line["msg"] == "helpdesk reset" {
			actions = append(actions, line["action"].(string))
		}
	}
	assert.Equal(t, []string{"reset", "invite_again", "reset", "temporary_password", "invite_again"}, actions, "one audit line per action, naming it")
}
