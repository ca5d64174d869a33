// Command helpdesk is a helpdesk service that resets passwords, written to
// be copied: its handler depends on resetpw.PasswordResetter, not on the
// SDK, so that its test (main_test.go) drives every branch with
// resetpwtest.Mock.
//
//	POST /users/{username}/password-reset
//	Authorization: Bearer TOKEN
//
// Every request is authenticated first: without a valid token the answer is
// 401 and nothing is looked up, so anonymous callers learn nothing about
// which users exist. Tokens are 128 random bits (-new-token AGENT prints
// one and its hash); only their SHA-256 is configured. Failed attempts are
// logged (rate-limited) and throttled per client address with a doubling
// backoff (429 while it lasts, the credentials unchecked). The agent behind
// the token is recorded in the reset's ClientMetadata (for the pool's Lambda
// triggers) and in the audit line, and each agent may start only a few
// resets a minute (429 past that).
//
// Once handed to Cognito, a reset runs to its end even if the client goes
// away (its context keeps the request's values, not its cancellation, and
// has a deadline of its own). Each reset writes one audit line, "helpdesk
// reset", with the agent, the masked user, the kind, the fate (sent,
// not_sent, unknown) and Cognito's request ID; its request_id (also the
// X-Request-Id header of the answer) is on the library's line too.
//
// A refusal that has a way out names it in its answer ("way_out":
// "invite_again" or "temporary_password"); the agent takes it with
//
//	POST /users/{username}/way-out
//	Content-Type: application/json
//
//	{"way": "invite_again", "confirm": true}
//
// only after confirming it explicitly, and only the way a dry run of the
// reset names now (wayout.go). A temporary password is in that answer
// once, for the agent to hand over out of band; it is written nowhere.
//
// It answers 204 when the code was sent, and otherwise the suggested status
// of the error ((*resetpw.Error).HTTPStatus: 400 an invalid username, 404
// unknown user, 409 the user's state, 422 no verified contact, 429
// throttled or out of attempts, 5xx what the service or AWS must fix), with
// a JSON body naming the kind and whether a code may have gone out anyway
// (then retrying sends a second code, which may invalidate the first).
//
// The server sets read, write, idle and header timeouts, a maximum header
// size, and caps open connections, in all and per client address (Limits);
// at the cap, the oldest connection not serving a request gives way.
//
// Run it against the embedded fake, with the agents' token hashes in
// HELPDESK_TOKENS (agent:sha256:HEX pairs, comma-separated):
//
//	go run ./examples/helpdesk -new-token alice   # prints the token and its HELPDESK_TOKENS entry
//	HELPDESK_TOKENS=alice:sha256:... go run ./examples/helpdesk &
//	curl -X POST -H "Authorization: Bearer $TOKEN" localhost:8080/users/diego/password-reset
//
// README.md says how to deploy it, and how to put it behind the
// organisation's identity provider instead.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/examples/internal/promexport"
	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// Authenticate returns the agent that r comes from, or ok false. Replace
// BearerTokenHashes with a check of the organisation's identity provider
// (an OIDC token's signature, issuer and audience, or a client
// certificate's subject under mTLS): README.md shows both.
type Authenticate func(r *http.Request) (agent string, ok bool)

// DefaultResetTimeout is how long a reset may take once started, whether or
// not its caller is still there.
const DefaultResetTimeout = 30 * time.Second

