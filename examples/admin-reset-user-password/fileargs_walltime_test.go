//go:build walltime

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Wall-clock checks, run by .ci/run with -tags walltime.

// A file:// argument that is not a small regular file is refused before
// anything is read from it: at once, not after reading /dev/zero, a FIFO
// or a 1 GiB file.
func TestFileArgumentsRefusedBeforeReading(t *testing.T) {
	srv := setUp(t)
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	require.NoError(t, os.WriteFile(huge, nil, 0o600))
	require.NoError(t, os.Truncate(huge, 1<<30)) // sparse
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	for _, arg := range []string{"file:///dev/zero", "file://" + fifo, "file://" + dir, "file://" + huge} {
		for _, flagName := range []string{"--client-metadata", "--cli-input-json", "--cli-input-yaml"} {
			start := time.Now()
			code, _, stderr := cli(t, "--endpoint-url", srv.URL, "--user-pool-id", pool, "--username", "diego", flagName, arg)
			assert.Equal(t, exitUsage, code, stderr)
			assert.Less(t, time.Since(start), 2*time.Second, "%s %s: refused before reading", flagName, arg)
		}
	}
}
