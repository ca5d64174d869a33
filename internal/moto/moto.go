// Package moto runs the tests of this module that need a Cognito-compatible
// server against moto_server: the one at MOTO_ENDPOINT when that is set, or
// one it starts on a free 127.0.0.1 port when moto_server is on PATH. Tests
// skip, saying why, when neither is there.
package moto

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/cognitoreset/cognitoreset/internal/loopback"
)

// Region is the region of every client and pool in the tests.
const Region = "us-west-2"

var (
	endpoint   string
	skipReason = "moto: Run was not called from TestMain"
)

// Run starts moto_server if it is needed and can be found, runs the tests,
// and stops it by PID. Call it from TestMain: os.Exit(moto.Run(m)).
func Run(m *testing.M) int {
	stop := setUp()
	defer stop()
	return m.Run()
}

func setUp() (stop func()) {
	if e := os.Getenv("MOTO_ENDPOINT"); e != "" {
		endpoint = e
		return func() {}
	}
	e, stop, err := Start()
	if err != nil {
		skipReason = "moto: " + err.Error() + "; integration tests skipped"
		return func() {}
	}
	endpoint = e
	return stop
}

// ErrNotInstalled is Start's error when moto_server is not on PATH.
var ErrNotInstalled = errors.New("MOTO_ENDPOINT is not set and moto_server is not on PATH")

// Start starts moto_server on a free 127.0.0.1 port (package
// internal/loopback) and waits until it answers. stop ends it by PID. CI
// (internal/moto/withmoto) and TestMain both start moto through it.
func Start() (endpoint string, stop func(), err error) {
	addr, stop, err := loopback.Server{
		Program: "moto_server",
		Args:    func(port int) []string { return []string{"-H", "127.0.0.1", "-p", strconv.Itoa(port)} },
		Ready: func(addr string) error {
			resp, err := http.Get("http://" + addr + "/moto-api/")
			if err == nil {
				resp.Body.Close()
			}
			return err
		},
	}.Start()
	if errors.Is(err, loopback.ErrNotFound) {
		return "", nil, ErrNotInstalled
	}
	if err != nil {
		return "", nil, err
	}
	return "http://" + addr, stop, nil
}

// Endpoint returns moto's endpoint, or skips t with the reason there is none.
func Endpoint(t testing.TB) string {
	t.Helper()
	if endpoint == "" {
		t.Skip(skipReason)
	}
	return endpoint
}

// Client returns an SDK client for moto in a store of its own: every client
// gets a fresh x-moto-account-id, so tests don't see each other's pools.
// It skips t when moto is absent.
func Client(t testing.TB) *cip.Client {
	t.Helper()
	return ClientAt(t, Endpoint(t))
}

// ClientAt is Client for another endpoint, such as a proxy in front of moto.
func ClientAt(t testing.TB, url string) *cip.Client {
	t.Helper()
	return NewClient(url, NewAccount())
}

// NewAccount returns a fresh 12-digit account ID.
func NewAccount() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	n, _ := strconv.ParseUint(hex.EncodeToString(b[:]), 16, 64)
	return fmt.Sprintf("%012d", n%1_000_000_000_000)
}

// NewClient returns an SDK client for url with static test credentials, in
// moto account acct.
func NewClient(url, acct string) *cip.Client {
	return cip.New(cip.Options{
		Region:       Region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		APIOptions:   []func(*middleware.Stack) error{smithyhttp.AddHeaderValue("x-moto-account-id", acct)},
	})
}

// Ready reports whether moto is available, without skipping.
func Ready() bool { return endpoint != "" }

// Context returns a context for one integration step.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
