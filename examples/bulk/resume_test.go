package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// diegoWorld is a Fake whose pool signs in with emails as aliases, holding
// diego (diego@example.com) and maria.
func diegoWorld(t *testing.T) *resetpwtest.Fake {
	t.Helper()
	f := resetpwtest.NewFake()
	f.AddPool(types.UserPoolType{Id: aws.String(pool), AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: "DEVELOPER"}})
	for _, u := range []string{"diego", "maria"} {
		_, err := f.AddUser(pool, resetpwtest.User(u, "email", u+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	return f
}

func deliveriesTo(f *resetpwtest.Fake, user string) int {
	n := 0
	for _, d := range f.Deliveries() {
		if d.Username == user {
			n++
		}
	}
	return n
}

// --resume never sends a user again under another spelling.
func TestResumeKeysOnTheUserSent(t *testing.T) {
	t.Run("a duplicate under another spelling", func(t *testing.T) {
		f := diegoWorld(t)
		out := filepath.Join(t.TempDir(), "j.jsonl")
		args := []string{"--user-pool-id", pool, "--out", out}
		require.NoError(t, runWith(context.Background(), args, strings.NewReader("diego\ndiego@example.com\n"), io.Discard, io.Discard, f))
		require.Equal(t, 1, deliveriesTo(f, "diego"))
		require.NoError(t, runWith(context.Background(), append(args, "--resume"), strings.NewReader("diego\ndiego@example.com\n"), io.Discard, io.Discard, f))
		assert.Equal(t, 1, deliveriesTo(f, "diego"), "the resume sent diego no second code")
		// Nor in any order or spelling, nor when asked to resend unknowns.
		require.NoError(t, runWith(context.Background(), append(args, "--resume", "--resend-unknown"), strings.NewReader("diego@example.com\nmaria\n"), io.Discard, io.Discard, f))
		assert.Equal(t, 1, deliveriesTo(f, "diego"))
		assert.Equal(t, 1, deliveriesTo(f, "maria"))
	})
	t.Run("sending under the name sent, input by the other", func(t *testing.T) {
		f := diegoWorld(t)
		out := filepath.Join(t.TempDir(), "j.jsonl")
		require.NoError(t, os.WriteFile(out, []byte(runHeader(pool)+
			`{"index":0,"username":"diego@example.com","status":"sending","sent_as":"diego"}`+"\n"), 0o600))
		var stderr bytes.Buffer
		require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--resume"},
			strings.NewReader("diego\n"), io.Discard, &stderr, f))
		assert.Zero(t, deliveriesTo(f, "diego"), "its fate is unknown: not sent again")
		assert.Contains(t, stderr.String(), "1 not sent again (fate unknown)")
	})
	t.Run("sent by username, input by email", func(t *testing.T) {
		f := diegoWorld(t)
		out := filepath.Join(t.TempDir(), "j.jsonl")
		require.NoError(t, os.WriteFile(out, []byte(runHeader(pool)+
			`{"index":0,"username":"diego","status":"sending","sent_as":"diego"}`+"\n"+
			`{"index":0,"username":"diego","status":"sent","sent_as":"diego"}`+"\n"), 0o600))
		var stderr bytes.Buffer
		require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--resume"},
			strings.NewReader("diego@example.com\nmaria\n"), io.Discard, &stderr, f))
		assert.Zero(t, deliveriesTo(f, "diego"))
		assert.Equal(t, 1, deliveriesTo(f, "maria"))
		assert.Contains(t, stderr.String(), "1 skipped as already sent")
	})
}

// --resume with a journal that doesn't exist refuses to run; a
// new run refuses a journal that exists.
func TestResumeNeedsTheJournalAndANewRunANewOne(t *testing.T) {
	f := diegoWorld(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "j4.jsonl")
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out},
		strings.NewReader("diego\n"), io.Discard, io.Discard, f))
	err := runWith(context.Background(), []string{"--user-pool-id", pool, "--out", filepath.Join(dir, "j4.json"), "--resume"},
		strings.NewReader("diego\n"), io.Discard, io.Discard, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "j4.json does not exist")
	err = runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out},
		strings.NewReader("diego\n"), io.Discard, io.Discard, f)
	require.Error(t, err, "a new run on an existing journal")
	assert.Contains(t, err.Error(), "--resume continues it")
	assert.Equal(t, 1, deliveriesTo(f, "diego"))
}

