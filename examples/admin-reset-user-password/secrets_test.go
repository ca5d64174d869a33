package main

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// No error repeats a byte of a file's content, keys included, and keys
// that look like secrets are refused as values are, from a file or not.
func TestMetadataFileErrorsNeverRepeatItsContent(t *testing.T) {
	srv := setUp(t)
	dir := t.TempDir()
	for name, content := range map[string]string{
		"a GitHub token and a line": "ghp_16C7e42F292c6912E7710c838347Ae178B4a\nsecond line\n",
		"a database URL":            "mysql://root:MySecretPw@db/app?ssl=true\n",
		"openssl rand -base64 32":   "q3vB7xY9mK2pL8nR4tW6zA1cE5gH0jU3sD7fV9bN2kM=\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(dir, "m")
			require.NoError(t, os.WriteFile(f, []byte(content), 0o600))
			code, stdout, stderr := cli(t, "--endpoint-url", srv.URL, "--user-pool-id", pool, "--username", "diego", "--client-metadata", "file://"+f)
			assert.NotEqual(t, exitOK, code, stderr)
			for _, s := range []string{"ghp_", "16C7", "MySecretPw", "root", "q3vB7", "second"} {
				assert.NotContains(t, stderr+stdout, s)
			}
		})
	}
	// Typed on the command line, a secret-looking key is refused too.
	code, _, stderr := cli(t, "--endpoint-url", srv.URL, "--user-pool-id", pool, "--username", "diego", "--client-metadata", "q3vB7xY9mK2pL8nR4tW6zA1cE5gH0jU3sD7fV9bN2kM=")
	assert.NotEqual(t, exitOK, code)
	assert.NotContains(t, stderr, "q3vB7")
	assert.Zero(t, srv.Calls("AdminResetUserPassword"))
}

// --ca-bundle gets the checks of file:// arguments: /dev/zero, a FIFO and
// a directory are refused at once, without reading them.
func TestCABundleRefusesWhatIsNotARegularFile(t *testing.T) {
	srv := setUp(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	notPEM := filepath.Join(dir, "x.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("S3cr3t\n"), 0o600))
	for path, want := range map[string]string{"/dev/zero": "not a regular file", fifo: "not a regular file", dir: "not a regular file", notPEM: "no PEM certificate"} {
		code, _, stderr := cli(t, "--endpoint-url", srv.URL, "--user-pool-id", pool, "--username", "diego", "--ca-bundle", path)
		assert.Equal(t, exitUsage, code, stderr)
		assert.Contains(t, stderr, want)
		assert.NotContains(t, stderr, "S3cr3t")
	}
}

// FuzzCheckMetadata checks that checkMetadata never panics, refuses every
// map with a secret-looking key, and, for metadata from a file, refuses
// with a message made of rule names only: no byte of a key or a value.
func FuzzCheckMetadata(f *testing.F) {
	for _, s := range []string{
		"source=helpdesk", "ghp_16C7e42F292c6912E7710c838347Ae178B4a\nsecond line\n",
		"mysql://root:MySecretPw@db/app?ssl=true\n", "q3vB7xY9mK2pL8nR4tW6zA1cE5gH0jU3sD7fV9bN2kM=\n",
		`{"a\u0001b":"c"}`, `{"password":"x"}`, "a=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
	} {
		f.Add(s)
	}
	rulesOnly := regexp.MustCompile(`^metadata: invalid client metadata: [a-z0-9_]+(, [a-z0-9_]+)* \(keys not shown: they may hold a secret\)$`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMetadata(s)
		if err != nil {
			return
		}
		secret := false
		for k := range m {
			secret = secret || looksLikeSecret(k)
		}
		err = checkMetadata(m, true)
		if secret {
			require.Error(t, err)
		}
		if err != nil {
			assert.ErrorIs(t, err, metadata.ErrInvalid)
			assert.Regexp(t, rulesOnly, err.Error())
		}
		if err := checkMetadata(m, false); secret {
			require.Error(t, err)
			assert.Regexp(t, rulesOnly, err.Error(), "a secret-looking key is never named")
		}
	})
}

// Keys that look like secrets are refused as values are: URL-safe base64
// (a Fernet key, a base64url token), the helpdesk's own hdk_ tokens and
// UUIDs, 1,000 of each (from a seeded generator: 32 random base64url
// characters in a million pass as a name); names (snake_case, camelCase,
// dotted) are not.
func TestSecretLookingKeysAreRefused(t *testing.T) {
	rng := rand.NewChaCha8([32]byte{7})
	random := func(n int) []byte {
		b := make([]byte, n)
		_, _ = rng.Read(b)
		return b
	}
	kinds := map[string]func() string{
		"Fernet key": func() string { return base64.URLEncoding.EncodeToString(random(32)) },
		"base64url":  func() string { return base64.RawURLEncoding.EncodeToString(random(24)) },
		"hdk_ token": func() string { return "hdk_" + base64.RawURLEncoding.EncodeToString(random(16)) },
		"UUID": func() string {
			b := random(16)
			return fmt.Sprintf("%x-%x-%x-%x-%x", b[:4], b[4:6], b[6:8], b[8:10], b[10:])
		},
		"UUID, undashed": func() string { return hex.EncodeToString(random(16)) },
	}
	for name, gen := range kinds {
		missed := 0
		for range 1000 {
			if !looksLikeSecret(gen()) {
				missed++
			}
		}
		assert.Zero(t, missed, "%s: %d of 1,000 passed as names", name, missed)
	}
	for _, name := range []string{"source", "agent", "ticket_number_2024_01", "helpdeskTicketIdentifier", "app.version.major", "correlation_id", "X-Request-Id"} {
		assert.False(t, looksLikeSecret(name), name)
	}
}

// A key from a file must be a name (a letter, then up to 39 letters,
// digits, "_" and "."): any other line is refused by rule, unnamed.
func TestMetadataFileKeysFollowTheKeyGrammar(t *testing.T) {
	for content, ok := range map[string]bool{
		"source=helpdesk,ticket.id=42": true,
		`{"ticket_id":"42"}`:           true,
		"2fa=on":                       false,
		`{"a b":"c"}`:                  false,
		"x-y=1":                        false,
	} {
		m, err := parseMetadata(content)
		require.NoError(t, err, content)
		err = checkMetadata(m, true)
		if ok {
			assert.NoError(t, err, content)
			continue
		}
		require.Error(t, err, content)
		assert.Contains(t, err.Error(), "key_grammar")
		assert.NotContains(t, err.Error(), "2fa")
		assert.NoError(t, checkMetadata(m, false), "typed on the command line, %q is the policy's to judge", content)
	}
}
