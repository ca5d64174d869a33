//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package followup_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// The environment of a second-code run started as a child process by
// TestResend_KilledTwiceAndResumedSendsNobodyTwoCodes.
const (
	envChildURL     = "FOLLOWUP_TEST_CHILD_URL"
	envChildPool    = "FOLLOWUP_TEST_CHILD_POOL"
	envChildJournal = "FOLLOWUP_TEST_CHILD_JOURNAL"
)

// TestMain runs the child's second-code run when the environment asks for
// it, and the tests otherwise, with moto_server when there is one.
func TestMain(m *testing.M) {
	if url := os.Getenv(envChildURL); url != "" {
		os.Exit(childResend(url, os.Getenv(envChildPool), os.Getenv(envChildJournal)))
	}
	os.Exit(moto.Run(m))
}

// childResend runs Resend against the Server at url, slowly enough to be
// killed in the middle.
func childResend(url, pool, path string) int {
	client := cip.New(cip.Options{Region: "us-west-2", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDFOLLOWUP", "followup-secret", "")})
	r, err := resetpw.New(client)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	_, err = followup.Resend(context.Background(), r, path, pool, followup.Options{Run: bulk.Options{Concurrency: 4,
		Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 20}}}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// A second-code run killed with SIGKILL twice, then resumed: nobody gets
// two codes, every expired user gets one or is recorded as maybe sent,
// and every reset begun has an outcome in the journal.
func TestResend_KilledTwiceAndResumedSendsNobodyTwoCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the test binary as a child process three times")
	}
	const n = 60
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	path := filepath.Join(t.TempDir(), "run.jsonl")
	j, err := journal.Create(path)
	require.NoError(t, err)
	require.NoError(t, j.Begin(pool, nil, "full"))
	at := time.Now().Add(-2 * time.Hour)
	sent := at.UTC().Format(time.RFC3339Nano)
	f.SetClock(func() time.Time { return at }) // the users were reset then
	for i := range n {                         // every first code expired an hour ago
		name := fmt.Sprintf("u%02d", i)
		u := resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")
		u.UserStatus = types.UserStatusTypeResetRequired
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
		require.NoError(t, j.Write(journal.Line{Index: i, Username: name, SentAs: name, Status: "sent", At: sent}))
	}
	require.NoError(t, j.Close())
	f.SetClock(time.Now)
	s := resetpwtest.NewServer(f)
	defer s.Close()

	run := func(killAt int) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChildURL+"="+s.URL, envChildPool+"="+pool, envChildJournal+"="+path)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		if killAt == 0 {
			require.NoError(t, cmd.Wait())
			return
		}
		for len(f.Deliveries()) < killAt { // a child process's progress, seen from here
			time.Sleep(2 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Kill()) // SIGKILL
		_ = cmd.Wait()
	}
	run(15)
	run(35)
	run(0)

	per := map[string]int{}
	for _, d := range f.Deliveries() {
		per[d.Username]++
	}
	for name, c := range per {
		assert.Equal(t, 1, c, "%s got %d codes", name, c)
	}
	// Every reset begun has an outcome; a user without a code is one whose
	// reset was in flight at a kill (recorded "unknown": it gets one an
	// hour later).
	pending, unknown := map[string]bool{}, map[string]bool{}
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var l journal.Line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		switch l.Status {
		case "sending":
			pending[l.SentAs] = true
		case "sent", "failed":
			delete(pending, l.Username)
		case "unknown":
			delete(pending, l.Username)
			unknown[l.Username] = true
		}
	}
	assert.Empty(t, pending, "resets without an outcome")
	for i := range n {
		name := fmt.Sprintf("u%02d", i)
		assert.True(t, per[name] == 1 || unknown[name], "%s: no code and not recorded as maybe sent", name)
	}
	t.Logf("%d users resent, %d recorded as maybe sent at a kill", len(per), len(unknown))
}
