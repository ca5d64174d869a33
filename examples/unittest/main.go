// Command unittest is a helpdesk service that resets passwords, written to
// be copied: its handler depends on resetpw.PasswordResetter, not on the
// SDK, so that its test (main_test.go) drives every branch with
// resetpwtest.Mock.
//
//	POST /users/{username}/password-reset
//	Authorization: Bearer TOKEN
//
// Every request is authenticated first: without a valid token the answer is
// 401 and nothing is looked up, so anonymous callers learn nothing about
// which users exist. The agent behind the token is recorded in the reset's
// ClientMetadata (for the pool's Lambda triggers) and in the log line, and
// each agent may start only a few resets a minute (429 past that).
//
// It answers 204 when the code was sent, and otherwise the suggested status
// of the error's kind (resetpw.Kind.HTTPStatus: 404 unknown user, 409 the
// user's state, 422 no verified contact, 429 throttled or out of attempts,
// 5xx what the service or AWS must fix), with a JSON body naming the kind
// and whether a code may have gone out anyway (then retrying sends a second
// code, which invalidates the first).
//
// Run it against the embedded fake, with the agents' tokens in
// HELPDESK_TOKENS (agent:token pairs, comma-separated):
//
//	HELPDESK_TOKENS=alice:s3cret go run ./examples/unittest &
//	curl -X POST -H 'Authorization: Bearer s3cret' localhost:8080/users/diego/password-reset
package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Authenticate returns the agent that r comes from, or ok false.
type Authenticate func(r *http.Request) (agent string, ok bool)

// BearerTokens authenticates "Authorization: Bearer TOKEN" against the
// tokens of agents (agent → token), comparing in constant time; every token
// is compared, so that the time taken says nothing about which one matched.
func BearerTokens(tokens map[string]string) Authenticate {
	return func(r *http.Request) (string, bool) {
		given, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || given == "" {
			return "", false
		}
		found := ""
		for agent, token := range tokens {
			if subtle.ConstantTimeCompare([]byte(given), []byte(token)) == 1 {
				found = agent
			}
		}
		return found, found != ""
	}
}

// Service resets passwords in one user pool for authenticated agents.
type Service struct {
	Resetter     resetpw.PasswordResetter
	PoolID       string
	Authenticate Authenticate
	Logger       *slog.Logger
	// PerAgent is how many resets an agent may start: Burst at once, then
	// Rate a second. The zero value allows 5, then one every 12 seconds.
	PerAgent struct {
		Rate  rate.Limit
		Burst int
	}

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

type agentKey struct{}

// Routes returns the service's handler: authentication first, then the
// routes.
func (s *Service) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{username}/password-reset", s.reset)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		agent, ok := s.Authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="helpdesk"`)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthenticated"})
			return
		}
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), agentKey{}, agent)))
	})
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

func (s *Service) reset(w http.ResponseWriter, r *http.Request) {
	agent, _ := r.Context().Value(agentKey{}).(string)
	username := r.PathValue("username")
	log := s.logger().With(slog.String("agent", agent), slog.String("user", alias.Mask(username)))
	if !s.allow(agent) {
		log.LogAttrs(r.Context(), slog.LevelWarn, "helpdesk reset refused", slog.String("reason", "agent rate limit"))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "agent_rate_limit"})
		return
	}
	_, err := s.Resetter.Reset(r.Context(), resetpw.Request{
		UserPoolID:     s.PoolID,
		Username:       username,
		ClientMetadata: map[string]string{"source": "helpdesk", "agent": agent},
	})
	if err == nil {
		log.LogAttrs(r.Context(), slog.LevelInfo, "helpdesk reset sent")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := statusOf(err)
	kind := resetpw.KindOf(err)
	log.LogAttrs(r.Context(), slog.LevelWarn, "helpdesk reset failed", slog.String("kind", kind.Code()),
		slog.Int("status", status), slog.Bool("maybe_sent", resetpw.MaybeSent(err)))
	writeJSON(w, status, map[string]any{"error": kind.Code(), "maybe_sent": resetpw.MaybeSent(err)})
}

// statusOf maps every error of resetpw to the status this service answers:
// the kind's suggested one, except that invalid input is the caller's fault
// only when it is the username they gave.
func statusOf(err error) int {
	var e *resetpw.Error
	if !errors.As(err, &e) {
		return http.StatusInternalServerError
	}
	if e.Kind == resetpw.ErrInvalidInput {
		switch {
		case e.Op != resetpw.OpValidate:
			return http.StatusBadGateway // Cognito's own InvalidParameterException
		case e.Field != resetpw.FieldUsername:
			return http.StatusInternalServerError // the pool ID or metadata this service built
		}
	}
	return e.Kind.HTTPStatus()
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

// parseTokens reads "agent:token,agent:token".
func parseTokens(s string) (map[string]string, error) {
	tokens := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		agent, token, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok || agent == "" || len(token) < 6 {
			return nil, fmt.Errorf("HELPDESK_TOKENS: want agent:token pairs with tokens of 6 or more characters")
		}
		tokens[agent] = token
	}
	return tokens, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	flag.Parse()
	tokens, err := parseTokens(os.Getenv("HELPDESK_TOKENS"))
	if err != nil {
		log.Fatal(err)
	}
	// The embedded fake stands in for Cognito; in production, pass a
	// *cognitoidentityprovider.Client to resetpw.New.
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	if _, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	r, err := resetpw.New(f, resetpw.WithLogger(logger))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := r.CheckPool(context.Background(), pool); err != nil {
		log.Fatal(err) // fail fast: the pool can't reset passwords
	}
	s := &Service{Resetter: r, PoolID: pool, Authenticate: BearerTokens(tokens), Logger: logger}
	log.Println("listening on", *addr)
	hs := &http.Server{Addr: *addr, Handler: s.Routes(), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(hs.ListenAndServe())
}
