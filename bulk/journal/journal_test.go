//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package journal

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// write creates a journal at path holding lines.
func write(t *testing.T, path string, lines ...Line) {
	t.Helper()
	j, err := Create(path)
	require.NoError(t, err)
	require.NoError(t, j.Begin(pool, []string{"diego"}, "full"))
	for _, l := range lines {
		require.NoError(t, j.Write(l))
	}
	require.NoError(t, j.Close())
}

func TestCreate_NewFileIsPrivateAndAnythingExistingRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	write(t, path)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	require.NoError(t, os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "dangling")))
	require.NoError(t, os.Symlink(path, filepath.Join(dir, "link")))
	for name, want := range map[string]string{
		"j.jsonl":  "already exists",
		"dangling": "is a symlink",
		"link":     "is a symlink",
		"fifo":     "is not a regular file but a FIFO",
		".":        "is a directory",
	} {
		_, err := Create(filepath.Join(dir, name))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), want, name)
		assert.Equal(t, name == "j.jsonl", errors.Is(err, fs.ErrExist), name)
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		_, err := Create("/dev/null")
		assert.ErrorContains(t, err, "is not a regular file but a device")
	}
	_, err = os.Stat(filepath.Join(dir, "elsewhere"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "nothing was created through the dangling link")
}

// Resume refuses a file that is not a journal before it changes anything
// about it: its mode, its length, its content.
func TestResume_ValidatesTheJournalBeforeChangingTheFile(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not a journal":                      "<html>hello</html>\n<p>cut short",
		"another pool's, with a line cut":    header("us-west-2_bbbbbbbbb", "full") + `{"index":0,"username":"d","status":"sen`,
		"a bad line, then a line cut short":  header(pool, "full") + "{}\n" + `{"index":0,"username":"d","status":"sen`,
		"a journal of an unknown format now": `{"status":"run","format":"cognitoreset-bulk-journal/9","pool":"` + pool + `"}` + "\n{",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
			require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
			require.NoError(t, os.Chmod(path, 0o644))
			_, _, err := Resume(path, pool)
			require.Error(t, err)
			assert.Contains(t, err.Error(), path)
			st, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), "its mode is as it was")
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, body, string(b), "its content is as it was")
		})
	}
}

func TestResume_MakesTheJournalPrivateAndCutsOffALastLineCutShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	write(t, path, Line{Index: 0, Username: "diego", Status: "sending", SentAs: "diego"})
	whole, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(whole, `{"index":0,"username":"diego","status":"se`...), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))

	j, h, err := Resume(path, pool)
	require.NoError(t, err)
	defer j.Close()
	assert.True(t, h.CutShort)
	assert.Equal(t, "sending", h.Status("diego"))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(whole), string(b))
	require.NoError(t, j.Write(Line{Index: 0, Username: "diego", Status: "unknown", MaybeSent: true, At: "2026-12-05T08:00:00Z"}))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(whole)+`{"status":"unknown","index":0,"username":"diego","maybe_sent":true,"at":"2026-12-05T08:00:00Z"}`+"\n", string(b))
}

// Resume refuses what is not a regular file, without opening it to wait:
// a FIFO (which would block until a writer came), a device, a symlink.
func TestResume_RefusesFIFOsDevicesAndSymlinksWithoutBlocking(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	journal := filepath.Join(dir, "j.jsonl")
	write(t, journal)
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(journal, link))
	cases := map[string]string{fifo: "is not a regular file but a FIFO", link: "is a symlink", dir: "is a directory",
		filepath.Join(dir, "missing"): "does not exist"}
	if _, err := os.Stat("/dev/null"); err == nil {
		cases["/dev/null"] = "is not a regular file but a device"
	}
	for path, want := range cases {
		_, _, err := Resume(path, pool)
		require.Error(t, err, path)
		assert.Contains(t, err.Error(), want, path)
	}
	_, _, err := Resume(filepath.Join(dir, "missing"), pool)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// A journal held by a run can't be resumed by another until it is closed.
func TestResume_JournalInUseRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Create(path)
	require.NoError(t, err)
	require.NoError(t, j.Begin(pool, nil, "full"))
	_, _, err = Resume(path, pool)
	assert.ErrorContains(t, err, "in use by another run")
	require.NoError(t, j.Close())
	j, _, err = Resume(path, pool)
	require.NoError(t, err)
	_, _, err = Resume(path, pool)
	assert.ErrorContains(t, err, "in use by another run")
	require.NoError(t, j.Close())
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWrite_FirstErrorSticksNamingTheJournal(t *testing.T) {
	j := New(failingWriter{}, "stdout")
	err := j.Write(Line{Status: "sending", Username: "diego"})
	assert.EqualError(t, err, "writing stdout: disk full")
	assert.Equal(t, err, j.Err())
	assert.Equal(t, err, j.Write(Line{Status: "sent", Username: "diego"}))
	assert.NoError(t, j.Close())
}

func TestWrite_KeepsNamesShortAndValid(t *testing.T) {
	var b strings.Builder
	j := New(&b, "buffer")
	long := strings.Repeat("é", 300) + "\xff"
	require.NoError(t, j.Begin(pool, []string{long}, "full"))
	require.NoError(t, j.Write(Line{Status: "sent", Username: long, SentAs: "\xffdiego"}))
	assert.Less(t, len(b.String()), 1000, "a long name is kept short")
	h, err := Read(strings.NewReader(b.String()), pool)
	require.NoError(t, err)
	assert.Equal(t, "sent", h.Status(long), "a long name is looked up as it is kept")
	assert.Equal(t, "sent", h.Status("\xffdiego"), "an invalid name is looked up as it is kept")
	assert.Equal(t, "", h.Status(strings.Repeat("é", 100)))
}

// Write stamps each line with the time it is written, unless the line has
// one.
func TestWrite_StampsTheTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var b strings.Builder
		j := New(&b, "test")
		require.NoError(t, j.Write(Line{Index: 0, Username: "diego", Status: "sent"}))
		require.NoError(t, j.Write(Line{Index: 1, Username: "maria", Status: "sent", At: "2026-12-05T08:00:00Z"}))
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		assert.Contains(t, lines[0], `"at":"`+time.Now().UTC().Format(time.RFC3339Nano)+`"`)
		assert.Contains(t, lines[1], `"at":"2026-12-05T08:00:00Z"`)
	})
}
