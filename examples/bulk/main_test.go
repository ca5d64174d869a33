package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/internal/redistest"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const pool = "us-west-2_aaaaaaaaa"

// readLines reads journal lines, leaving out the "run" ones, and the
// "sending" ones unless all.
func readLines(t *testing.T, s string, all ...bool) []journal.Line {
	t.Helper()
	var out []journal.Line
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var l journal.Line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		if l.Status == "run" || l.Status == "sending" && len(all) == 0 {
			continue
		}
		out = append(out, l)
	}
	return out
}

// runHeader is the "run" line a journal of pool starts with.
func runHeader(pool string) string {
	return `{"status":"run","format":"` + journal.Format + `","pool":"` + pool + `","run_id":"test"}` + "\n"
}

func TestBulk_LinesFromStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	in := "diego\nmaria@example.com\n\n# a comment\nbad name\ndiego\n"
	err := run(context.Background(), []string{"--user-pool-id", pool, "--demo", "--rate", "30"}, strings.NewReader(in), &stdout, &stderr)
	require.NoError(t, err)
	lines := readLines(t, stdout.String())
	require.Len(t, lines, 4)
	byIndex := map[int]journal.Line{}
	for _, l := range lines {
		byIndex[l.Index] = l
	}
	assert.Equal(t, "sent", byIndex[0].Status)
	assert.Equal(t, "d***@e***.com", byIndex[0].Destination)
	assert.Equal(t, "sent", byIndex[1].Status)
	assert.Equal(t, "failed", byIndex[2].Status)
	assert.Equal(t, "invalid_input", byIndex[2].Kind)
	assert.Equal(t, "duplicate", byIndex[3].Status)
	assert.Equal(t, 0, *byIndex[3].DuplicateOf)
	assert.Contains(t, stderr.String(), "4 read, 2 sent map[EMAIL:2], 1 failed")
	assert.NotContains(t, stderr.String(), "[#", "no progress bar when stderr is not a terminal")
}

func TestBulk_CSVAndResume(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte("id,login,team\n1,alice,a\n2,bob,b\n3,carol,c\n"), 0o600))
	out := filepath.Join(dir, "out.jsonl")
	// A first run that got as far as alice.
	require.NoError(t, os.WriteFile(out, []byte(runHeader(pool)+`{"index":0,"username":"alice","status":"sent"}`+"\n"+`{"index":1,"username":"bob","status":"failed","kind":"throttled"}`+"\n"), 0o600))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--user-pool-id", pool, "--demo", "--input", csvPath, "--csv-column", "login", "--out", out, "--resume"},
		strings.NewReader(""), &stdout, &stderr)
	require.NoError(t, err)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	all := readLines(t, string(b), true)
	require.Len(t, all, 6, "two earlier lines, then bob and carol, each sending then sent")
	lines := readLines(t, string(b))
	require.Len(t, lines, 4, "two earlier lines, then bob's and carol's outcomes")
	var again []string
	for _, l := range lines[2:] {
		again = append(again, l.Username)
		assert.Equal(t, "sent", l.Status)
	}
	assert.ElementsMatch(t, []string{"bob", "carol"}, again)
	assert.Contains(t, stderr.String(), "1 skipped as already sent")
	assert.Empty(t, stdout.String())
}

func TestBulk_Errors(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte("id,login\n1,alice\n"), 0o600))
	bad := filepath.Join(dir, "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("not json\n"), 0o600))
	for _, args := range [][]string{
		{"--demo"},
		{"--user-pool-id", pool, "--resume"},
		{"--user-pool-id", pool, "--demo", "--input", csvPath, "--csv-column", "email"},
		{"--user-pool-id", pool, "--demo", "--input", filepath.Join(dir, "missing")},
		{"--user-pool-id", pool, "--demo", "--out", bad, "--resume"},
		{"--user-pool-id", pool, "--demo", "--preflight", "some"},
		{"--user-pool-id", pool, "--demo", "--rate", "31"},
		{"--user-pool-id", pool, "--demo", "--resend-unknown"},
		{"--user-pool-id", pool, "--demo", "--all-users"},
		{"--user-pool-id", pool, "--demo", "--plan", "--resume", "--out", bad},
	} {
		err := run(context.Background(), args, strings.NewReader("alice\n"), &bytes.Buffer{}, &bytes.Buffer{})
		assert.Error(t, err, "%v", args)
	}
}

