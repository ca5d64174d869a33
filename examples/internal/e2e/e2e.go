// Package e2e runs the examples' programs as their users do, for the
// end-to-end tests: built once per test binary with go build, started as
// processes with test credentials only, their output read line by line.
// Servers listen on 127.0.0.1:0 and print the address they bound, which
// the tests read back: no port is chosen before it is bound.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cognitoreset/cognitoreset/internal/moto"
)

// FakeCognito is the import path of the library's fake Cognito server.
const FakeCognito = "github.com/cognitoreset/cognitoreset/cmd/fakecognito"

type build struct {
	once sync.Once
	path string
	err  error
}

var (
	builds   sync.Map // package (absolute directory or import path) -> *build
	binDir   string
	binDirMu sync.Mutex
)

// Build builds the program pkg (an import path, or "." for the test's own
// package) once per test binary and returns the executable's path. It
// builds with the go command on PATH and the environment's GOFLAGS (-race
// under CI). The executables go to a directory beside the test binary,
// which go test removes with its work directory.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	key := pkg
	if strings.HasPrefix(pkg, ".") {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			t.Fatal(err)
		}
		key = abs
	}
	v, _ := builds.LoadOrStore(key, &build{})
	b := v.(*build)
	b.once.Do(func() {
		parent, err := outDir()
		if err != nil {
			b.err = err
			return
		}
		dir, err := os.MkdirTemp(parent, "") // one each: two programs may share a name
		if err != nil {
			b.err = err
			return
		}
		out := filepath.Join(dir, path.Base(filepath.ToSlash(key)))
		cmd := exec.Command("go", "build", "-o", out, pkg)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
			return
		}
		b.path = out
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// outDir returns the directory for the executables, beside the test binary
// when it can write there.
func outDir() (string, error) {
	binDirMu.Lock()
	defer binDirMu.Unlock()
	if binDir != "" {
		return binDir, nil
	}
	parent := ""
	if exe, err := os.Executable(); err == nil {
		parent = filepath.Dir(exe)
	}
	dir, err := os.MkdirTemp(parent, "e2e-bin-")
	if err != nil {
		if dir, err = os.MkdirTemp("", "e2e-bin-"); err != nil {
			return "", err
		}
	}
	binDir = dir
	return dir, nil
}

// Env is the environment of a program under test: the test's own without
// any AWS_ variable, and static test credentials in us-west-2, no shared
// config or credentials file and no instance metadata, so that nothing can
// reach real AWS credentials. extra (KEY=VALUE) comes last.
func Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION="+moto.Region,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	return append(env, extra...)
}

// Command returns a command running bin with args in Env's environment.
func Command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = Env()
	return cmd
}

// Run runs cmd to its end and returns its output and exit status. It fails
// t if cmd can't be started, or is still running after two minutes.
func Run(t testing.TB, cmd *exec.Cmd) (stdout, stderr string, code int) {
	t.Helper()
	p := Start(t, cmd)
	code = p.Wait(t, 2*time.Minute)
	return p.Stdout(), p.Stderr(), code
}

// Proc is a program started by Start.
type Proc struct {
	cmd            *exec.Cmd
	stdout, stderr lines
	exited         chan struct{}
	code           int
}

// Start starts cmd, collecting its stdout and stderr. When the test ends
// the process is killed if it still runs, and its output logged if the
// test failed.
func Start(t testing.TB, cmd *exec.Cmd) *Proc {
	t.Helper()
	p := &Proc{cmd: cmd, exited: make(chan struct{})}
	p.stdout.changed = make(chan struct{})
	p.stderr.changed = make(chan struct{})
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	go func() {
		err := cmd.Wait()
		p.code = 0
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			p.code = exit.ExitCode()
		case err != nil:
			p.code = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s stdout:\n%s\n%s stderr:\n%s", filepath.Base(cmd.Path), p.Stdout(), filepath.Base(cmd.Path), p.Stderr())
		}
	})
	return p
}

// Stdout returns what the process wrote on stdout so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr returns what the process wrote on stderr so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Exited is closed when the process has exited and its output is read.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Signal sends sig to the process.
func (p *Proc) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to %s: %v", sig, filepath.Base(p.cmd.Path), err)
	}
}

// Wait waits for the process to exit and returns its exit status (-1 when
// a signal ended it); it fails t after within.
func (p *Proc) Wait(t testing.TB, within time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(within):
		t.Fatalf("%s still running after %v", filepath.Base(p.cmd.Path), within)
		return 0
	}
}

// WaitStdout waits for a line of stdout that re matches, and returns its
// submatches. It fails t when the process exits first, or after within.
func (p *Proc) WaitStdout(t testing.TB, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	return p.waitLine(t, &p.stdout, "stdout", re, within)
}

// WaitStderr is WaitStdout for stderr.
func (p *Proc) WaitStderr(t testing.TB, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	return p.waitLine(t, &p.stderr, "stderr", re, within)
}

func (p *Proc) waitLine(t testing.TB, l *lines, name string, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	deadline := time.After(within)
	for {
		m, changed := l.match(re)
		if m != nil {
			return m
		}
		select {
		case <-changed:
		case <-p.exited:
			if m, _ := l.match(re); m != nil {
				return m
			}
			t.Fatalf("%s exited (status %d) before writing a line matching %s on %s", filepath.Base(p.cmd.Path), p.code, re, name)
		case <-deadline:
			t.Fatalf("%s wrote no line matching %s on %s within %v", filepath.Base(p.cmd.Path), re, name, within)
		}
	}
}

// Eventually polls cond every 20 ms until it holds. It fails t, saying
// what did not happen, when the process p exits first or after within.
func (p *Proc) Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-p.exited:
			if cond() {
				return
			}
			t.Fatalf("%s: %s exited (status %d) first", what, filepath.Base(p.cmd.Path), p.code)
		case <-deadline:
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

// lines collects a stream, telling waiters when it grows.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(b)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(b), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// match returns the submatches of the first complete line re matches, or
// nil and a channel closed at the next write.
func (l *lines) match(re *regexp.Regexp) ([]string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		for _, line := range strings.Split(s[:i], "\n") {
			if m := re.FindStringSubmatch(line); m != nil {
				return m, nil
			}
		}
	}
	return nil, l.changed
}