// Service resets passwords in one user pool for authenticated agents.
type Service struct {
	Resetter Resetter
	// Ways takes the way out a refusal names, once the agent confirms it
	// (wayout.go); nil offers none.
	Ways         Ways
	PoolID       string
	Authenticate Authenticate
	// Logger gets the audit lines and failed authentications, each with
	// the request ID. Give the Resetter the same logger with
	// resetpw.WithLogAttrs(RequestIDAttrs), so that its lines carry the
	// request ID too.
	Logger *slog.Logger
	// PerAgent is how many resets an agent may start: Burst at once, then
	// Rate a second. The zero value allows 5, then one every 12 seconds.
	PerAgent struct {
		Rate  rate.Limit
		Burst int
	}
	// Throttle slows down failed authentications per client address.
	Throttle Throttle
	// Unauthenticated bounds the answers an address gets to requests that
	// fail authentication; past it, their connections are closed unanswered.
	Unauthenticated UnauthenticatedBudget
	// ResetTimeout bounds a reset, detached from its request; 0 is
	// DefaultResetTimeout.
	ResetTimeout time.Duration
	// PerCustomer is how long a customer who was sent a code (or may have
	// been) waits for the next: 0 is DefaultPerCustomer, a negative
	// value turns the limit off. Refusals are 429 customer_rate_limit,
	// with Retry-After.
	PerCustomer time.Duration
	// AuditKey keys the audit line's user_key (UserKey); nil is a random
	// key, for the process's life.
	AuditKey []byte

	mu        sync.Mutex
	limiters  map[string]*rate.Limiter
	throttled failureLog // guesses refused while their address is closed
	anonLog   failureLog // requests without credentials, and those past the unauthenticated budget
	anonymous atomic.Int64
	dropped   atomic.Int64
	refusals  failureLog // resets refused by the per-agent or per-customer limit
	customers customerLimit
	keyOnce   sync.Once
}

const authFailed = "helpdesk authentication failed"

type agentKey struct{}

// Routes returns the service's handler: a request ID, the failure throttle
// and authentication first, then the routes.
func (s *Service) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{username}/password-reset", s.reset)
	mux.HandleFunc("POST /users/{username}/way-out", s.wayOut)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		w.Header().Set("X-Request-Id", id)
		addr := clientAddr(r)
		// A valid token is always checked, even from an address that is
		// closed: the throttle must not let whoever shares the agents'
		// address lock them out (README.md: the trade-off).
		if agent, ok := s.Authenticate(r); ok {
			if !markServing(r) { // only now may the connection hold its slot
				return // evicted just before: its client was told 503, nothing is done
			}
			mux.ServeHTTP(w, r.WithContext(context.WithValue(ctx, agentKey{}, agent)))
			return
		}
		if !s.Unauthenticated.allow(addr, time.Now()) && dropConn(w) {
			// Past the address's budget: no answer, nothing counted, a
			// rate-limited line with the running total.
			s.anonLog.log(ctx, s.logger(), authFailed, slog.String("addr", addr), slog.String("reason", "over budget"),
				slog.Int64("dropped_total", s.dropped.Add(1)))
			return
		}
		closeAfterAnswer(w) // its unread body is not waited for
		w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
		if !presentsCredentials(r) {
			// Not a guess (a health check, a scanner, a browser): 401,
			// not counted, or a load balancer's probes would close the
			// address every agent behind it shares; a rate-limited line
			// with the running total.
			s.anonLog.log(ctx, s.logger(), authFailed, slog.String("addr", addr), slog.String("reason", "no credentials"),
				slog.Int64("no_credentials_total", s.anonymous.Add(1)))
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthenticated"})
			return
		}
		if wait, closed := s.Throttle.Closed(addr); closed {
			s.throttled.log(ctx, s.logger(), authFailed, slog.String("addr", addr), slog.String("reason", "throttled"))
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "too_many_failures"})
			return
		}
		// Every counted failure is logged: the throttle's backoff bounds
		// them per address, and no other address's flood can hide them.
		n, wait := s.Throttle.Fail(addr)
		s.logger().LogAttrs(ctx, slog.LevelWarn, authFailed, append([]slog.Attr{slog.String("addr", addr), slog.String("reason", "bad credentials"),
			slog.Int("failures", n), slog.Duration("backoff", wait)}, RequestIDAttrs(ctx)...)...)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthenticated"})
	})
}

// presentsCredentials reports whether r carries any credential: an
// Authorization header or a client certificate. Only those requests are
// guesses, counted by the throttle.
func presentsCredentials(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.TLS != nil && len(r.TLS.PeerCertificates) > 0
}

func (s *Service) allow(agent string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limiters == nil {
		s.limiters = map[string]*rate.Limiter{}
	}
	l := s.limiters[agent]
	if l == nil {
		r, b := s.PerAgent.Rate, s.PerAgent.Burst
		if r == 0 && b == 0 {
			r, b = rate.Every(12*time.Second), 5
		}
		l = rate.NewLimiter(r, b)
		s.limiters[agent] = l
	}
	return l.Allow()
}

