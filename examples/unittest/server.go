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

// newHTTPServer returns a server for h with every timeout of l set.
func newHTTPServer(h http.Handler, l Limits, errLog *slog.Logger) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(errLog.Handler(), slog.LevelWarn),
	}
}

// limitListener caps open connections: Accept waits while max are open (the
// kernel's backlog holds the rest, so file descriptors never run out), and a
// connection from an address that already holds perAddr is closed at once.
// It is golang.org/x/net/netutil.LimitListener plus the per-address cap,
// without the dependency.
type limitListener struct {
	net.Listener
	sem     chan struct{}
	perAddr int
	mu      sync.Mutex
	byAddr  map[string]int
	done    chan struct{}
	once    sync.Once
}

func newLimitListener(l net.Listener, lim Limits) *limitListener {
	lim = lim.withDefaults()
	return &limitListener{Listener: l, sem: make(chan struct{}, lim.MaxConns), perAddr: lim.MaxConnsPerAddr,
		byAddr: map[string]int{}, done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return nil, net.ErrClosed
		}
		c, err := l.Listener.Accept()
		if err != nil {
			<-l.sem
			return nil, err
		}
		addr := connAddr(c)
		l.mu.Lock()
		if l.byAddr[addr] >= l.perAddr {
			l.mu.Unlock()
			c.Close()
			<-l.sem
			continue
		}
		l.byAddr[addr]++
		l.mu.Unlock()
		return &limitConn{Conn: c, l: l, addr: addr}, nil
	}
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) release(addr string) {
	l.mu.Lock()
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
	l.mu.Unlock()
	<-l.sem
}

type limitConn struct {
	net.Conn
	l    *limitListener
	addr string
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.addr) })
	return err
}

func connAddr(c net.Conn) string {
	r := &http.Request{RemoteAddr: c.RemoteAddr().String()}
	return clientAddr(r)
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

// RequestIDHandler adds the request ID of the record's context to every
// record, the library's included (resetpw logs with the caller's context),
// so that the service's audit line and the library's line of a reset join
// on request_id.
type RequestIDHandler struct{ slog.Handler }

// Handle adds request_id when ctx carries one.
func (h RequestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDFrom(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper.
func (h RequestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return RequestIDHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper.
func (h RequestIDHandler) WithGroup(name string) slog.Handler {
	return RequestIDHandler{h.Handler.WithGroup(name)}
}

// NewLogger returns a logger on h that adds request IDs: give it to the
// Service and to resetpw.WithLogger.
func NewLogger(h slog.Handler) *slog.Logger { return slog.New(RequestIDHandler{h}) }