// A new run whose input can't be read leaves no journal behind: the next
// try, with the input fixed, starts a new journal rather than being told
// that one exists.
func TestNewRunWithAnUnreadableInputLeavesNoJournal(t *testing.T) {
	f := diegoWorld(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "j.jsonl")
	for _, args := range [][]string{
		{"--input", filepath.Join(dir, "missing.txt")},
		{"--csv-column", "email"},
	} {
		err := runWith(context.Background(), append([]string{"--user-pool-id", pool, "--out", out}, args...),
			strings.NewReader("login\ndiego\n"), io.Discard, io.Discard, f)
		require.Error(t, err, "%v", args)
		_, err = os.Lstat(out)
		assert.ErrorIs(t, err, os.ErrNotExist, "%v", args)
	}
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out}, strings.NewReader("diego\n"), io.Discard, io.Discard, f))
	assert.Equal(t, 1, deliveriesTo(f, "diego"))
}

// The journal says its pool, and a resume refuses another pool's,
// unknown fields, unknown statuses and lines it can't parse, naming file and
// line.
func TestResumeRefusesAJournalOfAnotherPoolOrShape(t *testing.T) {
	f := diegoWorld(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "j.jsonl")
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out},
		strings.NewReader("diego\n"), io.Discard, io.Discard, f))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, strings.SplitN(string(b), "\n", 2)[0], `"pool":"`+pool+`"`)
	assert.Contains(t, string(b), `"run_id":"`)
	assert.Contains(t, string(b), `"inputs_digest":"sha256:`)

	err = runWith(context.Background(), []string{"--user-pool-id", "us-west-2_bbbbbbbbb", "--out", out, "--resume"},
		strings.NewReader("diego\n"), io.Discard, io.Discard, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), out+`:1: a journal of pool "`+pool+`"`, "journal text is quoted")

	for name, tc := range map[string]struct{ body, want string }{
		"unknown field":   {runHeader(pool) + `{"index":0,"username":"maria","status":"sent","extra":1}`, ":2: not a journal line"},
		"unknown status":  {runHeader(pool) + `{"index":0,"username":"maria","status":"SENT"}`, `:2: unknown status "SENT"`},
		"not json":        {runHeader(pool) + "not json", ":2: not a journal line"},
		"no username":     {runHeader(pool) + `{"index":0,"status":"sent"}`, ":2: a \"sent\" line without a username"},
		"no run line":     {`{"index":0,"username":"maria","status":"sent"}`, ":1: a \"sent\" line before any run line"},
		"old format":      {`{"status":"run","pool":"` + pool + `"}`, ":1: journal format"},
		"two values":      {runHeader(pool) + `{"index":0,"username":"maria","status":"sent"} {}`, ":2: not a journal line"},
		"empty journal":   {"", "no run line"},
		"duplicate of ??": {runHeader(pool) + `{"index":1,"username":"maria","status":"duplicate"}`, ":2: a duplicate line without duplicate_of"},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".jsonl")
			require.NoError(t, os.WriteFile(p, []byte(tc.body+"\n"), 0o600))
			err := runWith(context.Background(), []string{"--user-pool-id", pool, "--out", p, "--resume"},
				strings.NewReader("maria\n"), io.Discard, io.Discard, f)
			require.Error(t, err)
			assert.Contains(t, err.Error(), p)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	assert.Zero(t, deliveriesTo(f, "maria"), "no refused journal sent anything")
}

