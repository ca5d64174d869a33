package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Agent tokens are 128 random bits from crypto/rand, written
// "hdk_" + 22 base64url characters. Only their SHA-256 is configured: a token
// this strong needs no slow password hash (argon2, bcrypt), since nobody can
// enumerate 2^128 candidates against a leaked hash, and a fast hash compared
// in constant time keeps the check cheap.
const (
	tokenPrefix = "hdk_"
	tokenBytes  = 16 // 128 bits
	hashPrefix  = "sha256:"
)

var tokenLen = len(tokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// NewToken returns a new agent token and the hash to configure for it.
func NewToken() (token, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the configured form of a token: "sha256:" and the hex
// SHA-256 of the token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// wellFormed reports whether token has the shape of a generated token; any
// other bearer value (a 6-digit PIN, a dictionary word) is refused unhashed.
func wellFormed(token string) bool {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) != tokenLen {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil && len(b) == tokenBytes
}

// agentHash is one configured agent.
type agentHash struct {
	agent string
	sum   []byte // SHA-256 of the token
}

// parseTokens reads HELPDESK_TOKENS: "agent:sha256:HEX,agent:sha256:HEX",
// the hashes that `helpdesk -new-token AGENT` prints. Plain tokens, an agent
// listed twice and two agents with the same hash are refused.
func parseTokens(s string) ([]agentHash, error) {
	const want = "HELPDESK_TOKENS: want agent:sha256:HEX pairs, comma-separated (generate one with -new-token AGENT)"
	var out []agentHash
	agents := map[string]bool{}
	hashes := map[string]string{}
	for i, pair := range strings.Split(s, ",") {
		agent, hash, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || agent == "" || !validAgent(agent) {
			return nil, fmt.Errorf("%s: entry %d has no valid agent name", want, i+1)
		}
		hexSum, ok := strings.CutPrefix(hash, hashPrefix)
		sum, err := hex.DecodeString(hexSum)
		if !ok || err != nil || len(sum) != sha256.Size {
			// Never echo the value: it may be a plain token.
			return nil, fmt.Errorf("%s: agent %s has no sha256 hash (a plain token is not accepted)", want, agent)
		}
		if agents[agent] {
			return nil, fmt.Errorf("HELPDESK_TOKENS: agent %s is listed twice", agent)
		}
		if other, dup := hashes[string(sum)]; dup {
			return nil, fmt.Errorf("HELPDESK_TOKENS: agents %s and %s have the same token", other, agent)
		}
		agents[agent], hashes[string(sum)] = true, agent
		out = append(out, agentHash{agent: agent, sum: sum})
	}
	return out, nil
}

// validAgent keeps agent names to what is safe in logs and ClientMetadata.
func validAgent(a string) bool {
	if len(a) > 64 {
		return false
	}
	for _, c := range a {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-@", c)) {
			return false
		}
	}
	return true
}

// BearerTokenHashes authenticates "Authorization: Bearer TOKEN" (the scheme
// in any case, as HTTP reads it): a well-formed token whose SHA-256 matches
// an agent's, compared in constant time against every agent's, so that the
// time taken says nothing about which one matched.
func BearerTokenHashes(agents []agentHash) Authenticate {
	return func(r *http.Request) (string, bool) {
		given, ok := bearerToken(r)
		if !ok || !wellFormed(given) {
			return "", false
		}
		sum := sha256.Sum256([]byte(given))
		found := ""
		for _, a := range agents {
			if subtle.ConstantTimeCompare(sum[:], a.sum) == 1 {
				found = a.agent
			}
		}
		return found, found != ""
	}
}

// bearerToken returns the credentials of r's "Authorization: Bearer ..."
// header. The scheme is matched case-insensitively (RFC 9110, 11.1), and
// the spaces after it are skipped.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimLeft(token, " "), true
}

