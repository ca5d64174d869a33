package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// file:// reads are capped before reading and refuse what is not a regular
// file.
func TestFileArgumentsBounded(t *testing.T) {
	srv := setUp(t)
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	require.NoError(t, os.WriteFile(huge, nil, 0o600))
	require.NoError(t, os.Truncate(huge, 1<<30)) // 1 GiB, sparse: refused by its size
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for name, tc := range map[string]struct{ arg, want string }{
		"/dev/zero":      {"file:///dev/zero", "not a regular file"},
		"a FIFO":         {"file://" + fifo, "not a regular file"},
		"a directory":    {"file://" + dir, "not a regular file"},
		"a 1 GiB file":   {"file://" + huge, "larger than 65536 bytes"},
		"a missing file": {"file://" + filepath.Join(dir, "nope"), "no such file"},
	} {
		for _, flagName := range []string{"--client-metadata", "--cli-input-json", "--cli-input-yaml"} {
			t.Run(name+" "+flagName, func(t *testing.T) {
				args := []string{"--endpoint-url", srv.URL, "--user-pool-id", pool, "--username", "diego", flagName, tc.arg}
				code, _, stderr := cli(t, args...)
				assert.Equal(t, exitUsage, code, stderr)
				assert.Contains(t, stderr, tc.want)
			})
		}
	}
	assert.Zero(t, srv.Calls("AdminResetUserPassword"))
}

// A panic is a bug: exit 1, never the usage code (nor Go's own 2).
func TestCrashExitsUnexpectedNotUsage(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"--generate-cli-skeleton"}, panicWriter{}, &stderr)
	assert.Equal(t, exitUnexpected, code)
	assert.Contains(t, stderr.String(), "internal error")
	assert.NotEqual(t, 2, exitUsage, "Go's runtime exits 2 when it crashes")
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("boom") }

// No error message repeats the content of an input file.
func TestInputFileErrorsDontEchoItsContent(t *testing.T) {
	dir := t.TempDir()
	shadow := filepath.Join(dir, "shadow")
	secret := "root:$6$S3cr3tSalt$hashhashhash:19000:0:99999:7:::\nsecretuser:!:19000::::::\n"
	require.NoError(t, os.WriteFile(shadow, []byte(secret), 0o600))
	jsonish := filepath.Join(dir, "x.json")
	require.NoError(t, os.WriteFile(jsonish, []byte(`{"UserPoolId": "S3cr3tSalt", "S3cr3tKey": "S3cr3tValue"}`), 0o600))
	for _, args := range [][]string{
		{"--cli-input-yaml", "file://" + shadow},
		{"--cli-input-json", "file://" + shadow},
		{"--client-metadata", "file://" + shadow, "--user-pool-id", pool, "--username", "diego"},
		{"--cli-input-json", "file://" + jsonish},
		{"--cli-input-yaml", "file://" + jsonish},
	} {
		code, stdout, stderr := cli(t, args...)
		assert.NotEqual(t, exitOK, code, "%v", args)
		for _, s := range []string{"S3cr3t", "root", "secretuser", "hashhash"} {
			assert.NotContains(t, stderr+stdout, s, "%v", args)
		}
	}
}

// --cli-input-json and --cli-input-yaml match keys exactly and
// refuse duplicate keys, trailing data, extra documents and duplicate
// ClientMetadata keys.
func TestCLIInputsAsStrictAsTheAWSCLI(t *testing.T) {
	srv := setUp(t)
	ep := "--endpoint-url=" + srv.URL
	p := `"UserPoolId":"` + pool + `"`
	for name, tc := range map[string]struct {
		flag, in, want string
	}{
		"json key of another case":   {"--cli-input-json", `{"userpoolid":"` + pool + `","Username":"diego"}`, "unknown field"},
		"json key twice, other case": {"--cli-input-json", `{` + p + `,"Username":"diego","username":"sam"}`, "unknown field"},
		"json key twice":             {"--cli-input-json", `{` + p + `,"Username":"diego","Username":"sam"}`, "duplicate key Username"},
		"json trailing data":         {"--cli-input-json", `{` + p + `,"Username":"diego"} x`, "after the JSON object"},
		"json second object":         {"--cli-input-json", `{` + p + `,"Username":"diego"}{"Username":"sam"}`, "after the JSON object"},
		"json metadata key twice":    {"--cli-input-json", `{` + p + `,"Username":"diego","ClientMetadata":{"a":"1","a":"2"}}`, "duplicate key in ClientMetadata"},
		"json number":                {"--cli-input-json", `{` + p + `,"Username":12}`, "Username must be a string"},
		"json not an object":         {"--cli-input-json", `["diego"]`, "want a JSON object"},
		"json truncated":             {"--cli-input-json", `{` + p, "ends too soon"},
		"yaml key of another case":   {"--cli-input-yaml", "userPoolId: " + pool + "\nUsername: diego\n", "unknown field"},
		"yaml key twice":             {"--cli-input-yaml", "UserPoolId: " + pool + "\nUsername: diego\nUsername: sam\n", "duplicate key Username"},
		"yaml second document":       {"--cli-input-yaml", "UserPoolId: " + pool + "\nUsername: diego\n---\nUsername: sam\n", "more than one YAML document"},
		"yaml metadata key twice":    {"--cli-input-yaml", "UserPoolId: " + pool + "\nUsername: diego\nClientMetadata:\n  a: '1'\n  a: '2'\n", "duplicate key in ClientMetadata"},
		"yaml number":                {"--cli-input-yaml", "UserPoolId: " + pool + "\nUsername: 12345\n", "Username must be a string"},
		"yaml alias":                 {"--cli-input-yaml", "UserPoolId: &p " + pool + "\nUsername: *p\n", "Username must be a string"},
		"yaml merge key":             {"--cli-input-yaml", "<<: {Username: diego}\nUserPoolId: " + pool + "\n", "unknown field"},
		"yaml not a mapping":         {"--cli-input-yaml", "- diego\n", "want a mapping"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := cli(t, ep, tc.flag, tc.in)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Contains(t, stderr, tc.want)
			assert.NotContains(t, stderr, "sam")
		})
	}
	assert.Zero(t, srv.Calls("AdminResetUserPassword"))
	// The exact forms still work.
	code, _, stderr := cli(t, ep, "--cli-input-json", `{`+p+`,"Username":"diego","ClientMetadata":{"a":"1"}}`)
	assert.Equal(t, exitOK, code, stderr)
	code, _, stderr = cli(t, ep, "--cli-input-yaml", "UserPoolId: "+pool+"\nUsername: 'diego'\nClientMetadata: {a: '1'}\n")
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 2, srv.Calls("AdminResetUserPassword"))
}

func FuzzParseInputJSON(f *testing.F) {
	f.Add(`{"UserPoolId":"us-west-2_aaaaaaaaa","Username":"diego","ClientMetadata":{"a":"1"}}`)
	f.Add(`{"Username":"diego","username":"sam"}`)
	f.Add(`{} x`)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := parseInputJSON(s)
		if err != nil {
			assert.NotContains(t, err.Error(), "\n")
			return
		}
		assert.True(t, strings.HasPrefix(strings.TrimSpace(s), "{"), "only an object is read: %q, %+v", s, in)
	})
}

func FuzzParseInputYAML(f *testing.F) {
	f.Add("UserPoolId: us-west-2_aaaaaaaaa\nUsername: diego\nClientMetadata:\n  a: '1'\n")
	f.Add("a: &x 1\nb: *x\n")
	f.Add("---\n---\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := parseInputYAML(s)
		if err != nil {
			assert.NotContains(t, err.Error(), "\n")
		}
	})
}