// crashWorld is a Fake with n users whose answers to AdminResetUserPassword
// come 500 ms after the reset is done.
func crashWorld(t *testing.T, n int) (*resetpwtest.Fake, []string) {
	t.Helper()
	f := resetpwtest.NewFake()
	f.AddPool(types.UserPoolType{Id: aws.String(pool), EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: "DEVELOPER"}})
	var names []string
	for i := range n {
		name := fmt.Sprintf("user%03d", i)
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
		names = append(names, name)
	}
	f.DelayAnswers(500 * time.Millisecond)
	return f, names
}

// A run killed mid-flight leaves its journal as it was at that moment. A
// resume from it sends no user twice: users whose "sending" line has no
// outcome are recorded as unknown, not sent again, unless asked.
func TestBulk_KilledMidFlightThenResumed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, names := crashWorld(t, 60)
		dir := t.TempDir()
		journalPath := filepath.Join(dir, "journal.jsonl")
		input := strings.Join(names, "\n")
		args := []string{"--user-pool-id", pool, "--out", journalPath, "--concurrency", "8"}

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- runWith(ctx, args, strings.NewReader(input), io.Discard, io.Discard, f) }()
		time.Sleep(2 * time.Second) // on the bubble's clock: some sent, some in flight
		synctest.Wait()
		killed, err := os.ReadFile(journalPath) // what SIGKILL would leave: every line is synced
		require.NoError(t, err)
		cancel()
		<-done
		require.NoError(t, os.WriteFile(journalPath, killed, 0o600)) // forget what the cancelled run wrote after the "kill"

		sending, outcomes := 0, 0
		for _, l := range readLines(t, string(killed), true) {
			if l.Status == "sending" {
				sending++
			} else {
				outcomes++
			}
		}
		inFlight := sending - outcomes
		require.Positive(t, inFlight, "the kill caught resets in flight")
		delivered := len(f.Deliveries())
		require.Equal(t, sending, delivered, "every in-flight reset was done by Cognito, answer or not")

		var stderr bytes.Buffer
		require.NoError(t, runWith(context.Background(), append(args, "--resume"), strings.NewReader(input), io.Discard, &stderr, f))
		perUser := map[string]int{}
		for _, d := range f.Deliveries() {
			perUser[d.Username]++
		}
		for _, n := range names {
			assert.Equal(t, 1, perUser[n], "%s: exactly one code", n)
		}
		assert.Contains(t, stderr.String(), fmt.Sprintf("%d not sent again (fate unknown)", inFlight))
		b, err := os.ReadFile(journalPath)
		require.NoError(t, err)
		unknown := 0
		for _, l := range readLines(t, string(b)) {
			if l.Status == "unknown" {
				unknown++
				assert.True(t, l.MaybeSent)
			}
		}
		assert.Equal(t, inFlight, unknown)

		// A second resume records nothing new and sends nothing; asked to,
		// it resends the unknown ones, and only those.
		require.NoError(t, runWith(context.Background(), append(args, "--resume"), strings.NewReader(input), io.Discard, io.Discard, f))
		assert.Len(t, f.Deliveries(), 60)
		require.NoError(t, runWith(context.Background(), append(args, "--resume", "--resend-unknown"), strings.NewReader(input), io.Discard, io.Discard, f))
		assert.Len(t, f.Deliveries(), 60+inFlight)
	})
}

// failAfter is a writer that fails after its first n writes, as a full disk
// would.
type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("no space left on device")
	}
	w.n--
	return len(p), nil
}

