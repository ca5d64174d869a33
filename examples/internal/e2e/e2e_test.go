package e2e_test

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
)

// A program under test sees test credentials only: none of the test's own
// AWS_ variables, no shared config or credentials file.
func TestEnvHasOnlyTestCredentials(t *testing.T) {
	t.Setenv("AWS_PROFILE", "production")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
	env := e2e.Env("EXTRA=1")
	assert.NotContains(t, env, "AWS_PROFILE=production")
	assert.NotContains(t, env, "AWS_SECRET_ACCESS_KEY=real-secret")
	for _, kv := range []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-west-2",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"} {
		assert.Contains(t, env, kv)
	}
	assert.Equal(t, "EXTRA=1", env[len(env)-1], "extra comes last, overriding")
	assert.True(t, slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") }))
}

// A started program's lines are read back as they come, on each stream,
// and its exit status is returned.
func TestStartReadsLinesAndExitStatus(t *testing.T) {
	stdin, hold, err := os.Pipe() // its input, held open: it reads forever
	require.NoError(t, err)
	t.Cleanup(func() { stdin.Close(); hold.Close() })
	cmd := exec.Command("sh", "-c", "echo 'listening on 127.0.0.1:4242' >&2; echo first; read x; echo second; exit 3")
	cmd.Stdin = stdin
	p := e2e.Start(t, cmd)
	assert.Equal(t, []string{"listening on 127.0.0.1:4242", "127.0.0.1:4242"},
		p.WaitStderr(t, regexp.MustCompile(`listening on (\S+)$`), 10*time.Second))
	assert.Equal(t, []string{"first"}, p.WaitStdout(t, regexp.MustCompile(`^first$`), 10*time.Second))
	assert.NotContains(t, p.Stdout(), "second", "it waits for its input")
	stdout, _, code := e2e.Run(t, exec.Command("sh", "-c", "echo done; exit 4"))
	assert.Equal(t, "done\n", stdout)
	assert.Equal(t, 4, code)
	p.Signal(t, syscall.SIGKILL)
	assert.Equal(t, -1, p.Wait(t, 10*time.Second), "killed by a signal")
}
