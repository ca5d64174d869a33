package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runOrHang runs the tool, failing the test if it is still running after
// 30 s: a run blocked in open would never return.
func runOrHang(t *testing.T, args []string, stdin io.Reader) error {
	t.Helper()
	f := diegoWorld(t)
	done := make(chan error, 1)
	go func() { done <- runWith(context.Background(), args, stdin, io.Discard, io.Discard, f) }()
	select {
	case err := <-done:
		assert.Empty(t, f.Deliveries(), "nothing was sent")
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("bulk %v is blocked", args)
		return nil
	}
}

// --resume on a file that is not a journal fails before it changes anything
// about the file: not its mode (as root, --out /etc/passwd made 0600 would
// break logins), not its length.
func TestResumeOfAFileThatIsNotAJournalLeavesItAsItWas(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"index.html":      "<html><body>hello</body></html>\n<p>no newline at the end",
		"passwd":          "root:x:0:0:root:/root:/bin/bash\n",
		"other-pool.json": `{"status":"run","format":"cognitoreset-bulk-journal/2","pool":"us-west-2_bbbbbbbbb"}` + "\n" + `{"status":"sen`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
			require.NoError(t, os.Chmod(path, 0o644))
			err := runOrHang(t, []string{"--user-pool-id", pool, "--out", path, "--resume"}, strings.NewReader("diego\n"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), path+":1: ")
			st, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), "the file's mode is as it was")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, body, string(b), "the file is as it was")
		})
	}
}

// --out never waits in open: a FIFO (which blocked until a writer came,
// deaf to SIGINT and SIGTERM) and a device are refused, new run or resume.
func TestJournalOpenedWithoutBlockingFIFOsAndDevicesRefused(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	paths := map[string]string{fifo: "is not a regular file but a FIFO"}
	for _, dev := range []string{"/dev/null", "/dev/full", "/dev/zero"} {
		if _, err := os.Stat(dev); err == nil {
			paths[dev] = "is not a regular file but a device"
		}
	}
	for path, want := range paths {
		for _, resume := range []bool{false, true} {
			args := []string{"--user-pool-id", pool, "--out", path}
			if resume {
				args = append(args, "--resume")
			}
			err := runOrHang(t, args, strings.NewReader("diego\n"))
			require.Error(t, err, "%v", args)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), want)
			assert.NotContains(t, err.Error(), "--resume continues it", "a FIFO or a device is no journal to resume")
		}
	}
}

// The first SIGINT or SIGTERM stops the run (its context); a second ends
// the tool at once, with the shell's code for the signal.
func TestSecondSignalEndsTheToolAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sigs := make(chan os.Signal, 2)
		exited := make(chan int, 1)
		var stderr bytes.Buffer
		ctx, stop := onSignals(context.Background(), sigs, &stderr, func(code int) { exited <- code })
		defer stop()

		sigs <- syscall.SIGTERM
		<-ctx.Done()
		assert.ErrorIs(t, context.Cause(ctx), context.Canceled)
		assert.ErrorContains(t, context.Cause(ctx), "terminated")
		synctest.Wait()
		assert.Empty(t, exited, "the first signal stops the run, and lets it give every input an outcome")

		sigs <- syscall.SIGINT
		synctest.Wait()
		require.Len(t, exited, 1, "the second signal ends the tool")
		assert.Equal(t, 128+int(syscall.SIGINT), <-exited)
		assert.Contains(t, stderr.String(), "a second signal ends it at once")
	})
	synctest.Test(t, func(t *testing.T) {
		_, stop := onSignals(context.Background(), make(chan os.Signal), io.Discard, func(int) { t.Error("exited") })
		stop() // the watcher ends with the run: synctest fails on a goroutine left behind
	})
}

