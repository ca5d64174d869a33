package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/faultproxy"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Over HTTP/2 (TLS, h2 negotiated), a reset is one request whatever the
// answer, and the fate is the one HTTP/1 gets: a 500 is answered, a stream
// reset after processing is unknown.
func TestFate_HTTP2(t *testing.T) {
	tests := []struct {
		name      string
		fault     func(fs *resetpwtest.Server, w http.ResponseWriter, r *http.Request) bool // true: answered by the fault
		wantFate  resetpw.Fate
		wantCodes int
	}{
		{"no fault", nil, "", 1},
		{"500 without processing", func(_ *resetpwtest.Server, w http.ResponseWriter, r *http.Request) bool {
			answer500(w, r)
			return true
		}, resetpw.FateAnswered, 0},
		{"stream reset after processing", func(fs *resetpwtest.Server, _ http.ResponseWriter, r *http.Request) bool {
			fs.Handler().ServeHTTP(httptest.NewRecorder(), r)
			panic(http.ErrAbortHandler) // RST_STREAM
		}, resetpw.FateUnknown, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := errorsFixture(t)
			fs := resetpwtest.NewServer(f)
			t.Cleanup(fs.Close)
			var resets atomic.Int32
			var h2 atomic.Bool
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h2.Store(r.ProtoMajor == 2)
				if faultproxy.Operation(r) == opReset {
					resets.Add(1)
					if tt.fault != nil && tt.fault(fs, w, r) {
						return
					}
				}
				fs.Handler().ServeHTTP(w, r)
			}))
			ts.EnableHTTP2 = true
			ts.StartTLS()
			t.Cleanup(ts.Close)
			client := sdkClient(ts.URL, func(o *cip.Options) { o.HTTPClient = ts.Client() })
			r, err := resetpw.New(client, resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			assert.True(t, h2.Load(), "HTTP/2 was negotiated")
			assert.Equal(t, int32(1), resets.Load(), "one reset request")
			assert.Len(t, f.Deliveries(), tt.wantCodes)
			if tt.wantFate == "" {
				require.NoError(t, err)
				return
			}
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantFate, e.Fate)
			assert.True(t, resetpw.MaybeSent(err))
		})
	}
}

// A dial that fails sends nothing: the library retries the reset, and the
// user gets exactly one code.
func TestFate_DialErrorThenSuccess(t *testing.T) {
	f, pool := errorsFixture(t)
	fs := resetpwtest.NewServer(f)
	t.Cleanup(fs.Close)
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}}
	r, err := resetpw.New(sdkClient(fs.URL, nil), resetpw.WithPreflight(resetpw.PreflightOff),
		resetpw.WithRetries(3, time.Millisecond, time.Millisecond), resetpw.WithClientOptions(func(o *cip.Options) { o.HTTPClient = hc }))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, int32(2), dials.Load())
	assert.Equal(t, 1, fs.Calls("AdminResetUserPassword"))
	assert.Len(t, f.Deliveries(), 1, "exactly one code")
}

// A throttle, then an answer that does not say nothing was done: one code
// at most, and MaybeSent. A proxy's 502 is an answer that says nothing
// either way: MaybeSent, the safe side.
func TestFate_ThrottleThen5xx_ProxyBadGateway(t *testing.T) {
	badGateway := func(w http.ResponseWriter, _ *http.Request) bool {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>502 Bad Gateway</html>")
		return false
	}
	tests := []struct {
		name            string
		faults          []faultproxy.Fault
		proxied, served int // reset requests at the proxy, and at the server
		codes           int
	}{
		{"throttle, then 5xx after processing", []faultproxy.Fault{faultproxy.Throttle(), faultproxy.AfterServer(faultproxy.InternalError())}, 2, 1, 1},
		{"502 from a proxy", []faultproxy.Fault{badGateway}, 1, 0, 0},
		{"throttle, then 502 from a proxy", []faultproxy.Fault{faultproxy.Throttle(), badGateway}, 2, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := errorsFixture(t)
			fs := resetpwtest.NewServer(f)
			t.Cleanup(fs.Close)
			p, err := faultproxy.New(fs.URL)
			require.NoError(t, err)
			t.Cleanup(p.Close)
			p.Next(opReset, tt.faults...)
			r, err := resetpw.New(sdkClient(p.URL, nil), resetpw.WithPreflight(resetpw.PreflightOff), resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			require.ErrorIs(t, err, resetpw.ErrUnavailable)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.FateAnswered, e.Fate)
			assert.True(t, resetpw.MaybeSent(err))
			assert.Equal(t, tt.proxied, p.Count(opReset))
			assert.Equal(t, tt.served, fs.Calls("AdminResetUserPassword"))
			assert.Len(t, f.Deliveries(), tt.codes)
		})
	}
}

// The sign-out's fate is its own: a sign-out cut after processing is
// unknown, retried like a read (it can be repeated safely), and never
// hides the reset, whose one code went out; MaybeSent speaks of resets
// only.
func TestFate_SignOut(t *testing.T) {
	f, pool, p := proxiedFixture(t)
	p.Always("AdminUserGlobalSignOut", faultproxy.AfterServer(faultproxy.ConnReset()))
	r, err := resetpw.New(sdkClient(p.URL, nil), resetpw.WithRetries(2, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	res, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
	require.NoError(t, err)
	assert.False(t, res.SignedOut)
	var e *resetpw.Error
	require.ErrorAs(t, res.SignOutErr, &e)
	assert.Equal(t, resetpw.OpSignOut, e.Op)
	assert.Equal(t, resetpw.FateUnknown, e.Fate)
	assert.False(t, resetpw.MaybeSent(res.SignOutErr))
	assert.Equal(t, 3, p.Count("AdminUserGlobalSignOut"), "1 + 2 retries")
	assert.Equal(t, 1, p.Count(opReset))
	assert.Len(t, f.Deliveries(), 1)
}

// proxiedFixture is errorsFixture served by a resetpwtest.Server behind a
// fault proxy, both closed at cleanup: the pool, and the proxy to fault.
func proxiedFixture(t *testing.T) (*resetpwtest.Fake, string, *faultproxy.Proxy) {
	t.Helper()
	f, pool := errorsFixture(t)
	fs := resetpwtest.NewServer(f)
	t.Cleanup(fs.Close)
	p, err := faultproxy.New(fs.URL)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return f, pool, p
}
