package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
)

// The built program prints the lesson: the pool check, diego's reset with
// where the code went, the caveat, the two refusals, and one request sent.
func TestQuickstartProgramPrintsTheLesson(t *testing.T) {
	bin := e2e.Build(t, ".")
	start := time.Now()
	stdout, stderr, code := e2e.Run(t, e2e.Command(bin))
	require.Zero(t, code, stderr)
	for _, want := range []string{
		"resettable: true",
		"sent: user diego (read as email), code by EMAIL to d***@e***.com",
		"caveat cognito_default_email",
		"refused: no_verified_contact",
		"refused: sms_sandbox",
		"requests that reached Cognito: 1 ",
	} {
		assert.Contains(t, stdout, want)
	}
	t.Logf("the quickstart ran in %v", time.Since(start).Round(time.Millisecond))
}
