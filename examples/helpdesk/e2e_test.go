package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
)

// The built service, as deployed: -new-token prints a token and its
// HELPDESK_TOKENS entry; a plain token is refused at startup; with the
// entry, it resets diego (204), answers 404 for an unknown user and 401 to
// an anonymous caller, closes an address after six bad guesses (429
// too_many_failures for a bad token) while a good token from that address is
// still checked and served, refuses diego a second code within the window
// (429 customer_rate_limit), writes the audit line (the resolved user,
// masked, and its user_key) and the library's line joined by the request
// ID, and never logs the token.
func TestHelpdeskProgramServesAndAudits(t *testing.T) {
	bin := e2e.Build(t, ".")
	stdout, stderr, code := e2e.Run(t, e2e.Command(bin, "-new-token", "ci-agent"))
	require.Zero(t, code, stderr)
	token := regexp.MustCompile(`(?m)^token for ci-agent .*: (hdk_[A-Za-z0-9_-]*)$`).FindStringSubmatch(stdout)
	entry := regexp.MustCompile(`(?m)^HELPDESK_TOKENS entry: (\S+)$`).FindStringSubmatch(stdout)
	require.NotNil(t, token, stdout)
	require.NotNil(t, entry, stdout)

	plain := e2e.Command(bin, "-addr", "127.0.0.1:0")
	plain.Env = append(plain.Env, "HELPDESK_TOKENS=ci-agent:ci-token-123")
	_, stderr, code = e2e.Run(t, plain)
	assert.NotZero(t, code, "the service started with a plain token")
	assert.Contains(t, stderr, "a plain token is not accepted")

	cmd := e2e.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Env = append(cmd.Env, "HELPDESK_TOKENS="+entry[1])
	p := e2e.Start(t, cmd)
	addr := p.WaitStderr(t, regexp.MustCompile(`listening on (127\.0\.0\.1:[0-9]+)$`), 30*time.Second)[1]
	type answer struct {
		*http.Response
		Error string `json:"error"`
	}
	post := func(user, auth string) answer {
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/users/"+user+"/password-reset", nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		a := answer{Response: resp}
		if resp.StatusCode != http.StatusNoContent {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
		}
		return a
	}
	diego := post("diego", token[1])
	missing := post("ghost", token[1])
	anonymous := post("ghost", "")
	for i := 1; i <= 6; i++ { // guesses (the anonymous request is none): 401, then the address is closed
		post("ghost", "hdk_AAAAAAAAAAAAAAAAAAAAA"+string(rune('0'+i)))
	}
	throttled := post("ghost", "hdk_AAAAAAAAAAAAAAAAAAAAA7")
	agentBehindIt := post("ghost", token[1])
	again := post("diego", token[1])
	p.Signal(t, syscall.SIGTERM)
	p.Wait(t, 60*time.Second)
	t.Logf("diego -> %d, ghost -> %d, anonymous -> %d, after 6 failures: a bad token -> %d %s, a good one -> %d, diego again -> %d %s",
		diego.StatusCode, missing.StatusCode, anonymous.StatusCode, throttled.StatusCode, throttled.Error, agentBehindIt.StatusCode, again.StatusCode, again.Error)
	assert.Equal(t, http.StatusNoContent, diego.StatusCode)
	assert.Equal(t, http.StatusNotFound, missing.StatusCode)
	assert.Equal(t, http.StatusUnauthorized, anonymous.StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, throttled.StatusCode)
	assert.Equal(t, "too_many_failures", throttled.Error)
	assert.Equal(t, http.StatusNotFound, agentBehindIt.StatusCode, "a valid token is checked even from a closed address")
	assert.Equal(t, http.StatusTooManyRequests, again.StatusCode)
	assert.Equal(t, "customer_rate_limit", again.Error)

	log := p.Stderr()
	assert.Regexp(t, regexp.MustCompile(`msg="helpdesk reset" agent=ci-agent user=d\*\*\* kind=none fate=sent .* user_key=[0-9a-f]{32}`), log)
	assert.Contains(t, log, `msg="helpdesk authentication failed"`)
	rid := diego.Header.Get("X-Request-Id")
	require.NotEmpty(t, rid)
	assert.GreaterOrEqual(t, strings.Count(log, "request_id="+rid), 2, "the library's line and the audit line")
	assert.NotContains(t, log, token[1], "a token in the log")
}
