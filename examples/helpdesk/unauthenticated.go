package main

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// UnauthenticatedBudget bounds the answers a client address gets to
// requests that fail authentication: Burst at once, then Rate a second.
// Past it, a refused request's connection is closed without an answer,
// before any more work (no answer written, no throttle count, no log line
// but a rate-limited one), so that a flood of unauthenticated requests
// costs the server as little as such a request can. A valid token is
// checked before, and never meets the budget. The zero value allows 100,
// then 20 a second, for up to 100,000 addresses.
type UnauthenticatedBudget struct {
	Rate     rate.Limit
	Burst    int
	MaxAddrs int

	mu    sync.Mutex
	addrs map[string]*rate.Limiter
}

// allow reports whether addr may have one more unauthenticated answer.
func (b *UnauthenticatedBudget) allow(addr string, now time.Time) bool {
	r, burst, maxAddrs := b.Rate, b.Burst, b.MaxAddrs
	if r == 0 && burst == 0 {
		r, burst = 20, 100
	}
	if maxAddrs == 0 {
		maxAddrs = 100_000
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.addrs == nil {
		b.addrs = map[string]*rate.Limiter{}
	}
	l := b.addrs[addr]
	if l == nil {
		if len(b.addrs) >= maxAddrs {
			for k, v := range b.addrs { // forget the full buckets, or arbitrary ones
				if v.TokensAt(now) >= float64(burst) || len(b.addrs) >= maxAddrs {
					delete(b.addrs, k)
				}
				if len(b.addrs) < maxAddrs/2 {
					break
				}
			}
		}
		l = rate.NewLimiter(r, burst)
		b.addrs[addr] = l
	}
	return l.AllowN(now, 1)
}

// dropConn closes the connection of w without an answer, and reports
// whether it could (a ResponseRecorder can't).
func dropConn(w http.ResponseWriter) bool {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	c.Close()
	return true
}
