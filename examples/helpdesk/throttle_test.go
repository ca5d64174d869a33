package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"

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
