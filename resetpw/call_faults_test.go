package resetpw_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/internal/faultproxy"
	"github.com/cognitoreset/cognitoreset/internal/leakcheck"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// faultBackend is a Cognito behind the fault proxy: the resetpwtest Server,
// or moto_server.
type faultBackend struct {
	name  string
	setUp func(t *testing.T) (url string, client func(url string) *cip.Client, pool string)
}

func faultBackends() []faultBackend {
	users := []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("maria", "email", "maria@example.com", "email_verified", "true"),
	}
	return []faultBackend{
		{"server", func(t *testing.T) (string, func(string) *cip.Client, string) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			for _, u := range users {
				_, err := f.AddUser(pool, u)
				require.NoError(t, err)
			}
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			return srv.URL, func(url string) *cip.Client { return moto.NewClient(url, "000000000000") }, pool
		}},
		{"moto", func(t *testing.T) (string, func(string) *cip.Client, string) {
			endpoint := moto.Endpoint(t)
			acct := moto.NewAccount()
			c := moto.NewClient(endpoint, acct)
			pool := createPool(t, c, cip.CreateUserPoolInput{})
			for _, u := range users {
				attrs := map[string]string{}
				for _, a := range u.Attributes {
					attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
				}
				createUser(t, c, pool, motoUser{name: aws.ToString(u.Username), attrs: attrs, confirm: true})
			}
			return endpoint, func(url string) *cip.Client { return moto.NewClient(url, acct) }, pool
		}},
	}
}

// TestFaults breaks one operation at a time on the wire and checks the typed
// error, the number of requests, and that no goroutine is left behind.
func TestFaults(t *testing.T) {
	const (
		reset    = "AdminResetUserPassword"
		getUser  = "AdminGetUser"
		describe = "DescribeUserPool"
	)
	tests := []struct {
		name     string
		op       string
		fault    faultproxy.Fault
		always   bool
		timeout  time.Duration
		want     error
		is       error // also matched with errors.Is, when set
		as       any   // also matched with errors.As, when set
		requests int   // requests of op that reached the proxy
	}{
		{name: "throttling storm on reset", op: reset, fault: faultproxy.Throttle(), always: true, want: resetpw.ErrThrottled,
			as: new(*types.TooManyRequestsException), requests: 4},
		{name: "throttling storm on read", op: getUser, fault: faultproxy.Throttle(), always: true, want: resetpw.ErrThrottled, requests: 4},
		{name: "one throttle then through", op: reset, fault: faultproxy.Throttle(), requests: 2},
		{name: "attempt limit sent once", op: reset, fault: faultproxy.LimitExceeded(), always: true, want: resetpw.ErrAttemptLimit,
			as: new(*types.LimitExceededException), requests: 1},
		{name: "HTTP 500 on reset, not retried", op: reset, fault: faultproxy.Status500(), want: resetpw.ErrUnavailable, requests: 1},
		{name: "HTTP 500 on read, retried", op: describe, fault: faultproxy.Status500(), requests: 2},
		{name: "HTTP 500 storm on read", op: describe, fault: faultproxy.Status500(), always: true, want: resetpw.ErrUnavailable, requests: 4},
		{name: "InternalErrorException on reset", op: reset, fault: faultproxy.InternalError(), want: resetpw.ErrUnavailable,
			as: new(*types.InternalErrorException), requests: 1},
		{name: "truncated body on reset", op: reset, fault: faultproxy.Truncated(), want: resetpw.ErrUnavailable, requests: 1},
		{name: "truncated body on read", op: describe, fault: faultproxy.Truncated(), always: true, want: resetpw.ErrUnavailable, requests: 4},
		{name: "non-JSON body on read", op: getUser, fault: faultproxy.NotJSON(), always: true, want: resetpw.ErrUnavailable, requests: 4},
		{name: "non-JSON body on reset", op: reset, fault: faultproxy.NotJSON(), want: resetpw.ErrUnavailable, requests: 1},
		{name: "connection reset on reset", op: reset, fault: faultproxy.ConnReset(), want: resetpw.ErrUnavailable, requests: 1},
		{name: "connection reset on read", op: getUser, fault: faultproxy.ConnReset(), requests: 2},
		{name: "slower than the deadline on reset", op: reset, fault: faultproxy.Delay(5 * time.Second), timeout: 200 * time.Millisecond,
			want: resetpw.ErrUnavailable, is: context.DeadlineExceeded, requests: 1},
		{name: "slower than the deadline on read", op: describe, fault: faultproxy.Delay(5 * time.Second), timeout: 200 * time.Millisecond,
			want: resetpw.ErrUnavailable, is: context.DeadlineExceeded, requests: 1},
	}
	for _, backend := range faultBackends() {
		t.Run(backend.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					leakcheck.Check(t)
					url, client, pool := backend.setUp(t)
					proxy, err := faultproxy.New(url)
					require.NoError(t, err)
					t.Cleanup(proxy.Close)
					if tt.always {
						proxy.Always(tt.op, tt.fault)
					} else {
						proxy.Next(tt.op, tt.fault)
					}
					r, err := resetpw.New(client(proxy.URL), resetpw.WithRetries(3, time.Millisecond, 5*time.Millisecond))
					require.NoError(t, err)
					timeout := tt.timeout
					if timeout == 0 {
						timeout = 30 * time.Second
					}
					ctx, cancel := context.WithTimeout(context.Background(), timeout)
					defer cancel()
					res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
					if tt.want == nil {
						require.NoError(t, err)
						assert.NotNil(t, res)
					} else {
						require.ErrorIs(t, err, tt.want)
						var e *resetpw.Error
						require.ErrorAs(t, err, &e)
						assert.NotContains(t, err.Error(), "diego")
					}
					if tt.is != nil {
						assert.ErrorIs(t, err, tt.is)
					}
					if tt.as != nil {
						assert.ErrorAs(t, err, tt.as)
					}
					assert.Equal(t, tt.requests, proxy.Count(tt.op))
				})
			}
		})
	}
}

