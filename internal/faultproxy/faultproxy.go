// Package faultproxy is a reverse proxy for tests that speaks to a
// Cognito-compatible server (moto_server or resetpwtest.Server) and breaks
// chosen calls on the way: Cognito errors, HTTP 500s, truncated and non-JSON
// bodies, connection resets and slow answers, either instead of the server
// or after it processed the request (AfterServer). It counts requests per
// operation, faulted or not. RSTListener and ClosedURL break the
// connection itself, before any request is written.
package faultproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault answers a request instead of the server behind the proxy. It returns
// true when the request should still go on to the server (after a delay).
type Fault func(w http.ResponseWriter, r *http.Request) (forward bool)

// Proxy is a running fault proxy.
type Proxy struct {
	URL string

	srv    *httptest.Server
	mu     sync.Mutex
	faults map[string][]Fault // per operation, used once each, in order
	always map[string]Fault
	counts map[string]int
}

// New starts a proxy in front of target, such as "http://127.0.0.1:5000".
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{faults: map[string][]Fault{}, always: map[string]Fault{}, counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // clients that give up are the point here
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := Operation(r)
		p.mu.Lock()
		p.counts[op]++
		var f Fault
		if q := p.faults[op]; len(q) > 0 {
			f, p.faults[op] = q[0], q[1:]
		} else if a, ok := p.always[op]; ok {
			f = a
		}
		p.mu.Unlock()
		r = r.WithContext(context.WithValue(r.Context(), serverKey{}, http.Handler(rp)))
		if f != nil && !f(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	p.URL = p.srv.URL
	return p, nil
}

// Operation returns the Cognito operation of r, from X-Amz-Target.
func Operation(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	return t[strings.LastIndexByte(t, '.')+1:]
}

// Next makes the next calls of op meet faults, one each, in order.
func (p *Proxy) Next(op string, faults ...Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults[op] = append(p.faults[op], faults...)
}

// Always makes every call of op meet f, after those queued with Next; a nil
// f stops it.
func (p *Proxy) Always(op string, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f == nil {
		delete(p.always, op)
		return
	}
	p.always[op] = f
}

// Reset drops the faults still queued for op.
func (p *Proxy) Reset(op string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.faults, op)
}

// Count returns how many calls of op reached the proxy.
func (p *Proxy) Count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[op]
}

// Close stops the proxy and cuts its connections.
func (p *Proxy) Close() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// CognitoError answers as Cognito does: JSON 1.1 with __type and message.
func CognitoError(status int, code, message string) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-RequestId", "faultproxy-"+code)
		w.Header().Set("x-amzn-ErrorType", code)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, message)
		return false
	}
}

// Throttle answers TooManyRequestsException.
func Throttle() Fault { return CognitoError(400, "TooManyRequestsException", "Rate exceeded") }

// LimitExceeded answers the per-user attempt limit.
func LimitExceeded() Fault {
	return CognitoError(400, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
}

// InternalError answers InternalErrorException with status 500.
func InternalError() Fault {
	return CognitoError(500, "InternalErrorException", "An internal error occurred.")
}

// Status500 answers a bare HTTP 500 with an HTML body.
func Status500() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><body>Internal Server Error</body></html>"))
		return false
	}
}

// NotJSON answers 200 with a body that is not JSON.
func NotJSON() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte("<?xml version=\"1.0\"?><oops/>"))
		return false
	}
}

// Truncated answers 200 with a Content-Length longer than the body it sends,
// then closes the connection.
func Truncated() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", "200")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"UserPool":{"Id":"us-we`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
			}
		}
		return false
	}
}

// ConnReset closes the connection with a TCP reset, without an answer.
func ConnReset() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("faultproxy: connection cannot be hijacked")
		}
		c, _, err := hj.Hijack()
		if err == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST, not FIN
			}
			_ = c.Close()
		}
		return false
	}
}

// Delay holds the request for d (or until the client goes away), then lets
// it through.
func Delay(d time.Duration) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		// Read the body first: only then does the server watch the
		// connection, and end r.Context() when the client goes away.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
			return false
		}
	}
}

// serverKey carries the proxy's forwarder in a request's context, for
// AfterServer.
type serverKey struct{}

// AfterServer sends the request on to the server first, so that the server
// processes it, and throws the server's answer away; then f answers in its
// place. When f lets the request through (Delay), the server's answer is
// written after all, once. The request is processed exactly once.
func AfterServer(f Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		srv, ok := r.Context().Value(serverKey{}).(http.Handler)
		if !ok {
			panic("faultproxy: AfterServer outside a Proxy")
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if f(w, r) {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}
		return false
	}
}

// Hold keeps the request until the client goes away, and answers nothing:
// with AfterServer, an answer slower than any deadline.
func Hold() Fault {
	return func(w http.ResponseWriter, r *http.Request) bool {
		_, _ = io.Copy(io.Discard, r.Body) // then the server watches the connection
		<-r.Context().Done()
		return false
	}
}

// RSTListener accepts connections on 127.0.0.1 and resets each (TCP RST) as
// soon as the client has sent its first bytes, answering nothing. A TLS
// client (URL is https) fails its handshake there, before it writes any
// request; a plain HTTP client (HTTPURL) has written its request by then.
type RSTListener struct {
	URL     string // https://127.0.0.1:port
	HTTPURL string // http://127.0.0.1:port
	ln      net.Listener
	conns   atomic.Int64
	done    chan struct{}
}

// NewRSTListener starts an RSTListener. Close it when done.
func NewRSTListener() (*RSTListener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &RSTListener{URL: "https://" + ln.Addr().String(), HTTPURL: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.conns.Add(1)
			go func() {
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 1)
				_, _ = c.Read(buf) // the client's first bytes
				if tc, ok := c.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // close with RST, not FIN
				}
				_ = c.Close()
			}()
		}
	}()
	return l, nil
}

// Conns returns how many connections were accepted.
func (l *RSTListener) Conns() int { return int(l.conns.Load()) }

// Close stops the listener.
func (l *RSTListener) Close() {
	_ = l.ln.Close()
	<-l.done
}

// ClosedURL returns an http URL on 127.0.0.1 where nothing listens (a port
// taken and released at once): connecting to it is refused.
func ClosedURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", errors.Join(err, fmt.Errorf("faultproxy: closing %s", addr))
	}
	return "http://" + addr, nil
}
