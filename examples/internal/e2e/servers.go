package e2e

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cognitoreset/cognitoreset/internal/moto"
)

var endpointLine = regexp.MustCompile(`^(http://127\.0\.0\.1:[0-9]+)$`)

// StartFakeCognito starts cmd/fakecognito on 127.0.0.1:0 with args, and
// returns the endpoint it prints as its first line.
func StartFakeCognito(t testing.TB, args ...string) (endpoint string, p *Proc) {
	t.Helper()
	p = Start(t, Command(Build(t, FakeCognito), append([]string{"-addr", "127.0.0.1:0"}, args...)...))
	endpoint = p.WaitStdout(t, endpointLine, 30*time.Second)[1]
	if !strings.HasPrefix(p.Stdout(), endpoint+"\n") {
		t.Fatalf("fakecognito's first line is not its endpoint: %q", p.Stdout())
	}
	return endpoint, p
}

// Moto returns the endpoint of a moto_server: MOTO_ENDPOINT's when set (CI
// sets it), or one started for the test and stopped by PID when it ends.
// It skips t when there is neither.
func Moto(t testing.TB) string {
	t.Helper()
	if e := os.Getenv("MOTO_ENDPOINT"); e != "" {
		return e
	}
	endpoint, stop, err := moto.Start()
	if errors.Is(err, moto.ErrNotInstalled) {
		t.Skip("moto: MOTO_ENDPOINT is not set and moto_server is not on PATH; this end-to-end test needs a Cognito-compatible server")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return endpoint
}