// perUserFault answers LimitExceededException to resets of the users in
// limited, passes the rest on, and counts reset requests per user.
type perUserFault struct {
	mu      sync.Mutex
	limited map[string]bool
	counts  map[string]int
}

func (p *perUserFault) fault(w http.ResponseWriter, r *http.Request) bool {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	user := ""
	if i := bytes.Index(body, []byte(`"Username":"`)); i >= 0 {
		rest := body[i+len(`"Username":"`):]
		user = string(rest[:bytes.IndexByte(rest, '"')])
	}
	p.mu.Lock()
	p.counts[user]++
	limited := p.limited[user]
	p.mu.Unlock()
	if limited {
		faultproxy.LimitExceeded()(w, r)
		return false // answered here: the server never sees it
	}
	return true
}

// proxiedWorld is bulkWorld behind a Server and a fault proxy.
func proxiedWorld(t *testing.T, n int) (*resetpwtest.Fake, string, *faultproxy.Proxy) {
	f, pool := bulkWorld(t, n)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	proxy, err := faultproxy.New(srv.URL)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	return f, pool, proxy
}

// In bulk, under faults: one outcome per input, none doubled, and never a
// second reset for a user after LimitExceeded.
func TestFaults_Bulk(t *testing.T) {
	leakcheck.Check(t)
	f, pool, proxy := proxiedWorld(t, 60)
	limited := map[string]bool{}
	for i := 0; i < 60; i += 7 {
		limited[fmt.Sprintf("user%04d", i)] = true
	}
	counter := &perUserFault{limited: limited, counts: map[string]int{}}
	proxy.Always("AdminResetUserPassword", counter.fault)
	// Mixed faults on reads and a few throttles on the reset itself.
	proxy.Next("AdminGetUser", faultproxy.Status500(), faultproxy.ConnReset(), faultproxy.Throttle(), faultproxy.NotJSON())
	r, err := resetpw.New(moto.NewClient(proxy.URL, "000000000000"), resetpw.WithRetries(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	names := append(userNames(60), "user0000", "user0007")
	var outs []bulk.Outcome
	sum, err := bulk.Run(context.Background(), r, bulk.Requests(requests(pool, names...)), bulk.Options{Concurrency: 8}, func(o bulk.Outcome) { outs = append(outs, o) })
	require.NoError(t, err)
	assert.Equal(t, seq(len(names)), indexes(outs), "one outcome per input")
	for u := range limited {
		assert.Equal(t, 1, counter.counts[u], "%s: one reset request, then never again", u)
	}
	for u, n := range counter.counts {
		assert.Equal(t, 1, n, "%s reset once", u)
	}
	for _, d := range f.Deliveries() {
		assert.False(t, limited[d.Username], "no code for %s", d.Username)
	}
	assert.Equal(t, len(limited), sum.ByKind[resetpw.ErrAttemptLimit])
	assert.Equal(t, 2, sum.Duplicates)
	assert.Equal(t, 60-len(limited), sum.Sent, "%v", sum.ByKind)
}

func TestFaults_BulkCancelledMidFlight(t *testing.T) {
	leakcheck.Check(t)
	f, pool, proxy := proxiedWorld(t, 100)
	proxy.Always("AdminResetUserPassword", faultproxy.Delay(20*time.Millisecond))
	r, err := resetpw.New(moto.NewClient(proxy.URL, "000000000000"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var outs []bulk.Outcome
	sum, err := bulk.Run(ctx, r, bulk.Requests(requests(pool, userNames(100)...)), bulk.Options{Concurrency: 8, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 30}}, func(o bulk.Outcome) {
		outs = append(outs, o)
		if len(outs) == 15 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, seq(sum.Read), indexes(outs), "an outcome for every input read, none doubled")
	sent, maybe := 0, 0
	for _, o := range outs {
		switch {
		case o.Err == nil:
			sent++
		case resetpw.MaybeSent(o.Err):
			maybe++
			assert.ErrorIs(t, o.Err, resetpw.ErrUnavailable)
			assert.True(t, errors.Is(o.Err, context.Canceled), "%v", o.Err)
		default:
			assert.ErrorIs(t, o.Err, resetpw.ErrRunStopped, "never sent: %v", o.Err)
			assert.True(t, errors.Is(o.Err, context.Canceled), "%v", o.Err)
		}
	}
	assert.LessOrEqual(t, sent, len(f.Deliveries()), "a success outcome means a code was sent")
	assert.LessOrEqual(t, len(f.Deliveries()), sent+maybe, "only outcomes that say a code may have gone out land unseen")
	assert.LessOrEqual(t, maybe, 8, "at most the in-flight requests")
	for _, o := range outs {
		if o.Err != nil {
			assert.NotContains(t, o.Err.Error(), o.Input.Request.Username, "outcome errors are masked")
		}
	}
}
