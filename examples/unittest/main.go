// Command unittest shows how to test code that resets passwords: a small
// HTTP service whose handler depends on resetpw.PasswordResetter, not on
// the SDK, so that its test (main_test.go) drives every branch with
// resetpwtest.Mock.
//
//	POST /users/{username}/password-reset
//
// answers 204 when the code was sent, 404 for an unknown user, 409 when the
// user can't receive a code (no verified contact, SMS sandbox, admin-only
// recovery), 429 when throttled or out of attempts, 400 for invalid input,
// and 502 otherwise.
//
// Run it against the embedded fake:
//
//	go run ./examples/unittest &
//	curl -X POST localhost:8080/users/diego/password-reset
package main

import (
	"errors"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Service resets passwords in one user pool.
type Service struct {
	Resetter resetpw.PasswordResetter
	PoolID   string
}

// Routes returns the service's handler.
func (s *Service) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{username}/password-reset", s.reset)
	return mux
}

func (s *Service) reset(w http.ResponseWriter, r *http.Request) {
	_, err := s.Resetter.Reset(r.Context(), resetpw.Request{
		UserPoolID:     s.PoolID,
		Username:       r.PathValue("username"),
		ClientMetadata: map[string]string{"source": "unittest-example"},
	})
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Error(w, http.StatusText(statusOf(err)), statusOf(err))
}

// statusOf maps the typed errors of resetpw to HTTP statuses.
func statusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusNoContent
	case errors.Is(err, resetpw.ErrUserNotFound):
		return http.StatusNotFound
	case errors.Is(err, resetpw.ErrNoVerifiedContact), errors.Is(err, resetpw.ErrSMSSandbox),
		errors.Is(err, resetpw.ErrRecoveryNotConfigured):
		return http.StatusConflict
	case errors.Is(err, resetpw.ErrThrottled), errors.Is(err, resetpw.ErrAttemptLimit):
		return http.StatusTooManyRequests
	case errors.Is(err, resetpw.ErrInvalidInput):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	flag.Parse()
	// The embedded fake stands in for Cognito; in production, pass a
	// *cognitoidentityprovider.Client to resetpw.New.
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	if _, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")); err != nil {
		log.Fatal(err)
	}
	r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		log.Fatal(err)
	}
	s := &Service{Resetter: r, PoolID: pool}
	log.Println("listening on", *addr)
	hs := &http.Server{Addr: *addr, Handler: s.Routes(), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(hs.ListenAndServe())
}