// A hostile 300 KB input line is journaled short, and the resume
// reads the journal back.
func TestLongInputLineJournaledShortAndReadBack(t *testing.T) {
	f := diegoWorld(t)
	out := filepath.Join(t.TempDir(), "j.jsonl")
	hostile := strings.Repeat(`"\`, 150_000) // 300 KB, each byte escaped in JSON
	in := "diego\n" + hostile + "\n"
	args := []string{"--user-pool-id", pool, "--out", out}
	require.NoError(t, runWith(context.Background(), args, strings.NewReader(in), io.Discard, io.Discard, f))
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Less(t, st.Size(), int64(8<<10), "the journal keeps a bounded part of the input")
	require.NoError(t, runWith(context.Background(), append(args, "--resume"), strings.NewReader(in), io.Discard, io.Discard, f))
	assert.Equal(t, 1, deliveriesTo(f, "diego"))

	// A line too long for the reader is refused, naming file and line.
	long := filepath.Join(t.TempDir(), "long.jsonl")
	require.NoError(t, os.WriteFile(long, []byte(runHeader(pool)+`{"index":0,"status":"sent","username":"`+strings.Repeat("a", 100<<10)+`"}`+"\n"), 0o600))
	err = runWith(context.Background(), []string{"--user-pool-id", pool, "--out", long, "--resume"}, strings.NewReader("diego\n"), io.Discard, io.Discard, f)
	require.Error(t, err)
	assert.Contains(t, err.Error(), long+":2: line longer than")
}

// A last line cut short by a crash (no newline) is left out and cut off.
func TestJournal_LastLineCutShort(t *testing.T) {
	f := diegoWorld(t)
	out := filepath.Join(t.TempDir(), "j.jsonl")
	require.NoError(t, os.WriteFile(out, []byte(runHeader(pool)+`{"index":0,"username":"diego","status":"sen`), 0o600))
	var stderr bytes.Buffer
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--resume"},
		strings.NewReader("diego\n"), io.Discard, &stderr, f))
	assert.Contains(t, stderr.String(), "cut short")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"sen{`)
	_, err = journal.Read(bytes.NewReader(b), pool)
	require.NoError(t, err, "the journal is whole again")
	assert.True(t, strings.HasSuffix(string(b), "\n"))
}

// A signal while the tool waits for its input stops it; what
// was read gets an outcome, and nothing is sent.
func TestSignalWhileBlockedOnInputStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := diegoWorld(t)
		out := filepath.Join(t.TempDir(), "j.jsonl")
		pr, pw := io.Pipe()
		defer pw.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			done <- runWith(ctx, []string{"--user-pool-id", pool, "--out", out}, pr, io.Discard, io.Discard, f)
		}()
		_, err := io.WriteString(pw, "diego\nmaria\n")
		require.NoError(t, err)
		synctest.Wait() // the reader has the two lines and waits for more
		cancel()        // SIGINT or SIGTERM
		err = <-done
		require.ErrorIs(t, err, resetpw.ErrRunStopped)
		require.ErrorIs(t, err, context.Canceled)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		lines := readLines(t, string(b))
		require.Len(t, lines, 2)
		for _, l := range lines {
			assert.Equal(t, "failed", l.Status)
			assert.Equal(t, "run_stopped", l.Kind)
		}
		assert.Empty(t, f.Deliveries())
	})
}

// Also: --out refuses symlinks, dangling ones too, and creates 0600.
func TestJournal_OutRefusesSymlinksAndIsPrivate(t *testing.T) {
	f := diegoWorld(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	for name, prepare := range map[string]func(link string){
		"dangling": func(link string) { require.NoError(t, os.Symlink(target, link)) },
		"to a file": func(link string) {
			require.NoError(t, os.WriteFile(target, nil, 0o644))
			require.NoError(t, os.Symlink(target, link))
		},
	} {
		t.Run(name, func(t *testing.T) {
			link := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			prepare(link)
			for _, resume := range []bool{false, true} {
				args := []string{"--user-pool-id", pool, "--out", link}
				if resume {
					args = append(args, "--resume")
				}
				err := runWith(context.Background(), args, strings.NewReader("diego\n"), io.Discard, io.Discard, f)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "symlink")
			}
		})
	}
	assert.Empty(t, f.Deliveries())
	_, err := os.Stat(target)
	if err == nil {
		b, _ := os.ReadFile(target)
		assert.Empty(t, b, "nothing was written through the link")
	}

	out := filepath.Join(dir, "new.jsonl")
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out}, strings.NewReader("diego\n"), io.Discard, io.Discard, f))
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	require.NoError(t, os.Chmod(out, 0o644))
	require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--resume"}, strings.NewReader("diego\n"), io.Discard, io.Discard, f))
	st, err = os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "a resumed journal is made private")
}
