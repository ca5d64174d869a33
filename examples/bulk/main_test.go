package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pool = "us-west-2_aaaaaaaaa"

func readLines(t *testing.T, s string) []Line {
	t.Helper()
	var out []Line
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var l Line
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l))
		out = append(out, l)
	}
	return out
}

func TestBulk_LinesFromStdin(t *testing.T) {
	var stdout, stderr bytes.Buffer
	in := "diego\nmaria@example.com\n\n# a comment\nbad name\ndiego\n"
	err := run(context.Background(), []string{"--user-pool-id", pool, "--demo", "--rate", "30"}, strings.NewReader(in), &stdout, &stderr)
	require.NoError(t, err)
	lines := readLines(t, stdout.String())
	require.Len(t, lines, 4)
	byIndex := map[int]Line{}
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
	assert.Contains(t, stderr.String(), "4 read, 2 sent, 1 failed")
	assert.NotContains(t, stderr.String(), "[#", "no progress bar when stderr is not a terminal")
}

func TestBulk_CSVAndResume(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "users.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte("id,login,team\n1,alice,a\n2,bob,b\n3,carol,c\n"), 0o600))
	out := filepath.Join(dir, "out.jsonl")
	// A first run that got as far as alice.
	require.NoError(t, os.WriteFile(out, []byte(`{"index":0,"username":"alice","status":"sent"}`+"\n"+`{"index":1,"username":"bob","status":"failed","kind":"throttled"}`+"\n"), 0o600))
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--user-pool-id", pool, "--demo", "--input", csvPath, "--csv-column", "login", "--out", out, "--resume"},
		strings.NewReader(""), &stdout, &stderr)
	require.NoError(t, err)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := readLines(t, string(b))
	require.Len(t, lines, 4, "two earlier lines, then bob and carol")
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
	} {
		err := run(context.Background(), args, strings.NewReader("alice\n"), &bytes.Buffer{}, &bytes.Buffer{})
		assert.Error(t, err, "%v", args)
	}
}
