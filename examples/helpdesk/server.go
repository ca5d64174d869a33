package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what a client can hold of the server. The zero value of a
// field is its default.
type Limits struct {
	ReadHeaderTimeout time.Duration // default 5 s
	ReadTimeout       time.Duration // the whole request, headers and body; default 10 s
	WriteTimeout      time.Duration // default 40 s: longer than ResetTimeout
	IdleTimeout       time.Duration // a keep-alive connection between requests; default 20 s
	MaxHeaderBytes    int           // default 16 KiB
	MaxConns          int           // open connections at most; default 4,096
	MaxConnsPerAddr   int           // from one client address at most; default 256
}

func (l Limits) withDefaults() Limits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, 5*time.Second)
	def(&l.ReadTimeout, 10*time.Second)
	def(&l.WriteTimeout, 40*time.Second)
	def(&l.IdleTimeout, 20*time.Second)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = 16 << 10
	}
	if l.MaxConns == 0 {
		l.MaxConns = 4096
	}
	if l.MaxConnsPerAddr == 0 {
		l.MaxConnsPerAddr = 256
	}
	return l
}

// newHTTPServer returns a server for h with every timeout of l set. A
// limitListener's connection counts as serving (never evicted) only from
// the moment h calls markServing, once the caller is authenticated, until
// net/http has written the whole answer and the connection is idle (or
// closed): a reset in flight is never cut, nor its answer, while a
// connection whose caller is not authenticated (slow headers, a slow body,
// a 401) can always give way to an agent's.
func newHTTPServer(h http.Handler, l Limits, errLog *slog.Logger) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler: h,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, underTLS(c))
		},
		ConnState: func(c net.Conn, s http.ConnState) {
			if lc, ok := underTLS(c).(*limitConn); ok {
				lc.setState(s)
			}
		},
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(newLimitedHandler(errLog.Handler()), slog.LevelWarn),
	}
}

// limitedHandler passes at most 1 record a second after a burst of 10, and
// counts what it left out in the next record: the server's error log has a
// line per TLS handshake that fails, which anyone who can connect causes.
type limitedHandler struct {
	slog.Handler
	st *limitedState
}

type limitedState struct {
	mu         sync.Mutex
	lim        *rate.Limiter
	suppressed int
}

func newLimitedHandler(h slog.Handler) limitedHandler {
	return limitedHandler{h, &limitedState{lim: rate.NewLimiter(1, 10)}}
}

// Handle passes r on, or counts it.
func (h limitedHandler) Handle(ctx context.Context, r slog.Record) error {
	h.st.mu.Lock()
	if !h.st.lim.Allow() {
		h.st.suppressed++
		h.st.mu.Unlock()
		return nil
	}
	n := h.st.suppressed
	h.st.suppressed = 0
	h.st.mu.Unlock()
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed_since_last", n))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the limit.
func (h limitedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return limitedHandler{h.Handler.WithAttrs(as), h.st}
}

// WithGroup keeps the limit.
func (h limitedHandler) WithGroup(name string) slog.Handler {
	return limitedHandler{h.Handler.WithGroup(name), h.st}
}

type requestIDKey struct{}

// newRequestID returns 16 random hex characters.
func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestIDFrom returns the request ID the service put in ctx, or "".
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDAttrs is the request ID of ctx as a log attribute, request_id:
// the service adds it to its own lines, and resetpw.WithLogAttrs to the
// library's (resetpw logs with the caller's context), so that the audit
// line and the library's line of a reset join on it.
func RequestIDAttrs(ctx context.Context) []slog.Attr {
	if id := requestIDFrom(ctx); id != "" {
		return []slog.Attr{slog.String("request_id", id)}
	}
	return nil
}