// fateOf is the audit line's fate: "sent" for a reset Cognito accepted, or
// the fate the library recorded where the request went out (not_sent,
// answered, unknown; resetpw.Fate).
func fateOf(err error) string {
	if err == nil {
		return "sent"
	}
	var e *resetpw.Error
	if errors.As(err, &e) && e.Fate != "" {
		return string(e.Fate)
	}
	return string(resetpw.FateUnknown)
}

// Resetter is what the service calls: a dry run that resolves the user,
// then the reset. *resetpw.Resetter and resetpwtest.Mock have both.
type Resetter interface {
	resetpw.PasswordResetter
	Check(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
}

// who names the customer of a line: the resolved user, masked, and its
// user_key (UserKey), or, when the input resolved to nobody, the input,
// masked. No line holds a raw username.
func (s *Service) who(input, user string) []slog.Attr {
	if user == "" {
		return []slog.Attr{slog.String("input", alias.Mask(input))}
	}
	return []slog.Attr{slog.String("user", alias.Mask(user))}
}

// audit writes the audit line of an action: the agent, the customer (who),
// the kind ("none" when sent), the fate, the status, Cognito's request ID,
// the action ("reset", or the way out taken: "invite_again",
// "temporary_password"), the user_key of a resolved user, the
// ClientMetadata key that failed (never its value), and the request ID that
// the library's line carries too.
func (s *Service) audit(ctx context.Context, agent, action, input, user string, status int, err error, cognitoID string) {
	level, kind := slog.LevelInfo, "none"
	if err != nil {
		level, kind = slog.LevelWarn, resetpw.KindOf(err).Code()
	}
	var e *resetpw.Error
	if errors.As(err, &e) {
		cognitoID = e.RequestID
	}
	attrs := append([]slog.Attr{slog.String("agent", agent)}, s.who(input, user)...)
	attrs = append(attrs, slog.String("kind", kind), slog.String("fate", fateOf(err)), slog.Bool("maybe_sent", resetpw.MaybeSent(err)),
		slog.Int("status", status), slog.String("cognito_request_id", cognitoID), slog.String("action", action))
	if user != "" {
		attrs = append(attrs, slog.String("user_key", s.userKey(user)))
	}
	if e != nil && e.MetadataKey != "" {
		attrs = append(attrs, slog.String("metadata_key", e.MetadataKey))
	}
	s.logger().LogAttrs(ctx, level, "helpdesk reset", append(attrs, RequestIDAttrs(ctx)...)...)
}

func (s *Service) userKey(user string) string {
	s.keyOnce.Do(func() {
		if s.AuditKey == nil {
			s.AuditKey = newAuditKey()
		}
	})
	return UserKey(s.AuditKey, s.PoolID, user)
}

// refuseCustomer answers 429 customer_rate_limit, with Retry-After: the
// customer was sent a code less than PerCustomer ago, or one is on its way.
func (s *Service) refuseCustomer(ctx context.Context, w http.ResponseWriter, agent, input, user string, wait time.Duration) {
	attrs := append([]slog.Attr{slog.String("agent", agent)}, s.who(input, user)...)
	attrs = append(attrs, slog.String("kind", "customer_rate_limit"), slog.String("fate", "not_sent"), slog.Int("status", http.StatusTooManyRequests))
	if user != "" {
		attrs = append(attrs, slog.String("user_key", s.userKey(user)))
	}
	s.refusals.log(ctx, s.logger(), "helpdesk reset", attrs...)
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "customer_rate_limit", "maybe_sent": false})
}

// fail answers an action that failed with the error's status and kind; a
// 429 whose error knows how long to wait (Cognito's throttling, the user's
// attempt limit: resetpw.Error.RetryAfter, the least wait) says so in
// Retry-After, in whole seconds rounded up. A throttle's hint is the same
// for every caller, so up to as much again is added at random: callers
// told to wait do not all come back at once.
func (s *Service) fail(ctx context.Context, w http.ResponseWriter, agent, action, input, user string, err error) {
	status := http.StatusInternalServerError // not a *resetpw.Error: a bug
	var e *resetpw.Error
	if errors.As(err, &e) {
		status = e.HTTPStatus()
		if wait := e.RetryAfter; status == http.StatusTooManyRequests && wait > 0 {
			if errors.Is(err, resetpw.ErrThrottled) {
				wait += jitter(wait)
			}
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		}
	}
	s.audit(ctx, agent, action, input, user, status, err, "")
	writeJSON(w, status, errorBody(err))
}

