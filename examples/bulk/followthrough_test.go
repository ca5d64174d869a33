package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// followedRun is a pool after a run and its journal: c0-c2 completed 30
// minutes after their code (sent 100 minutes ago), p0-p4 pending (sent 10
// minutes ago), e0-e1 expired (sent 100 minutes ago), and x0, in
// RESET_REQUIRED with no record.
func followedRun(t *testing.T) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	f.AddPool(types.UserPoolType{Id: aws.String(pool)})
	now := time.Now()
	clock := now
	f.SetClock(func() time.Time { return clock })
	path := filepath.Join(t.TempDir(), "run.jsonl")
	j, err := journal.Create(path)
	require.NoError(t, err)
	defer j.Close()
	require.NoError(t, j.Begin(pool, nil, "full"))
	add := func(name string, status types.UserStatusType, modified, sent time.Time) {
		clock = modified
		u := resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")
		u.UserStatus = status
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
		if !sent.IsZero() {
			require.NoError(t, j.Write(journal.Line{Username: name, SentAs: name, Status: "sent", At: sent.UTC().Format(time.RFC3339Nano)}))
		}
	}
	old, recent := now.Add(-100*time.Minute), now.Add(-10*time.Minute)
	for i := range 3 {
		add(fmt.Sprintf("c%d", i), types.UserStatusTypeConfirmed, old.Add(30*time.Minute), old)
	}
	for i := range 5 {
		add(fmt.Sprintf("p%d", i), types.UserStatusTypeResetRequired, recent, recent)
	}
	for i := range 2 {
		add(fmt.Sprintf("e%d", i), types.UserStatusTypeResetRequired, old, old)
	}
	add("x0", types.UserStatusTypeResetRequired, old, time.Time{})
	f.SetClock(time.Now)
	return f, path
}

func TestStatus_PrintsTheStatesAndTheCurveOfAJournal(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want []string
	}{
		"journal": {[]string{"--journal", ""}, []string{"10 users sent a code", "completed         3   30.0%", "pending           5   50.0%",
			"expired           2   20.0%", "no_record         1", "0-1", "1-2", "read with 2 ListUsers calls"}},
		"all users": {[]string{"--all-users"}, []string{"0 users sent a code", "no_record         8", "0-1", "1-2", "read with 1 ListUsers calls"}},
	} {
		t.Run(name, func(t *testing.T) {
			f, path := followedRun(t)
			if tc.args[len(tc.args)-1] == "" {
				tc.args[len(tc.args)-1] = path
			}
			var stdout, stderr bytes.Buffer
			err := runWith(t.Context(), append([]string{"status", "--user-pool-id", pool}, tc.args...), nil, &stdout, &stderr, f)
			require.NoError(t, err, stderr.String())
			for _, w := range tc.want {
				assert.Contains(t, stdout.String(), w)
			}
			assert.NotContains(t, stdout.String(), "@example.com")
			assert.Empty(t, f.Deliveries(), "status sends nothing")
		})
	}
}

func TestStatus_RefusesWhatItCantFollow(t *testing.T) {
	f, path := followedRun(t)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no pool":              {[]string{"status", "--journal", path}, "missing required flag --user-pool-id"},
		"neither":              {[]string{"status", "--user-pool-id", pool}, "--journal FILE, or --all-users"},
		"both":                 {[]string{"status", "--user-pool-id", pool, "--journal", path, "--all-users"}, "--journal FILE, or --all-users"},
		"another pool":         {[]string{"status", "--user-pool-id", "us-west-2_bbbbbbbbb", "--journal", path}, "a journal of pool"},
		"no such journal":      {[]string{"status", "--user-pool-id", pool, "--journal", path + ".nope"}, "no such file"},
		"min age without more": {[]string{"--user-pool-id", pool, "--min-age", "2h"}, "--min-age needs --resend-expired"},
		"resend to stdout":     {[]string{"--user-pool-id", pool, "--resend-expired"}, "--resend-expired needs --out FILE"},
		"resend with an input": {[]string{"--user-pool-id", pool, "--resend-expired", "--out", path, "--input", "users.txt"}, "reads no input"},
		"resend and sign out":  {[]string{"--user-pool-id", pool, "--resend-expired", "--out", path, "--sign-out"}, "reads no input"},
	} {
		t.Run(name, func(t *testing.T) {
			err := runWith(t.Context(), tc.args, strings.NewReader(""), io.Discard, io.Discard, f)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// status --metrics-addr serves one gauge per state, labelled by the state
// and by nothing else of its own (the exporter adds its scope's labels),
// and nothing personal.
func TestStatus_MetricsAreAGaugePerState(t *testing.T) {
	f, path := followedRun(t)
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runWith(ctx, []string{"status", "--user-pool-id", pool, "--journal", path, "--every", "1h", "--metrics-addr", "127.0.0.1:0"}, nil, &stdout, &stderr, f)
	}()
	urlRE := regexp.MustCompile(`metrics at (http://\S+)`)
	var body string
	for body == "" || !strings.Contains(body, "cognitoreset_followup_users") { // until the first read is recorded
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			if resp, err := http.Get(m[1]); err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body = string(b)
			}
		}
		select {
		case err := <-done:
			t.Fatalf("status ended: %v\n%s", err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	require.NoError(t, <-done)
	series := regexp.MustCompile(`(?m)^cognitoreset_followup_users(?:_[a-z]+)?\{([^}]*)\} (\d+)$`).FindAllStringSubmatch(body, -1)
	got := map[string]string{}
	for _, s := range series {
		var state string
		for _, kv := range strings.Split(s[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch {
			case k == "cognitoreset_state":
				state = strings.Trim(v, `"`)
			case strings.HasPrefix(k, "otel_scope_"):
			default:
				t.Errorf("a label outside the closed set: %s", k)
			}
		}
		got[state] = s[2]
	}
	assert.Equal(t, map[string]string{"completed": "3", "pending": "5", "expired": "2", "changed": "0", "no_record": "1", "not_sent": "0"}, got, body)
	assert.Regexp(t, `(?m)^cognitoreset_followup_maybe_sent(?:_[a-z]+)?\{otel_scope_[^}]*\} 0$`, body, "the maybe-sent gauge, without a label of its own")
	assert.NotContains(t, body, "example.com")
	assert.NotContains(t, body, "p0")
}

// --resend-expired sends a second code to the expired users of the journal,
// and to nobody else; run again at once, it sends nothing.
func TestResendExpired_SendsToTheExpiredAlone(t *testing.T) {
	f, path := followedRun(t)
	var stderr bytes.Buffer
	args := []string{"--user-pool-id", pool, "--out", path, "--resend-expired", "--rate", "30"}
	require.NoError(t, runWith(t.Context(), args, strings.NewReader(""), io.Discard, &stderr, f), stderr.String())
	var to []string
	for _, d := range f.Deliveries() {
		to = append(to, d.Username)
	}
	assert.ElementsMatch(t, []string{"e0", "e1"}, to)
	assert.Contains(t, stderr.String(), "2 expired users, 2 sent a second code")
	require.NoError(t, runWith(t.Context(), args, strings.NewReader(""), io.Discard, io.Discard, f))
	assert.Len(t, f.Deliveries(), 2, "their new codes are pending")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(b), `"status":"sending"`))
}
