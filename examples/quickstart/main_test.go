package main

import (
	"context"
	"io"
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
