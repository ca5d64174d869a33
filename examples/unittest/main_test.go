package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const pool = "us-west-2_aaaaaaaaa"

func TestPasswordReset(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"sent", nil, http.StatusNoContent},
		{"unknown user", resetpwtest.Fail(resetpw.ErrUserNotFound), http.StatusNotFound},
		{"no verified contact", resetpwtest.Fail(resetpw.ErrNoVerifiedContact), http.StatusConflict},
		{"sms sandbox", resetpwtest.Fail(resetpw.ErrSMSSandbox), http.StatusConflict},
		{"admin-only recovery", resetpwtest.Fail(resetpw.ErrRecoveryNotConfigured), http.StatusConflict},
		{"throttled", resetpwtest.Fail(resetpw.ErrThrottled), http.StatusTooManyRequests},
		{"attempt limit", resetpwtest.Fail(resetpw.ErrAttemptLimit), http.StatusTooManyRequests},
		{"invalid input", resetpwtest.Fail(resetpw.ErrInvalidInput), http.StatusBadRequest},
		{"anything else", resetpwtest.Fail(resetpw.ErrUnavailable), http.StatusBadGateway},
		{"untyped error", errors.New("boom"), http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := resetpwtest.NewMock(t)
			call := m.On("Reset", mock.Anything, resetpw.Request{
				UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"source": "unittest-example"},
			}).Once()
			if tt.err == nil {
				call.Return(resetpwtest.Sent(pool, "diego", "diego@example.com"), nil)
			} else {
				call.Return(nil, tt.err)
			}
			s := &Service{Resetter: m, PoolID: pool}
			rec := httptest.NewRecorder()
			s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/users/diego/password-reset", nil))
			assert.Equal(t, tt.status, rec.Code)
		})
	}
}

func TestPasswordReset_OnlyPOST(t *testing.T) {
	m := resetpwtest.NewMock(t) // no expectation: Reset must not be called
	s := &Service{Resetter: m, PoolID: pool}
	rec := httptest.NewRecorder()
	s.Routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/users/diego/password-reset", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
