package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// postWayOutAs posts a way out for user as agent, with a JSON body.
func postWayOutAs(s *Service, agent, user, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/users/"+user+"/way-out", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tokens[agent])
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, req)
	return rec
}

func subOf(t *testing.T, f *resetpwtest.Fake, p, name string) string {
	t.Helper()
	u, err := f.User(p, name)
	require.NoError(t, err)
	for _, a := range u.Attributes {
		if aws.ToString(a.Name) == "sub" {
			return aws.ToString(a.Value)
		}
	}
	t.Fatal("no sub")
	return ""
}

// waysService is a Service over a Fake whose pool is admin_only when asked,
// with nico in it, and the default customer window.
func waysService(t *testing.T, adminOnly bool) (*Service, *resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	up := types.UserPoolType{Id: aws.String(pool)}
	if adminOnly {
		up.AccountRecoverySetting = &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
			{Name: types.RecoveryOptionNameTypeAdminOnly, Priority: aws.Int32(1)}}}
	}
	p := f.AddPool(up)
	_, err := f.AddUser(p, resetpwtest.User("nico", "email", "nico@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ways, err := wayout.New(r)
	require.NoError(t, err)
	return &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(testAgents())}, f, p
}

// One way out per customer per window, however the customer is named: a
// second agent naming the same user by its sub is refused, and the first
// agent's password still works.
func TestWayOut_OneWayOutPerCustomerHoweverNamed(t *testing.T) {
	s, f, p := waysService(t, true)
	body := `{"way":"temporary_password","confirm":true}`
	rec := postWayOutAs(s, "alice", "nico", body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	first, _, _ := f.TemporaryPassword(p, "nico")
	rec = postWayOutAs(s, "bob", subOf(t, f, p, "nico"), body)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, rec.Body.String())
	now, _, _ := f.TemporaryPassword(p, "nico")
	assert.Equal(t, first, now, "alice's password still works")
}

// nestedWays sends another agent's way out for the same customer while the
// first one is being taken: the customer is reserved before anything is
// sent.
type nestedWays struct {
	*wayout.Ways
	during func()
}

func (n *nestedWays) SetTemporaryPassword(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	if d := n.during; d != nil {
		n.during = nil
		d()
	}
	return n.Ways.SetTemporaryPassword(ctx, req)
}

// Two agents, two spellings of one customer, the second while the first's
// way out is under way: one password is handed over, the one the user has.
func TestWayOut_SecondAgentWhileTheFirstActsIsRefused(t *testing.T) {
	s, f, p := waysService(t, true)
	body := `{"way":"temporary_password","confirm":true}`
	n := &nestedWays{Ways: s.Ways.(*wayout.Ways)}
	s.Ways = n
	var second *httptest.ResponseRecorder
	n.during = func() { second = postWayOutAs(s, "bob", subOf(t, f, p, "nico"), body) }
	first := postWayOutAs(s, "alice", "nico", body)
	require.Equal(t, http.StatusOK, first.Code, first.Body.String())
	require.NotNil(t, second)
	assert.Equal(t, http.StatusTooManyRequests, second.Code, second.Body.String())
	var shown struct {
		P string `json:"temporary_password"`
	}
	require.NoError(t, json.Unmarshal(first.Body.Bytes(), &shown))
	set, _, _ := f.TemporaryPassword(p, "nico")
	assert.Equal(t, set, shown.P)
}

