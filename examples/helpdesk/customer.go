package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultPerCustomer is how long a customer who was sent a code waits for
// the next one, by default: a second code may invalidate the first, so two
// agents (or one agent's double click) answering one customer would only
// cancel each other's codes, or at least confuse the customer.
const DefaultPerCustomer = 5 * time.Minute

// customerLimit lets each customer have one reset per window. A customer is
// keyed both by what the agent typed (trimmed, never case-folded: in a
// case-sensitive pool "diego" and "Diego" are two customers), reserved
// before anything is looked up so that a burst of the same request costs
// Cognito nothing, and by the user it resolves to, so that no other
// spelling of the same account (an email, the sub, "DIEGO" where the pool
// ignores case) gets a second code.
type customerLimit struct {
	mu    sync.Mutex
	until map[string]time.Time
	sweep int // sweep expired entries when the map grows past this
}

func inputKey(input string) string { return "input\x00" + strings.TrimSpace(input) }

func userKey(username string) string { return "user\x00" + username }

// reservation is a key taken until a time: release frees it only if
// nobody took the key since (its reservation expired, another request
// took it).
type reservation struct {
	key   string
	until time.Time
}

// take reserves key until now+window, or says how long it stays taken.
func (c *customerLimit) take(now time.Time, window time.Duration, key string) (reservation, time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.until == nil {
		c.until, c.sweep = map[string]time.Time{}, 1024
	}
	if u, ok := c.until[key]; ok && now.Before(u) {
		return reservation{}, u.Sub(now), false
	}
	if len(c.until) >= c.sweep {
		for k, u := range c.until {
			if !now.Before(u) {
				delete(c.until, k)
			}
		}
		c.sweep = max(1024, 2*len(c.until))
	}
	// A distinct instant per reservation, so that release can tell a
	// later reservation of key from this one.
	until := now.Add(window)
	if u, ok := c.until[key]; ok && !until.After(u) {
		until = u.Add(time.Nanosecond)
	}
	c.until[key] = until
	return reservation{key, until}, 0, true
}

// release frees the reservations of a reset that sent nothing, each only
// if it is still the key's: a reservation that expired while the reset
// ran, and was taken by another request, stays taken.
func (c *customerLimit) release(rs ...reservation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rs {
		if u, ok := c.until[r.key]; ok && u.Equal(r.until) {
			delete(c.until, r.key)
		}
	}
}

// UserKey is the audit line's user_key of username in pool: the first 16
// bytes of HMAC-SHA256(key, pool + NUL + username), in hex. It names the
// account the same way in every line and across restarts (with the same
// HELPDESK_AUDIT_KEY), without the username: `helpdesk -user-key USERNAME`
// computes it, to find a customer's resets in the log.
func UserKey(key []byte, pool, username string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(pool + "\x00" + username))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// minAuditKeyBytes is the shortest HELPDESK_AUDIT_KEY accepted.
const minAuditKeyBytes = 32

// minAuditKeyDistinct is how many distinct byte values a HELPDESK_AUDIT_KEY
// holds at least: a random key of 32 bytes has about 30, a placeholder
// (all zeros, one byte repeated, printf '%064x' 7) one or two.
const minAuditKeyDistinct = 8

// errAuditKey is parseAuditKey's one error: it never repeats the value.
var errAuditKey = fmt.Errorf("HELPDESK_AUDIT_KEY: want at least %d random bytes in hex, not a placeholder (openssl rand -hex 32)", minAuditKeyBytes)

// parseAuditKey reads HELPDESK_AUDIT_KEY: at least 32 bytes, in hex (openssl
// rand -hex 32), not a placeholder (fewer than 8 distinct bytes: anyone
// could guess it, and with it every user_key's username). The error never
// repeats the value.
func parseAuditKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) < minAuditKeyBytes {
		return nil, errAuditKey
	}
	distinct := map[byte]bool{}
	for _, b := range k {
		distinct[b] = true
	}
	if len(distinct) < minAuditKeyDistinct {
		return nil, errAuditKey
	}
	return k, nil
}

// userKeyOf is what `helpdesk -user-key NAME` prints: the user_key of the
// username NAME, or, for NAME "-", of the first line of stdin (so that the
// name stays out of the shell's history and the process list). The name is
// the exact username Cognito stores, the one the audit line's user field
// masks (for a pool that signs in with emails, the sub, not the email): a
// name with edge spaces, an empty one, or one with '@' (an email, most
// likely an alias, which would give another key) is refused.
func userKeyOf(name string, stdin io.Reader, key []byte, pool string) (string, error) {
	if name == "-" {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && line == "" {
			return "", errors.New("-user-key -: no username on stdin")
		}
		name = strings.TrimRight(line, "\r\n")
	}
	switch {
	case name == "" || strings.TrimSpace(name) != name:
		return "", errors.New("-user-key: want the exact username Cognito stores, without edge spaces")
	case strings.Contains(name, "@"):
		return "", errors.New("-user-key: want the username Cognito stores, not an email (an alias gives another key): find it with aws cognito-idp list-users --filter 'email = \"...\"'")
	}
	return UserKey(key, pool, name), nil
}

// newAuditKey returns a random key, for a service started without
// HELPDESK_AUDIT_KEY: its user_key values then hold only until it restarts.
func newAuditKey() []byte {
	k := make([]byte, minAuditKeyBytes)
	_, _ = rand.Read(k)
	return k
}

// holds is what one request reserved of the customers' windows: its input
// before anything is looked up, then the user the input resolved to. A
// window of zero or less reserves nothing.
type holds struct {
	s      *Service
	window time.Duration
	keys   []reservation
}

// reserve takes key for the window. When another request holds it, it
// releases what this request holds, answers the agent 429
// customer_rate_limit, and reports false.
func (h *holds) reserve(ctx context.Context, w http.ResponseWriter, agent, input, user, key string) bool {
	if h.window <= 0 {
		return true
	}
	res, wait, ok := h.s.customers.take(time.Now(), h.window, key)
	if !ok {
		h.release()
		h.s.refuseCustomer(ctx, w, agent, input, user, wait)
		return false
	}
	h.keys = append(h.keys, res)
	return true
}

// release frees what the request holds: nothing went out, or what went
// out must be done again (customerLimit.release).
func (h *holds) release() {
	h.s.customers.release(h.keys...)
	h.keys = nil
}
