package promexport

import (
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The metrics endpoint keeps the helpdesk server's standards
// (examples/helpdesk/server.go's Limits): every timeout set, and a bound
// on headers, so that a client that connects and idles, or trickles a
// request, cannot hold a connection for ever.
func TestNewServerTimeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler())
	assert.Positive(t, srv.ReadHeaderTimeout, "ReadHeaderTimeout")
	assert.Positive(t, srv.ReadTimeout, "ReadTimeout")
	assert.Positive(t, srv.WriteTimeout, "WriteTimeout")
	assert.Positive(t, srv.IdleTimeout, "IdleTimeout: a keep-alive connection is closed")
	assert.Positive(t, srv.MaxHeaderBytes, "MaxHeaderBytes")
	assert.LessOrEqual(t, srv.MaxHeaderBytes, 16<<10)
}

// A bare port listens on loopback only.
func TestListenBarePortIsLoopback(t *testing.T) {
	l, err := Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	assert.True(t, ok && addr.IP.IsLoopback(), "%v", l.Addr())
}