// A temporary password whose answer was lost (maybe set, nobody holds it)
// can be set again at once: the customer's window is given back.
func TestWayOut_LostTemporaryPasswordCanBeSetAgain(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	_, err := f.AddUser(p, resetpwtest.User("nico"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ways, err := wayout.New(r)
	require.NoError(t, err)
	s := &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(testAgents())}
	f.FailNext("AdminSetUserPassword", 1, &types.InternalErrorException{Message: aws.String("x")})
	body := `{"way":"temporary_password","confirm":true}`
	rec := postWayOutAs(s, "alice", "nico", body)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	assert.JSONEq(t, `{"error":"unavailable","maybe_sent":true,"way_out":"temporary_password"}`, rec.Body.String())
	rec = postWayOutAs(s, "alice", "nico", body)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// The way-out endpoint takes only a JSON body (Content-Type
// application/json), one object and nothing after it: a cross-site form
// (text/plain, which appends "=") is refused, as is trailing data.
func TestWayOut_TakesOnlyAJSONObject(t *testing.T) {
	rows := []struct {
		name, ctype, body string
		status            int
	}{
		{"text/plain form", "text/plain", `{"way":"temporary_password","confirm":true}=`, http.StatusUnsupportedMediaType},
		{"form encoded", "application/x-www-form-urlencoded", `{"way":"temporary_password","confirm":true}`, http.StatusUnsupportedMediaType},
		{"no content type", "", `{"way":"temporary_password","confirm":true}`, http.StatusUnsupportedMediaType},
		{"trailing data", "application/json", `{"way":"temporary_password","confirm":true}=`, http.StatusBadRequest},
		{"two objects", "application/json", `{"way":"temporary_password","confirm":true}{}`, http.StatusBadRequest},
		{"JSON with a charset", "application/json; charset=utf-8", `{"way":"temporary_password","confirm":true}`, http.StatusOK},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s, f, p := waysService(t, true)
			req := httptest.NewRequest(http.MethodPost, "/users/nico/way-out", strings.NewReader(row.body))
			if row.ctype != "" {
				req.Header.Set("Content-Type", row.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+tokens["alice"])
			rec := httptest.NewRecorder()
			s.Routes().ServeHTTP(rec, req)
			assert.Equal(t, row.status, rec.Code, rec.Body.String())
			_, _, set := f.TemporaryPassword(p, "nico")
			assert.Equal(t, row.status == http.StatusOK, set)
		})
	}
}

// A user in FORCE_CHANGE_PASSWORD whom no invitation reaches: the reset
// names a temporary password, and the agent can take it.
func TestWayOut_ForceChangeUserNoInvitationReaches(t *testing.T) {
	f := resetpwtest.NewFake()
	p := f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	u := resetpwtest.User("nico")
	u.UserStatus = types.UserStatusTypeForceChangePassword
	_, err := f.AddUser(p, u)
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	ways, err := wayout.New(r)
	require.NoError(t, err)
	s := &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(testAgents()), PerCustomer: -1}
	rec := post(s, "nico", tokens["alice"])
	assert.JSONEq(t, `{"error":"user_state","maybe_sent":false,"way_out":"temporary_password"}`, rec.Body.String())
	rec = postWayOutAs(s, "alice", "nico", `{"way":"temporary_password","confirm":true}`)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// A request a browser page sent (Origin, Sec-Fetch-Site) is refused on both
// endpoints, with nothing sent: under mTLS a page of another site could
// otherwise post a form with the agent's certificate.
func TestEndpoints_RefuseRequestsFromBrowserPages(t *testing.T) {
	headers := []map[string]string{
		{"Origin": "https://evil.example"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "null", "Sec-Fetch-Site": "cross-site"},
	}
	for _, h := range headers {
		for _, path := range []string{"/users/nico/password-reset", "/users/nico/way-out"} {
			// Either request would act without the check: a reset reaches
			// nico, and an admin_only pool names a temporary password.
			s, f, p := waysService(t, strings.HasSuffix(path, "way-out"))
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"way":"temporary_password","confirm":true}`))
			req.Header.Set("Authorization", "Bearer "+tokens["alice"])
			req.Header.Set("Content-Type", "application/json")
			for k, v := range h {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Routes().ServeHTTP(rec, req)
			assert.Equal(t, http.StatusForbidden, rec.Code, "%s %v", path, h)
			assert.JSONEq(t, `{"error":"cross_origin"}`, rec.Body.String())
			_, _, set := f.TemporaryPassword(p, "nico")
			assert.False(t, set)
			assert.Empty(t, f.Deliveries())
		}
	}
}
