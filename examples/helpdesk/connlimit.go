package main

import (
	"container/list"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

type connKey struct{}

// markServing marks the connection r came on as serving a request, which the
// limit listener never evicts, until its answer is written. Call it once
// r's caller is authenticated, and only then. It reports false when the
// connection was evicted first: the client was told 503, so nothing of r
// may be done.
func markServing(r *http.Request) bool {
	c, ok := r.Context().Value(connKey{}).(*limitConn)
	if !ok {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evicted {
		return false
	}
	c.serving++ // until ConnState says the answer is out
	return true
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

// evictWait is how long a new connection at a cap waits for a connection
// to evict, while those it could evict are still being read or answered,
// before it is refused.
const evictWait = 100 * time.Millisecond

// limitListener caps open connections, in all (max) and per client address
// (perAddr). When either cap is reached, a new connection takes the place
// of the oldest one that is waiting for its client (see evict): at the
// per-address cap the oldest of that address, at the total cap the oldest
// of all. A connection waits for its client when the server is blocked
// reading it, nothing it sent is left unread, and no authenticated request
// is being answered on it (see markServing): idle between requests, still
// sending its headers, or sending a body nobody reads. A connection the
// server has not read yet, or whose bytes are waiting in its socket (an
// agent's fresh one, its request sent in one go), or whose request is being
// answered, is never evicted. So neither slow connections from however
// many addresses, nor idle ones from the address the agents share (an
// office, a VPN, the load balancer), nor an attacker there who reconnects
// as fast as it is closed, can keep a valid agent out. When none can give
// way, a new connection waits up to evictWait for one that can, then it is
// refused (per address) or Accept waits (in all; the kernel's backlog holds
// the rest, so file descriptors never run out). An evicted or refused
// connection that began an HTTP request is answered 503 with Connection:
// close and Retry-After, where the platform lets that be written without
// blocking (Linux); what it sent was not handled, so its client may retry.
// Evictions and refusals are logged, rate-limited. It is
// golang.org/x/net/netutil.LimitListener plus the per-address cap and the
// eviction, without the dependency.
type limitListener struct {
	net.Listener
	sem     chan struct{}
	perAddr int
	logger  *slog.Logger // nil: no log
	evicted failureLog
	wait    time.Duration // how long a new connection at a cap waits for one to evict; evictWait
	wake    chan struct{} // a connection began waiting for its client, or closed
	mu      sync.Mutex
	byAddr  map[string]*list.List // of *limitConn, oldest first
	open    *list.List            // of *limitConn, oldest first
	done    chan struct{}
	once    sync.Once
}

func newLimitListener(l net.Listener, lim Limits, logger *slog.Logger) *limitListener {
	lim = lim.withDefaults()
	return &limitListener{Listener: l, sem: make(chan struct{}, lim.MaxConns), perAddr: lim.MaxConnsPerAddr, logger: logger,
		wait: evictWait, wake: make(chan struct{}, 1), byAddr: map[string]*list.List{}, open: list.New(), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc := &limitConn{Conn: c, l: l, addr: connAddr(c)}
		if !l.admit(lc) {
			if plainHTTP(peekByte(c)) {
				writeNow(c, unavailable)
			}
			c.Close()
			continue
		}
		if !l.acquire(lc) {
			lc.Close()
			return nil, net.ErrClosed
		}
		return lc, nil
	}
}

// admit counts c among its address's connections, evicting the address's
// oldest connection waiting for its client when the address is at its
// cap; it reports false, c to be refused, when none can give way within
// evictWait.
func (l *limitListener) admit(c *limitConn) bool {
	var timeout <-chan time.Time
	for {
		l.mu.Lock()
		conns := l.byAddr[c.addr]
		if conns == nil {
			conns = list.New()
			l.byAddr[c.addr] = conns
		}
		if conns.Len() < l.perAddr {
			c.mine, c.all = conns.PushBack(c), l.open.PushBack(c)
			l.mu.Unlock()
			return true
		}
		victim, answer, later := evictOldest(conns)
		l.mu.Unlock()
		if victim != nil {
			victim.closeEvicted(answer) // frees its place
			l.note("evicted", c.addr, "per_address")
			continue
		}
		if !later { // every one serves an authenticated request
			break
		}
		if timeout == nil {
			timeout = time.After(l.wait)
		}
		select {
		case <-l.wake:
			continue
		case <-l.done:
		case <-timeout:
		}
		break
	}
	l.note("refused", c.addr, "per_address")
	return false
}

// evictOldest evicts a connection of conns that waits for its client
// (evict): the oldest idle one between requests, or else the oldest one
// stalled in a request, or else the oldest one that has sent nothing yet
// (an agent's fresh connection is one of those for as long as its client
// takes to write its request: it goes last, and only when no connection
// that has stalled can go). It reports whether to answer the victim 503;
// later says whether some connection of conns may become evictable (one
// not serving an authenticated request). l.mu is held.
func evictOldest(conns *list.List) (victim *limitConn, answer, later bool) {
	for _, class := range []waitClass{idleBetweenRequests, stalledInARequest, sentNothing} {
		for e := conns.Front(); e != nil; e = e.Next() {
			c := e.Value.(*limitConn)
			ok, answer, serving := c.evict(class)
			if ok {
				return c, answer, true
			}
			later = later || !serving
		}
	}
	return nil, false, later
}

// waitClass is how a connection waits for its client: evictOldest evicts
// by class, in this order.
type waitClass int

const (
	idleBetweenRequests waitClass = iota // its answers are all out
	stalledInARequest                    // it sent part of a request (or a TLS handshake)
	sentNothing                          // not a byte yet
)

// note logs, rate-limited, that the cap made the listener close a
// connection of addr.
func (l *limitListener) note(what, addr, limit string) {
	if l.logger == nil {
		return
	}
	l.evicted.log(context.Background(), l.logger, "helpdesk connection "+what, slog.String("addr", addr), slog.String("limit", limit))
}

// acquire takes a slot for c, evicting the oldest connection waiting for
// its client when none is free, or waiting for one.
func (l *limitListener) acquire(c *limitConn) bool {
	for {
		select {
		case l.sem <- struct{}{}:
			l.hold(c)
			return true
		default:
		}
		l.mu.Lock()
		victim, answer, _ := evictOldest(l.open)
		l.mu.Unlock()
		if victim != nil {
			victim.closeEvicted(answer) // frees its slot
			l.note("evicted", victim.addr, "total")
			continue
		}
		select {
		case l.sem <- struct{}{}:
			l.hold(c)
			return true
		case <-l.wake: // look again
		case <-l.done:
			return false
		}
	}
}

func (l *limitListener) hold(c *limitConn) {
	l.mu.Lock()
	c.held = true
	l.mu.Unlock()
}

// signal wakes an Accept that waits for a connection to evict.
func (l *limitListener) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

func (l *limitListener) release(c *limitConn) {
	l.mu.Lock()
	if c.mine != nil {
		conns := l.byAddr[c.addr]
		conns.Remove(c.mine)
		if conns.Len() == 0 {
			delete(l.byAddr, c.addr)
		}
		l.open.Remove(c.all)
	}
	held := c.held
	l.mu.Unlock()
	if held {
		<-l.sem
	}
	l.signal()
}

type limitConn struct {
	net.Conn
	l         *limitListener
	addr      string
	all, mine *list.Element // in l.open and l.byAddr[addr]; guarded by l.mu
	held      bool          // c holds a slot of l.sem; guarded by l.mu

	mu      sync.Mutex
	serving int  // authenticated requests being answered (markServing)
	waiting bool // the server is blocked reading c
	state   http.ConnState
	evicted bool
	first   byte // the first byte the client sent; 0 before any
	once    sync.Once
}

// Read reads as net.Conn does, and says while it waits for the client.
// Once c is evicted, it returns nothing, not even what it was reading when
// c was: the client is told 503, so no request of it may be handled.
func (c *limitConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if c.evicted {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	c.waiting = true
	c.mu.Unlock()
	c.l.signal()
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waiting = false
	if c.evicted {
		return 0, net.ErrClosed
	}
	if n > 0 && c.first == 0 {
		c.first = b[0]
	}
	return n, err
}

// evict marks c evicted if it waits for its client in class: the server is
// blocked reading it, nothing is left unread in its socket, and no
// authenticated request is being answered on it. It reports whether it
// did, whether to answer c 503 (no request is being answered on it, and it
// is not TLS), and whether c serves an authenticated request.
func (c *limitConn) evict(class waitClass) (ok, answer, serving bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.serving > 0 || c.evicted {
		return false, false, c.serving > 0
	}
	if !c.waiting || c.class() != class || unread(c.Conn) > 0 {
		return false, false, false
	}
	c.evicted = true
	return true, c.state != http.StateActive && plainHTTP(c.first), false
}

// class says how c waits; c.mu is held.
func (c *limitConn) class() waitClass {
	switch {
	case c.state == http.StateIdle:
		return idleBetweenRequests
	case c.first == 0:
		return sentNothing
	}
	return stalledInARequest
}

// closeEvicted answers c 503 if answer, without blocking, and closes it.
func (c *limitConn) closeEvicted(answer bool) {
	if answer {
		writeNow(c.Conn, unavailable)
	}
	c.Close()
}

// setState follows net/http's state of c: an authenticated request's
// answer is out once c is idle (or closed).
func (c *limitConn) setState(s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = s
	if s == http.StateIdle || s == http.StateClosed || s == http.StateHijacked {
		c.serving = 0
	}
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
	return err
}

// unavailableBody is the body of the answer to an evicted or refused
// connection.
const unavailableBody = `{"error":"connection_limit"}` + "\n"

// unavailable is the whole answer to an evicted or refused connection: it
// is closed, nothing it sent was handled, and it may try again in a second.
var unavailable = []byte("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n" +
	"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(unavailableBody)) + "\r\n\r\n" + unavailableBody)

// plainHTTP reports whether a connection whose first byte is first may be
// answered in plain HTTP: it began a request line (a method: GET, POST,
// ...), or sent nothing yet (a TLS client takes the answer as the close it
// is); not one that began a TLS handshake (0x16).
func plainHTTP(first byte) bool { return first == 0 || first >= 'A' && first <= 'Z' }

func connAddr(c net.Conn) string {
	r := &http.Request{RemoteAddr: c.RemoteAddr().String()}
	return clientAddr(r)
}