// jitter is a random wait in [0, d].
var jitter = func(d time.Duration) time.Duration { return rand.N(d + 1) }

// errorBody is the JSON answer of a failed action: its kind, whether
// something may have gone out anyway, and the way out a refusal names
// (offered by POST /users/{username}/way-out, wayout.go).
func errorBody(err error) map[string]any {
	body := map[string]any{"error": resetpw.KindOf(err).Code(), "maybe_sent": resetpw.MaybeSent(err)}
	var e *resetpw.Error
	if errors.As(err, &e) && e.WayOut != "" {
		body["way_out"] = e.WayOut
	}
	return body
}

// begin starts an action the agent may take. The action outlives the
// request, up to ResetTimeout: a client that goes away must not cancel
// what Cognito may already be doing, or the service would log a fate it
// doesn't know. Its holds reserve the customer for PerCustomer.
func (s *Service) begin(r *http.Request) (context.Context, context.CancelFunc, *holds) {
	timeout := s.ResetTimeout
	if timeout <= 0 {
		timeout = DefaultResetTimeout
	}
	window := s.PerCustomer
	if window == 0 {
		window = DefaultPerCustomer
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	return ctx, cancel, &holds{s: s, window: window}
}

func (s *Service) reset(w http.ResponseWriter, r *http.Request) {
	agent, _ := r.Context().Value(agentKey{}).(string)
	input := r.PathValue("username")
	if refuseBrowser(w, r) {
		return
	}
	if !s.allow(agent) {
		// Nothing was sent: the line is rate-limited, so that an agent's
		// runaway script can't flood the log.
		s.refusals.log(r.Context(), s.logger(), "helpdesk reset", slog.String("agent", agent), slog.String("input", alias.Mask(input)),
			slog.String("kind", "agent_rate_limit"), slog.String("fate", "not_sent"), slog.Int("status", http.StatusTooManyRequests))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "agent_rate_limit"})
		return
	}
	ctx, cancel, h := s.begin(r)
	defer cancel()
	req := resetpw.Request{UserPoolID: s.PoolID, Username: input, ClientMetadata: map[string]string{"source": "helpdesk", "agent": agent}}
	// One reset per customer per window: the input is reserved before
	// anything is looked up, the user it resolves to before anything is
	// sent, and the reset names that user, so that the user whose slot was
	// taken is the one reset (never another, should an alias move between
	// the two calls).
	if !h.reserve(ctx, w, agent, input, "", inputKey(input)) {
		return
	}
	checked, err := s.Resetter.Check(ctx, req)
	if err != nil {
		h.release()
		s.fail(ctx, w, agent, "reset", input, "", err)
		return
	}
	user := checked.Username
	if !h.reserve(ctx, w, agent, input, user, userKey(user)) {
		return
	}
	req.Username = user
	res, err := s.Resetter.Reset(ctx, req)
	if err != nil {
		if !resetpw.MaybeSent(err) && fateOf(err) == string(resetpw.FateNotSent) {
			h.release() // nothing went out: the customer may be tried again
		}
		s.fail(ctx, w, agent, "reset", input, user, err)
		return
	}
	s.audit(ctx, agent, "reset", input, res.Username, http.StatusNoContent, nil, res.RequestID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	newToken := flag.String("new-token", "", "print a new token for this agent and its HELPDESK_TOKENS entry, and exit")
	metricsAddr := flag.String("metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics, on a listener of their own (empty: none)")
	perCustomer := flag.Duration("per-customer-window", DefaultPerCustomer, "how long a customer who was sent a code waits for the next (0: no limit)")
	printUserKey := flag.String("user-key", "", "print the audit line's user_key of this username, the exact one Cognito stores (\"-\": read it from stdin), with HELPDESK_AUDIT_KEY, and exit")
	flag.Parse()
	if *newToken != "" {
		if !validAgent(*newToken) {
			log.Fatal(errNoAgent)
		}
		token, hash, err := NewToken()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("token for %s (give it to them once; it is stored nowhere): %s\n", *newToken, token)
		fmt.Printf("HELPDESK_TOKENS entry: %s:%s\n", *newToken, hash)
		return
	}
	var auditKey []byte
	if v := os.Getenv("HELPDESK_AUDIT_KEY"); v != "" {
		k, err := parseAuditKey(v)
		if err != nil {
			log.Fatal(err)
		}
		auditKey = k
	}
	const poolID = "us-west-2_aaaaaaaaa"
	if *printUserKey != "" {
		if auditKey == nil {
			log.Fatal("-user-key needs HELPDESK_AUDIT_KEY")
		}
		k, err := userKeyOf(*printUserKey, os.Stdin, auditKey, poolID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(k)
		return
	}
	agents, err := parseTokens(os.Getenv("HELPDESK_TOKENS"))
	if err != nil {
		log.Fatal(err)
	}
	// The embedded fake stands in for Cognito; in production, pass a
	// *cognitoidentityprovider.Client to resetpw.New.
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String(poolID)})
	if _, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")); err != nil {
		log.Fatal(err)
	}
	invited := resetpwtest.User("maria", "email", "maria@example.com") // her invitation expired: the way out is to invite her again
	invited.UserStatus = types.UserStatusTypeForceChangePassword
	if _, err := f.AddUser(pool, invited); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ropts := []resetpw.Option{resetpw.WithLogger(logger), resetpw.WithLogAttrs(RequestIDAttrs)}
	if *metricsAddr != "" {
		ropts = append(ropts, otelreset.WithTelemetry(nil, listenMetrics(*metricsAddr)))
	}
	r, err := resetpw.New(f, ropts...)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := r.CheckPool(context.Background(), pool); err != nil {
		log.Fatal(err) // fail fast: the pool can't reset passwords
	}
	if auditKey == nil {
		logger.Warn("HELPDESK_AUDIT_KEY is not set: the audit lines' user_key holds only until this process ends (set it to openssl rand -hex 32)")
	}
	window := *perCustomer
	if window == 0 {
		window = -1 // the flag's 0 turns the limit off
	}
	ways, err := wayout.New(r)
	if err != nil {
		log.Fatal(err)
	}
	s := &Service{Resetter: r, Ways: ways, PoolID: pool, Authenticate: BearerTokenHashes(agents), Logger: logger, PerCustomer: window, AuditKey: auditKey}
	lim := fitToFileLimit(Limits{}.withDefaults())
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on", l.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runServer(ctx, s.Routes(), l, lim, logger, DefaultResetTimeout+5*time.Second); err != nil {
		log.Fatal(err)
	}
}