// A journal that can't be written stops the run, naming the file; a device
// such as /dev/full is no journal: it is refused before anything is sent.
func TestJournalWriteErrorStopsTheRun(t *testing.T) {
	f, names := crashWorld(t, 5)
	f.DelayAnswers(0)
	err := runWith(context.Background(), []string{"--user-pool-id", pool}, strings.NewReader(strings.Join(names, "\n")),
		&failAfter{n: 1}, io.Discard, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "writing stdout: no space left on device")
	assert.Empty(t, f.Deliveries(), "the first sending line failed: nothing was sent")

	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	err = runWith(context.Background(), []string{"--user-pool-id", pool, "--out", "/dev/full"}, strings.NewReader(strings.Join(names, "\n")),
		io.Discard, io.Discard, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/dev/full")
	assert.Empty(t, f.Deliveries())
}

func TestBulk_Plan(t *testing.T) {
	f := resetpwtest.NewFake()
	f.AddPool(types.UserPoolType{Id: aws.String(pool),
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}})
	for _, u := range []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("sam", "phone_number", "+442079460958", "phone_number_verified", "true"),
		resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
	} {
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	for _, args := range [][]string{
		{"--user-pool-id", pool, "--plan"},
		{"--user-pool-id", pool, "--plan", "--all-users"},
	} {
		var stdout bytes.Buffer
		require.NoError(t, runWith(context.Background(), args, strings.NewReader("diego\nsam\nnora\n"), &stdout, io.Discard, f))
		assert.Contains(t, stdout.String(), "plan: 3 users, nothing sent")
		assert.Contains(t, stdout.String(), "would send by EMAIL: 1")
		assert.Contains(t, stdout.String(), "would send by SMS: 1")
		assert.Contains(t, stdout.String(), "would fail, no_verified_contact: 1")
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
	assert.Zero(t, f.Calls("AdminGetUser")-3, "PlanPool read no user: only Plan's three")
}

func TestMain(m *testing.M) { os.Exit(redistest.Run(m)) }

func TestBulk_SignOutAndRedis(t *testing.T) {
	f, names := crashWorld(t, 6)
	f.DelayAnswers(0)
	dir := t.TempDir()
	out := filepath.Join(dir, "journal.jsonl")
	var stderr bytes.Buffer
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--sign-out"},
		strings.NewReader(strings.Join(names[:3], "\n")), io.Discard, &stderr, f))
	assert.Len(t, f.SignOuts(), 3)
	assert.Contains(t, stderr.String(), "3 signed out, 0 sign-outs failed")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	for _, l := range readLines(t, string(b)) {
		assert.True(t, l.SignedOut, l.Username)
	}

	err = runWith(context.Background(), []string{"--user-pool-id", pool, "--redis", "127.0.0.1:1"}, strings.NewReader("x"), io.Discard, io.Discard, f)
	assert.ErrorContains(t, err, "--account")

	addr := redistest.Addr(t) // skips without Redis
	c := redistest.NewClient(addr)
	defer c.Close()
	scripts := func() int64 { // Redis script calls so far: one per Wait (GCRA keys expire too soon to look for)
		stats, err := c.InfoMap(context.Background(), "commandstats").Result()
		require.NoError(t, err)
		var total int64
		for cmd, v := range stats["Commandstats"] {
			if strings.HasPrefix(cmd, "cmdstat_eval") { // EVAL and EVALSHA
				var n int64
				_, err := fmt.Sscanf(v, "calls=%d", &n)
				require.NoError(t, err)
				total += n
			}
		}
		return total
	}
	before := scripts()
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--redis", addr, "--account", "123456789012"},
		strings.NewReader(strings.Join(names[3:], "\n")), io.Discard, io.Discard, f))
	assert.Len(t, f.Deliveries(), 6)
	assert.GreaterOrEqual(t, scripts()-before, int64(3+3+1), "every call of the run drew on the shared budget: 3 reads, 3 resets, the pool")

	// Redis down, and no fallback: the run stops, nothing is sent unpaced.
	f2, names2 := crashWorld(t, 8)
	f2.DelayAnswers(0)
	err = runWith(context.Background(), []string{"--user-pool-id", pool, "--redis", "127.0.0.1:1", "--account", "123456789012"},
		strings.NewReader(strings.Join(names2, "\n")), io.Discard, io.Discard, f2)
	require.ErrorIs(t, err, resetpw.ErrRunStopped)
	assert.Empty(t, f2.Deliveries())
	// With a fallback rate it goes on alone.
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--redis", "127.0.0.1:1", "--account", "123456789012",
		"--redis-fallback-rate", "30", "--rate", "30"}, strings.NewReader(strings.Join(names2, "\n")), io.Discard, io.Discard, f2))
	assert.Len(t, f2.Deliveries(), 8)
}