// Throttle slows down failed authentications per client address: Free
// failures, then each failure closes the address for a backoff that doubles
// from Base up to Max. While an address is closed, a request whose
// credentials fail is answered 429 (with Retry-After), unlogged beyond the
// rate-limited failure log and uncounted; a valid token is still checked,
// and accepted, so that anyone who shares the agents' address (an office,
// a VPN, the load balancer) can't lock them out. Failures are forgotten
// after Forget without one. The zero value uses the defaults (5, 1 s,
// 15 min, 24 h, 100,000 addresses).
type Throttle struct {
	Free     int
	Base     time.Duration
	Max      time.Duration
	Forget   time.Duration
	MaxAddrs int // addresses remembered at most; past that, arbitrary ones are forgotten

	mu    sync.Mutex
	addrs map[string]*addrFailures
}

type addrFailures struct {
	failures int
	until    time.Time // closed until then
	last     time.Time
}

func (t *Throttle) defaults() (free int, base, maxWait, forget time.Duration, maxAddrs int) {
	free, base, maxWait, forget, maxAddrs = t.Free, t.Base, t.Max, t.Forget, t.MaxAddrs
	if free == 0 {
		free = 5
	}
	if base == 0 {
		base = time.Second
	}
	if maxWait == 0 {
		maxWait = 15 * time.Minute
	}
	if forget == 0 {
		forget = 24 * time.Hour
	}
	if maxAddrs == 0 {
		maxAddrs = 100_000
	}
	return
}

// Closed says how long addr must still wait, if it must.
func (t *Throttle) Closed(addr string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.addrs[addr]
	if a == nil {
		return 0, false
	}
	wait := time.Until(a.until)
	return wait, wait > 0
}

// Fail records a failed authentication from addr and returns the number of
// failures so far and how long addr is now closed for.
func (t *Throttle) Fail(addr string) (int, time.Duration) {
	free, base, maxWait, forget, maxAddrs := t.defaults()
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	if t.addrs == nil {
		t.addrs = map[string]*addrFailures{}
	}
	a := t.addrs[addr]
	if a != nil && now.Sub(a.last) > forget {
		a = nil
	}
	if a == nil {
		if len(t.addrs) >= maxAddrs {
			for k, v := range t.addrs { // forget the stale, or one arbitrary address
				if now.Sub(v.last) > forget || len(t.addrs) >= maxAddrs {
					delete(t.addrs, k)
				}
				if len(t.addrs) < maxAddrs/2 {
					break
				}
			}
		}
		a = &addrFailures{}
		t.addrs[addr] = a
	}
	a.failures++
	a.last = now
	wait := time.Duration(0)
	if over := a.failures - free; over > 0 {
		wait = maxWait
		if over <= 40 {
			if w := base * time.Duration(math.Pow(2, float64(over-1))); w > 0 && w < maxWait {
				wait = w
			}
		}
		a.until = now.Add(wait)
	}
	return a.failures, wait
}

// clientAddr is the key the throttle counts by: the peer's IP address, or
// its /64 for IPv6 (one host usually holds a whole /64). Behind a reverse
// proxy, replace it with the proxy's notion of the client (never a header
// the client sets itself).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// failureLog writes its lines (failed authentications, refusals of the
// per-agent limit) at most 1 a second after a burst of 10, and counts what
// it left out in the next line, so that a flood of requests can't flood the
// log.
type failureLog struct {
	once       sync.Once
	lim        *rate.Limiter
	mu         sync.Mutex
	suppressed int
}

func (f *failureLog) log(ctx context.Context, l *slog.Logger, msg string, attrs ...slog.Attr) {
	attrs = append(attrs, RequestIDAttrs(ctx)...)
	f.once.Do(func() { f.lim = rate.NewLimiter(1, 10) })
	f.mu.Lock()
	if !f.lim.Allow() {
		f.suppressed++
		f.mu.Unlock()
		return
	}
	n := f.suppressed
	f.suppressed = 0
	f.mu.Unlock()
	if n > 0 {
		attrs = append(attrs, slog.Int("suppressed_since_last", n))
	}
	l.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
}

var errNoAgent = errors.New("-new-token needs an agent name of letters, digits and ._-@")