// runServer serves h on l until ctx ends (SIGINT, SIGTERM: a deploy, a
// restart), then stops accepting and waits up to grace for the requests in
// flight: a reset handed to Cognito runs to its end and writes its audit
// line, instead of dying with the process, its fate unlogged.
func runServer(ctx context.Context, h http.Handler, l net.Listener, lim Limits, logger *slog.Logger, grace time.Duration) error {
	hs := newHTTPServer(h, lim, logger)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(newLimitListener(l, lim, logger)) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("helpdesk stopping: waiting for the resets in flight", slog.Duration("grace", grace))
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// listenMetrics serves metrics at http://addr/metrics until the process
// ends (see serveMetrics), or exits.
func listenMetrics(addr string) metric.MeterProvider {
	l, err := promexport.Listen(addr) // a bare port: loopback
	if err != nil {
		log.Fatal(err)
	}
	mp, _, err := serveMetrics(l)
	if err != nil {
		log.Fatal(err)
	}
	return mp
}

// serveMetrics serves the Resetter's metrics at /metrics on l, apart from
// the API: the metrics endpoint needs no token, so it listens where only the
// scraper reaches (docs/telemetry.md).
func serveMetrics(l net.Listener) (metric.MeterProvider, func(context.Context) error, error) {
	mp, stop, err := promexport.Serve(l)
	if err != nil {
		_ = l.Close()
		return nil, nil, err
	}
	log.Println("metrics at http://" + l.Addr().String() + "/metrics")
	return mp, stop, nil
}
