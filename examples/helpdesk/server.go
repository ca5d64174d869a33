package main

import (
	"container/list"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
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
			if lc, ok := underTLS(c).(*limitConn); ok && (s == http.StateIdle || s == http.StateClosed || s == http.StateHijacked) {
				lc.serving.Store(0) // every request on it has its whole answer
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

type connKey struct{}

// markServing marks the connection r came on as serving a request, which the
// limit listener never evicts, until its answer is written. Call it once
// r's caller is authenticated, and only then.
func markServing(r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(*limitConn); ok {
		c.serving.Add(1) // until ConnState says the answer is out
	}
}

// closeAfterAnswer makes the connection of a request that is refused
// (unauthenticated, throttled) close as soon as its answer is written:
// net/http would otherwise read up to 256 KiB of the unread body first,
// at whatever pace the client sends it, until ReadTimeout. The read
// deadline of now ends that read at once; "Connection: close" tells the
// client, and net/http, not to reuse the connection.
func closeAfterAnswer(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now()) // a ResponseRecorder can't: nothing to do
}

// underTLS returns the connection a TLS connection runs on, or c.
func underTLS(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}

// limitListener caps open connections, in all (max) and per client address
// (perAddr). When either cap is reached, a new connection takes the place
// of the oldest one that is not serving a request (idle between requests,
// still sending its headers, or sending a body nobody reads; see
// markServing), which is closed: at the per-address cap the oldest of that
// address, at the total cap the oldest of all. So neither slow connections
// from however many addresses, nor idle ones from the address the agents
// share (an office, a VPN, the load balancer), can keep a valid agent
// out: an attacker would have to open as many connections as the cap
// within the agent's round trip. Only when every connection concerned is
// serving a request is the new one closed (per address) or does Accept
// wait (in all; the kernel's backlog holds the rest, so file descriptors
// never run out). Evictions and refusals are logged, rate-limited. It is
// golang.org/x/net/netutil.LimitListener plus the per-address cap and the
// eviction, without the dependency.
type limitListener struct {
	net.Listener
	sem     chan struct{}
	perAddr int
	logger  *slog.Logger // nil: no log
	evicted failureLog
	mu      sync.Mutex
	byAddr  map[string]int
	open    *list.List // of *limitConn, oldest first
	done    chan struct{}
	once    sync.Once
}

func newLimitListener(l net.Listener, lim Limits, logger *slog.Logger) *limitListener {
	lim = lim.withDefaults()
	return &limitListener{Listener: l, sem: make(chan struct{}, lim.MaxConns), perAddr: lim.MaxConnsPerAddr, logger: logger,
		byAddr: map[string]int{}, open: list.New(), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := connAddr(c)
		if !l.admit(addr) {
			c.Close()
			continue
		}
		if !l.acquire() {
			c.Close()
			l.forget(addr)
			return nil, net.ErrClosed
		}
		lc := &limitConn{Conn: c, l: l, addr: addr}
		l.mu.Lock()
		lc.elem = l.open.PushBack(lc)
		l.mu.Unlock()
		return lc, nil
	}
}

// admit counts a new connection from addr, closing the address's oldest
// connection not serving a request when addr is at its cap; it reports
// false, the new connection to be closed, when every one is serving.
func (l *limitListener) admit(addr string) bool {
	for {
		l.mu.Lock()
		if l.byAddr[addr] < l.perAddr {
			l.byAddr[addr]++
			l.mu.Unlock()
			return true
		}
		victim := l.oldestIdle(addr)
		l.mu.Unlock()
		if victim == nil {
			l.note("refused", addr, "per_address")
			return false
		}
		victim.Close() // frees its count
		l.note("evicted", addr, "per_address")
	}
}

// oldestIdle returns the oldest connection not serving a request, from
// addr ("" for any address), or nil; l.mu is held.
func (l *limitListener) oldestIdle(addr string) *limitConn {
	for e := l.open.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*limitConn); c.serving.Load() == 0 && (addr == "" || c.addr == addr) {
			return c
		}
	}
	return nil
}

// note logs, rate-limited, that the cap made the listener close a
// connection of addr.
func (l *limitListener) note(what, addr, limit string) {
	if l.logger == nil {
		return
	}
	l.evicted.log(context.Background(), l.logger, "helpdesk connection "+what, slog.String("addr", addr), slog.String("limit", limit))
}

// acquire takes a slot, closing the oldest connection not serving a
// request when none is free, or waiting when every one is.
func (l *limitListener) acquire() bool {
	select {
	case l.sem <- struct{}{}:
		return true
	default:
	}
	l.mu.Lock()
	victim := l.oldestIdle("")
	l.mu.Unlock()
	if victim != nil {
		victim.Close() // frees its slot
		l.note("evicted", victim.addr, "total")
	}
	select {
	case l.sem <- struct{}{}:
		return true
	case <-l.done:
		return false
	}
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) forget(addr string) {
	l.mu.Lock()
	if l.byAddr[addr]--; l.byAddr[addr] <= 0 {
		delete(l.byAddr, addr)
	}
	l.mu.Unlock()
}

func (l *limitListener) release(c *limitConn) {
	l.mu.Lock()
	if c.elem != nil {
		l.open.Remove(c.elem)
	}
	l.mu.Unlock()
	l.forget(c.addr)
	<-l.sem
}

type limitConn struct {
	net.Conn
	l       *limitListener
	addr    string
	elem    *list.Element // in l.open; guarded by l.mu
	serving atomic.Int32  // requests being handled
	once    sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
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
