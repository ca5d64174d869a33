package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// countStatus counts the journal's lines of a status.
func countStatus(journal, status string) int {
	return strings.Count(journal, `"status":"`+status+`"`)
}

// The built program's demo: two users sent, the repeated input a duplicate.
func TestBulkProgramDemo(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bulk.jsonl")
	cmd := e2e.Command(e2e.Build(t, "."), "--user-pool-id", "us-west-2_aaaaaaaaa", "--demo", "--out", out)
	cmd.Stdin = strings.NewReader("diego\nmaria@example.com\ndiego\n")
	_, stderr, code := e2e.Run(t, cmd)
	require.Zero(t, code, stderr)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, 2, countStatus(string(b), "sent"), "%s", b)
	assert.Equal(t, 1, countStatus(string(b), "duplicate"), "%s", b)
}

// The built program killed with SIGKILL while resets are in flight, then
// resumed, against cmd/fakecognito: nobody gets two codes, every reset the
// kill caught in flight is recorded as fate unknown, and every other user
// gets a code. A resume refuses another pool's journal.
func TestBulkProgramKilledMidFlightThenResumedSendsNoSecondCode(t *testing.T) {
	const users = 120
	endpoint, fake := e2e.StartFakeCognito(t, "-users", fmt.Sprint(users), "-answer-delay", "500ms")
	dir := t.TempDir()
	input, journal := filepath.Join(dir, "users.txt"), filepath.Join(dir, "journal.jsonl")
	var names strings.Builder
	for i := 1; i <= users; i++ {
		fmt.Fprintf(&names, "user%04d\n", i)
	}
	require.NoError(t, os.WriteFile(input, []byte(names.String()), 0o600))
	bin := e2e.Build(t, ".")
	bulk := func(more ...string) []string {
		return append([]string{"--user-pool-id", "us-west-2_aaaaaaaaa", "--endpoint-url", endpoint, "--input", input,
			"--out", journal, "--daily-email-limit", "-1"}, more...)
	}
	readJournal := func() string {
		b, _ := os.ReadFile(journal)
		return string(b)
	}

	// Kill it once 20 resets are announced in the journal: answers take
	// 500 ms, so some are in flight.
	run := e2e.Start(t, e2e.Command(bin, bulk()...))
	run.Eventually(t, 30*time.Second, "the bulk run writing 20 sending lines", func() bool { return countStatus(readJournal(), "sending") >= 20 })
	run.Signal(t, syscall.SIGKILL)
	run.Wait(t, 10*time.Second)
	killed := readJournal()
	sending := countStatus(killed, "sending")
	outcomes := strings.Count(killed, "\n") - sending - countStatus(killed, "run")
	t.Logf("killed: %d sending lines, %d outcomes in the journal", sending, outcomes)

	_, stderr, code := e2e.Run(t, e2e.Command(bin, bulk("--resume")...))
	require.Zero(t, code, stderr)
	resp, err := http.Get(endpoint + resetpwtest.DeliveriesPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	var deliveries []resetpwtest.Delivery
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&deliveries))
	codes := map[string]int{}
	for _, d := range deliveries {
		codes[d.Username]++
	}
	twice := 0
	for _, n := range codes {
		if n > 1 {
			twice++
		}
	}
	unknown := countStatus(readJournal(), "unknown")
	t.Logf("after the resume: %d users got a code, %d got two, %d recorded as fate unknown", len(codes), twice, unknown)
	assert.Zero(t, twice, "nobody gets two codes")
	inFlight := sending - outcomes
	assert.Positive(t, inFlight, "the kill caught resets in flight")
	assert.Equal(t, inFlight, unknown, "every reset caught in flight is recorded as fate unknown")
	assert.GreaterOrEqual(t, len(codes)+unknown, users)
	assert.Contains(t, fake.Stderr(), "WARNING: GET /resetpwtest/deliveries shows every code sent with UNMASKED")
	first, _, _ := strings.Cut(readJournal(), "\n")
	assert.Regexp(t, regexp.MustCompile(`"status":"run".*"pool":"us-west-2_aaaaaaaaa"`), first)

	_, stderr, code = e2e.Run(t, e2e.Command(bin, bulk("--resume", "--user-pool-id", "us-west-2_bbbbbbbbb")...))
	assert.NotZero(t, code, "a resume took another pool's journal")
	assert.Contains(t, stderr, `a journal of pool "us-west-2_aaaaaaaaa", not "us-west-2_bbbbbbbbb"`)

	_, stderr, code = e2e.Run(t, e2e.Command(e2e.Build(t, e2e.FakeCognito), "-addr", "0.0.0.0:0"))
	assert.NotZero(t, code, "fakecognito bound every interface without -expose")
	assert.Contains(t, stderr, "not a loopback address")
}
