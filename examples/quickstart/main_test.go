package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuickstart(t *testing.T) {
	out := capture(t, func() { require.NoError(t, run(context.Background())) })
	for _, want := range []string{
		"resettable: true, recovery order: [verified_phone_number verified_email] (legacy: true), email by COGNITO_DEFAULT (50 a day), SMS sandbox: IN_SANDBOX",
		"sent: user diego (read as email), code by EMAIL to d***@e***.com via COGNITO_DEFAULT",
		"caveat cognito_default_email (docs/cognito-rules.md R20)",
		"refused: no_verified_contact",
		"refused: sms_sandbox",
		"AdminResetUserPassword requests that reached Cognito: 1",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "+12065550100")
	assert.NotContains(t, out, "nora@example.com")
}

func capture(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	fn()
	os.Stdout = old
	require.NoError(t, w.Close())
	return strings.TrimSpace(<-done)
}

// Also: -serve binds loopback unless -expose says otherwise, and warns that
// the deliveries are unmasked.
func TestServe_LoopbackUnlessExposedAndWarns(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:4566", "localhost:4566", "[::1]:4566", "127.0.0.2:1"} {
		assert.NoError(t, checkLoopback(addr), addr)
	}
	for _, addr := range []string{":4566", "0.0.0.0:4566", "[::]:4566", "192.0.2.1:4566", "example.com:4566", "nonsense"} {
		assert.Error(t, checkLoopback(addr), addr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // serve, then stop at once
	err := serveFake(ctx, serveOptions{addr: "0.0.0.0:0"}, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-expose")
	var stdout, stderr strings.Builder
	require.NoError(t, serveFake(ctx, serveOptions{addr: "127.0.0.1:0"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "WARNING: GET /resetpwtest/deliveries shows every code sent with UNMASKED emails")
	assert.Contains(t, stdout.String(), "embedded Cognito at http://127.0.0.1:")
}

// -serve without -expose answers only requests addressed to localhost or a
// loopback address: a web page can't read the unmasked deliveries by DNS
// rebinding.
func TestServe_RefusesRequestsForOtherHostsDNSRebinding(t *testing.T) {
	h := loopbackHostOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for host, want := range map[string]int{
		"127.0.0.1:4566": http.StatusNoContent, "localhost:4566": http.StatusNoContent, "LOCALHOST": http.StatusNoContent,
		"[::1]:4566": http.StatusNoContent, "127.0.0.2": http.StatusNoContent,
		"rebind.attacker.example:4566": http.StatusMisdirectedRequest, "192.0.2.1:4566": http.StatusMisdirectedRequest,
		"localhost.attacker.example": http.StatusMisdirectedRequest, "": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/resetpwtest/deliveries", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, host)
	}
}