// CSV input is capped as line input is (1 MiB a record), and the error
// quotes nothing of it.
func TestCSVInputCappedLikeLineInput(t *testing.T) {
	field := "diego@example.com" + strings.Repeat("x", 2<<20)
	for name, in := range map[string]string{
		"a long field":        "id,login\n1," + field + "\n",
		"a long quoted field": "id,login\n1,\"" + strings.Repeat(field+"\n", 2) + "\"\n",
		"a long header":       field + ",login\n1,diego\n",
	} {
		t.Run(name, func(t *testing.T) {
			err := runOrHang(t, []string{"--user-pool-id", pool, "--csv-column", "login"}, strings.NewReader(in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "a record longer than 1048576 bytes")
			assert.NotContains(t, err.Error(), "diego")
			assert.Less(t, len(err.Error()), 200)
		})
	}
	err := runOrHang(t, []string{"--user-pool-id", pool}, strings.NewReader("diego\n"+field+"\n"))
	require.Error(t, err, "line input")
	assert.Contains(t, err.Error(), "stdin:2: ")
	assert.NotContains(t, err.Error(), "diego")
}

// No CSV error shows a name of the file unmasked: a header-less file
// separated by semicolons or tabs (one column: the whole row), a
// header-less comma file of names, a row of the wrong width.
func TestCSVErrorsMaskEveryName(t *testing.T) {
	for name, tc := range map[string]struct{ in, hint string }{
		"semicolons":     {"diego@example.com;+12065550100;diego\nmaria@example.com;+12065550101;maria\n", "separated by semicolons or tabs"},
		"tabs":           {"diego@example.com\t+12065550100\tdiego\n", "separated by semicolons or tabs"},
		"names":          {"diego,maria\n", "its 2 columns, masked: d***, m***"},
		"emails":         {"diego@example.com,+12065550100,diego\n", "add a header row"},
		"a row too wide": {"id,email\n1,diego@example.com,maria\n", "wrong number of fields"},
	} {
		t.Run(name, func(t *testing.T) {
			err := runOrHang(t, []string{"--user-pool-id", pool, "--csv-column", "email"}, strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.hint)
			for _, secret := range []string{"diego", "maria", "2065550100"} {
				assert.NotContains(t, err.Error(), secret)
			}
		})
	}
}

// A UTF-8 byte-order mark, as spreadsheets write it, is not part of the
// first column's name, nor of the first user's.
func TestInputWithAByteOrderMark(t *testing.T) {
	for name, args := range map[string][]string{
		"csv":   {"--csv-column", "login"},
		"lines": nil,
	} {
		t.Run(name, func(t *testing.T) {
			in := "\uFEFFdiego\nmaria\n"
			if args != nil {
				in = "\uFEFFlogin,id\ndiego,1\nmaria,2\n"
			}
			f := diegoWorld(t)
			var stderr bytes.Buffer
			require.NoError(t, runWith(context.Background(), append([]string{"--user-pool-id", pool}, args...), strings.NewReader(in), io.Discard, &stderr, f))
			assert.Equal(t, 1, deliveriesTo(f, "diego"), stderr.String())
			assert.Equal(t, 1, deliveriesTo(f, "maria"))
		})
	}
}

// Text from a journal reaches stderr quoted: a pool or a status holding
// terminal escapes prints as \x1b, never as an escape.
func TestJournalTextQuotedInErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct{ body, want string }{
		"pool":   {`{"status":"run","format":"cognitoreset-bulk-journal/2","pool":"\u001b]0;owned\u0007\u001b[2J"}`, `a journal of pool "\x1b]0;owned\a\x1b[2J", not "` + pool + `"`},
		"status": {runHeader(pool) + `{"index":0,"username":"diego","status":"\u001b[31mSENT"}`, `:2: unknown status "\x1b[31mSENT"`},
		"format": {`{"status":"run","format":"\u001b[2J","pool":"` + pool + `"}`, `:1: journal format "\x1b[2J"`},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".jsonl")
			require.NoError(t, os.WriteFile(path, []byte(tc.body+"\n"), 0o600))
			err := runOrHang(t, []string{"--user-pool-id", pool, "--out", path, "--resume"}, strings.NewReader("diego\n"))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.False(t, strings.ContainsFunc(err.Error(), unicode.IsControl), "%q", err)
		})
	}
}

// A journal line with a key twice (last value wins, in encoding/json) is
// refused: "failed" then "sent" would make a user sent, or the other way
// round, depending on the reader.
func TestJournalLineWithADuplicatedKeyRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(runHeader(pool)+
		`{"index":0,"username":"diego","status":"sent","status":"failed"}`+"\n"), 0o600))
	err := runOrHang(t, []string{"--user-pool-id", pool, "--out", path, "--resume"}, strings.NewReader("diego\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+`:2: not a journal line: field "status" appears twice`)
}
