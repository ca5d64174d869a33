package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/demopool"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// serving is a run of fakecognito in the test's process.
type serving struct {
	endpoint string
	lines    <-chan string // stdout after the first line
	stderr   *syncBuffer
	stop     func() error // ends the run and returns its error
}

// serve runs fakecognito with args and reads its first line.
func serve(t *testing.T, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, stderr)
		pw.Close()
		done <- err
	}()
	lines := make(chan string, 16)
	sc := bufio.NewScanner(pr)
	first := ""
	if sc.Scan() {
		first = sc.Text()
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	s := &serving{endpoint: first, lines: lines, stderr: stderr}
	var once sync.Once
	var err error
	s.stop = func() error {
		once.Do(func() { cancel(); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = s.stop() })
	return s
}

func client(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       "us-west-2",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// The first line on stdout is the endpoint, with the port the kernel chose
// for port 0; the quickstart's pool and users, and -users more, are there
// for an SDK client; the warning about unmasked deliveries is on stderr.
func TestFirstLineIsTheEndpointOfTheDemoPool(t *testing.T) {
	s := serve(t, "-addr", "127.0.0.1:0", "-users", "3")
	require.Regexp(t, regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`), s.endpoint)
	assert.Contains(t, <-s.lines, "pool us-west-2_aaaaaaaaa, users diego (diego@example.com)")
	assert.Contains(t, s.stderr.String(), "WARNING: GET /resetpwtest/deliveries shows every code sent with UNMASKED emails")

	ctx := context.Background()
	c := client(s.endpoint)
	for _, user := range []string{"diego", "nora", "sam", "user0001", "user0003"} {
		_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(demopool.PoolID), Username: aws.String(user)})
		assert.NoError(t, err, user)
	}
	_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(demopool.PoolID), Username: aws.String("user0004")})
	assert.Error(t, err, "only -users 3 more")
	_, err = c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: aws.String(demopool.PoolID), Username: aws.String("diego")})
	require.NoError(t, err)

	resp, err := http.Get(s.endpoint + resetpwtest.DeliveriesPath)
	require.NoError(t, err)
	defer resp.Body.Close()
	var got []resetpwtest.Delivery
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	require.Len(t, got, 1)
	assert.Equal(t, "diego", got[0].Username)
	assert.NoError(t, s.stop(), "a cancelled run ends cleanly")
}

// Only a loopback address is served unless -expose says otherwise.
func TestLoopbackAddressesOnlyUnlessExposed(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:4566", "localhost:4566", "[::1]:4566", "127.0.0.2:1"} {
		assert.NoError(t, checkLoopback(addr), addr)
	}
	for _, addr := range []string{":4566", "0.0.0.0:4566", "[::]:4566", "192.0.2.1:4566", "example.com:4566", "nonsense"} {
		assert.Error(t, checkLoopback(addr), addr)
	}
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		var stdout strings.Builder
		err := run(context.Background(), []string{"-addr", addr}, &stdout, io.Discard)
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), "not a loopback address", addr)
		assert.Contains(t, err.Error(), "-expose", addr)
		assert.Empty(t, stdout.String(), "%s: no endpoint printed", addr)
	}
}

// Without -expose, only requests addressed to localhost or a loopback
// address are answered: a web page can't read the unmasked deliveries by
// DNS rebinding. -expose lifts it.
func TestRefusesRequestsForOtherHostsDNSRebinding(t *testing.T) {
	h := loopbackHostOnly(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for host, want := range map[string]int{
		"127.0.0.1:4566": http.StatusNoContent, "localhost:4566": http.StatusNoContent, "LOCALHOST": http.StatusNoContent,
		"[::1]:4566": http.StatusNoContent, "127.0.0.2": http.StatusNoContent,
		"rebind.attacker.example:4566": http.StatusMisdirectedRequest, "192.0.2.1:4566": http.StatusMisdirectedRequest,
		"localhost.attacker.example": http.StatusMisdirectedRequest, "": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/resetpwtest/deliveries", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, want, rec.Code, host)
	}

	for expose, want := range map[bool]int{false: http.StatusMisdirectedRequest, true: http.StatusOK} {
		args := []string{"-addr", "127.0.0.1:0"}
		if expose {
			args = append(args, "-expose")
		}
		s := serve(t, args...)
		req, err := http.NewRequest(http.MethodGet, s.endpoint+resetpwtest.DeliveriesPath, nil)
		require.NoError(t, err)
		req.Host = "rebind.attacker.example"
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, "-expose %v", expose)
	}
}

func TestRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{{"extra"}, {"-users", "-1"}, {"-answer-delay", "-1s"}, {"-nope"}} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		assert.Error(t, err, "%v", args)
	}
}

// syncBuffer is a strings.Builder safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
