package wayout_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/faultproxy"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestMain(m *testing.M) { os.Exit(moto.Run(m)) }

// The two ways, each by the operation it sends.
const (
	opInvite = "AdminCreateUser"
	opSet    = "AdminSetUserPassword"
)

// fateEnv is what a fate-matrix row may change before its way is taken.
type fateEnv struct {
	proxy  *faultproxy.Proxy
	action string // where the way's own request goes ("": through the proxy, as every read does)
	opts   []resetpw.Option
	ctx    context.Context
}

// fateRow is one fault on a way's request, and the fate it must get.
type fateRow struct {
	name string
	// want is the fate the wire makes true by construction, "" for success.
	want resetpw.Fate
	// noServer: the fault keeps the request from any server.
	noServer bool
	set      func(t *testing.T, env *fateEnv, op string)
}

// cancelOnRetry is a slog handler that cancels a context when the way
// logs a retry, just before its backoff: the context then ends in the
// backoff, deterministically.
type cancelOnRetry struct{ cancel context.CancelFunc }

func (h cancelOnRetry) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOnRetry) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "cognito call retried" {
		h.cancel()
	}
	return nil
}
func (h cancelOnRetry) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h cancelOnRetry) WithGroup(string) slog.Handler      { return h }

// refusingLimiter refuses every call.
type refusingLimiter struct{}

func (refusingLimiter) Wait(context.Context, quota.Category) error {
	return fmt.Errorf("the shared budget is unreachable")
}

// The rows of a reset's fate matrix (resetpw's TestFateMatrix), the fault
// on the way's own request; the reads of its preflight go through.
func wayFateRows() []fateRow {
	fault := func(f faultproxy.Fault) func(*testing.T, *fateEnv, string) {
		return func(_ *testing.T, env *fateEnv, op string) { env.proxy.Next(op, f) }
	}
	return []fateRow{
		{name: "no fault", set: func(*testing.T, *fateEnv, string) {}},
		{name: "connection refused (listener closed)", want: resetpw.FateNotSent, noServer: true,
			set: func(t *testing.T, env *fateEnv, _ string) {
				u, err := faultproxy.ClosedURL()
				require.NoError(t, err)
				env.action = u
			}},
		{name: "connection reset in the TLS handshake, before the request is written", want: resetpw.FateNotSent, noServer: true,
			set: func(t *testing.T, env *fateEnv, _ string) {
				l, err := faultproxy.NewRSTListener()
				require.NoError(t, err)
				t.Cleanup(l.Close)
				env.action = l.URL
				t.Cleanup(func() { assert.Equal(t, 4, l.Conns(), "a request not sent is retried: 1 + 3 attempts") })
			}},
		{name: "connection reset once the request is written, never forwarded", want: resetpw.FateUnknown, noServer: true,
			set: func(t *testing.T, env *fateEnv, _ string) {
				l, err := faultproxy.NewRSTListener()
				require.NoError(t, err)
				t.Cleanup(l.Close)
				env.action = l.HTTPURL
				t.Cleanup(func() { assert.Equal(t, 1, l.Conns(), "a request that may have been sent is not retried") })
			}},
		{name: "request written, connection cut before processing", want: resetpw.FateUnknown, set: fault(faultproxy.ConnReset())},
		{name: "request written, connection cut after processing", want: resetpw.FateUnknown,
			set: fault(faultproxy.AfterServer(faultproxy.ConnReset()))},
		{name: "5xx (InternalErrorException) after processing", want: resetpw.FateAnswered,
			set: fault(faultproxy.AfterServer(faultproxy.InternalError()))},
		{name: "bare HTTP 500 after processing", want: resetpw.FateAnswered, set: fault(faultproxy.AfterServer(faultproxy.Status500()))},
		{name: "5xx (InternalErrorException) without processing", want: resetpw.FateAnswered, set: fault(faultproxy.InternalError())},
		{name: "TooManyRequestsException, then through", set: fault(faultproxy.Throttle())},
		{name: "TooManyRequestsException on every attempt", want: resetpw.FateAnswered,
			set: func(_ *testing.T, env *fateEnv, op string) { env.proxy.Always(op, faultproxy.Throttle()) }},
		{name: "TooManyRequestsException, then the context ends in the backoff", want: resetpw.FateNotSent,
			set: func(t *testing.T, env *fateEnv, op string) {
				env.proxy.Next(op, faultproxy.Throttle())
				ctx, cancel := context.WithCancel(env.ctx)
				t.Cleanup(cancel)
				env.ctx = ctx
				env.opts = append(env.opts, resetpw.WithLogger(slog.New(cancelOnRetry{cancel})))
			}},
		{name: "answer slower than the deadline, after processing", want: resetpw.FateUnknown,
			set: func(t *testing.T, env *fateEnv, op string) {
				env.proxy.Next(op, faultproxy.AfterServer(faultproxy.Hold()))
				ctx, cancel := context.WithTimeout(env.ctx, time.Second)
				t.Cleanup(cancel)
				env.ctx = ctx
			}},
		{name: "truncated 200 body after processing", want: resetpw.FateAnswered,
			set: fault(faultproxy.AfterServer(faultproxy.Truncated()))},
		{name: "limiter refuses", want: resetpw.FateNotSent, noServer: true,
			set: func(_ *testing.T, env *fateEnv, _ string) {
				env.opts = append(env.opts, resetpw.WithLimiter(refusingLimiter{}))
			}},
	}
}

// wayBackend is a Cognito with one user, "diego", whom op's way takes, and
// the truth: whether the way's request was acted on (an invitation sent,
// a temporary password set), and how many of them reached it (-1: unknown).
type wayBackend struct {
	name  string
	setUp func(t *testing.T, op string) (url string, client func(url string) *cip.Client, pool string, processed func() bool, seen func() int)
}

func wayBackends() []wayBackend {
	return []wayBackend{
		{"server", func(t *testing.T, op string) (string, func(string) *cip.Client, string, func() bool, func() int) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			status := types.UserStatusTypeForceChangePassword
			if op == opSet {
				status = types.UserStatusTypeConfirmed
			}
			_, err := f.AddUser(pool, user("diego", status, true, "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			processed := func() bool { return len(f.Deliveries()) > 0 }
			if op == opSet {
				processed = func() bool { _, _, ok := f.TemporaryPassword(pool, "diego"); return ok }
			}
			return srv.URL, func(url string) *cip.Client { return moto.NewClient(url, "000000000000") }, pool,
				processed, func() int { return srv.Calls(resetpwtest.Operation(op)) }
		}},
		{"moto", func(t *testing.T, op string) (string, func(string) *cip.Client, string, func() bool, func() int) {
			endpoint := moto.Endpoint(t)
			acct := moto.NewAccount()
			c := moto.NewClient(endpoint, acct)
			ctx := moto.Context(t)
			out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("fate")})
			require.NoError(t, err)
			pool := aws.ToString(out.UserPool.Id)
			_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("diego"),
				MessageAction: types.MessageActionTypeSuppress, TemporaryPassword: aws.String("Temp-Passw0rd!"),
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("diego@example.com")},
					{Name: aws.String("email_verified"), Value: aws.String("true")}}})
			require.NoError(t, err)
			if op == opSet {
				_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego"),
					Password: aws.String("Perm-Passw0rd!"), Permanent: true})
				require.NoError(t, err)
			}
			get := func() *cip.AdminGetUserOutput {
				u, err := c.AdminGetUser(moto.Context(t), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
				require.NoError(t, err)
				return u
			}
			sub := func(u *cip.AdminGetUserOutput) string {
				for _, a := range u.UserAttributes {
					if aws.ToString(a.Name) == "sub" {
						return aws.ToString(a.Value)
					}
				}
				return ""
			}
			first := sub(get())
			// moto keeps no record of an invitation or a password: an
			// invitation replaces its user (a new sub, R39 differs), and a
			// temporary password puts a confirmed user in
			// FORCE_CHANGE_PASSWORD (R41).
			processed := func() bool { return sub(get()) != first }
			if op == opSet {
				processed = func() bool { return get().UserStatus == types.UserStatusTypeForceChangePassword }
			}
			return endpoint, func(url string) *cip.Client { return moto.NewClient(url, acct) }, pool, processed, func() int { return -1 }
		}},
	}
}

// redirect sends the ways' own requests to another address, and the reads
// of their preflight on to next.
type redirect struct {
	to   *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	if op := faultproxy.Operation(req); op == opInvite || op == opSet {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host, req.Host = r.to.Scheme, r.to.Host, r.to.Host
	}
	return r.next.RoundTrip(req)
}

// The fate matrix of each way: for each fault on its request, the fate it
// reports (Error.Fate, MaybeSent) against what the server recorded. No
// disagreement: a success means the request was acted on, MaybeSent false
// means it was not, "not sent" means no server saw it, and "unknown" comes
// only where the request was written and no answer read.
func TestWays_FateMatrix(t *testing.T) {
	for _, b := range wayBackends() {
		for _, op := range []string{opInvite, opSet} {
			t.Run(b.name+"/"+op, func(t *testing.T) {
				if b.name == "moto" && !moto.Ready() {
					t.Skip("moto_server is not available: the matrix ran against resetpwtest.Server only")
				}
				var table []string
				disagreements := 0
				for _, row := range wayFateRows() {
					if b.name == "moto" && row.noServer {
						continue // nothing of moto's takes part
					}
					t.Run(row.name, func(t *testing.T) {
						target, client, pool, processed, seen := b.setUp(t, op)
						proxy, err := faultproxy.New(target)
						require.NoError(t, err)
						t.Cleanup(proxy.Close)
						env := &fateEnv{proxy: proxy, ctx: t.Context(),
							opts: []resetpw.Option{resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond)}}
						row.set(t, env, op)
						if env.action != "" {
							to, err := url.Parse(env.action)
							require.NoError(t, err)
							env.opts = append(env.opts, resetpw.WithClientOptions(func(o *cip.Options) {
								o.HTTPClient = &http.Client{Transport: redirect{to: to, next: http.DefaultTransport}}
							}))
						}
						w, err := newWays(client(proxy.URL), env.opts...)
						require.NoError(t, err)
						req := resetpw.Request{UserPoolID: pool, Username: "diego"}
						if op == opInvite {
							_, err = w.InviteAgain(env.ctx, req)
						} else {
							_, err = w.SetTemporaryPassword(env.ctx, req)
						}

						var fate resetpw.Fate
						eop, kind := resetpw.Op(""), "ok"
						if err != nil {
							var e *resetpw.Error
							require.ErrorAs(t, err, &e)
							fate, eop, kind = e.Fate, e.Op, e.Kind.Code()
						}
						maybe := resetpw.MaybeSent(err)
						done, reached := processed(), seen()
						var why []string
						if err == nil && !done {
							why = append(why, "success, but nothing was done")
						}
						if err != nil && !maybe && done {
							why = append(why, "MaybeSent false, but the request was acted on")
						}
						if maybe && row.want == resetpw.FateNotSent {
							why = append(why, "MaybeSent true, but the request never reached a server")
						}
						if !maybe && row.want == resetpw.FateUnknown {
							why = append(why, "MaybeSent false, but the request was written and no answer read")
						}
						if fate == resetpw.FateNotSent && reached > 0 {
							why = append(why, "not sent, but the server saw the request")
						}
						if fate != row.want {
							why = append(why, fmt.Sprintf("fate %q, want %q", fate, row.want))
						}
						if len(why) > 0 {
							disagreements++
							t.Errorf("disagreement: %s (err: %v)", strings.Join(why, "; "), err)
						}
						show := string(fate)
						if err == nil {
							show = "(success)"
						}
						table = append(table, fmt.Sprintf("| %-70s | %-12s | %-30s | %-9v | %-5v | %s |",
							row.name, eop, kind+" / "+show, maybe, done, seenText(reached)))
					})
				}
				t.Logf("fate matrix of %s against %s (%d disagreements):\n| %-70s | %-12s | %-30s | %-9s | %-5s | %s |\n%s", op, b.name, disagreements,
					"fault", "Op", "kind / fate", "MaybeSent", "acted", "requests seen by the server", strings.Join(table, "\n"))
				assert.Zero(t, disagreements)
			})
		}
	}
}

func seenText(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// The rows of the fate matrix the Fake itself plays, given to Ways as its
// API (no wire between them): its failure injection before the request is
// processed, and an answer that comes after the caller gave up.
func TestWays_FateMatrixOnTheFake(t *testing.T) {
	rows := []struct {
		name string
		set  func(t *testing.T, f *resetpwtest.Fake, op string, env *fateEnv)
		want resetpw.Fate // "" for success
	}{
		{name: "no fault", set: func(*testing.T, *resetpwtest.Fake, string, *fateEnv) {}},
		{name: "5xx (InternalErrorException) without processing", want: resetpw.FateAnswered,
			set: func(_ *testing.T, f *resetpwtest.Fake, op string, _ *fateEnv) {
				f.FailNext(resetpwtest.Operation(op), 1, &types.InternalErrorException{Message: aws.String("boom")})
			}},
		{name: "TooManyRequestsException, then through",
			set: func(_ *testing.T, f *resetpwtest.Fake, op string, _ *fateEnv) {
				f.FailNext(resetpwtest.Operation(op), 1, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
			}},
		{name: "TooManyRequestsException on every attempt", want: resetpw.FateAnswered,
			set: func(_ *testing.T, f *resetpwtest.Fake, op string, _ *fateEnv) {
				f.FailNext(resetpwtest.Operation(op), 100, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
			}},
		{name: "TooManyRequestsException, then the context ends in the backoff", want: resetpw.FateNotSent,
			set: func(t *testing.T, f *resetpwtest.Fake, op string, env *fateEnv) {
				f.FailNext(resetpwtest.Operation(op), 1, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
				ctx, cancel := context.WithCancel(env.ctx)
				t.Cleanup(cancel)
				env.ctx = ctx
				env.opts = append(env.opts, resetpw.WithLogger(slog.New(cancelOnRetry{cancel})))
			}},
		{name: "answer slower than the deadline, after processing", want: resetpw.FateUnknown,
			set: func(t *testing.T, f *resetpwtest.Fake, _ string, env *fateEnv) {
				f.DelayAnswers(time.Hour)
				ctx, cancel := context.WithTimeout(env.ctx, 300*time.Millisecond)
				t.Cleanup(cancel)
				env.ctx = ctx
			}},
		{name: "limiter refuses", want: resetpw.FateNotSent,
			set: func(_ *testing.T, _ *resetpwtest.Fake, _ string, env *fateEnv) {
				env.opts = append(env.opts, resetpw.WithLimiter(refusingLimiter{}))
			}},
	}
	for _, op := range []string{opInvite, opSet} {
		t.Run(op, func(t *testing.T) {
			disagreements := 0
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{})
					status := types.UserStatusTypeForceChangePassword
					if op == opSet {
						status = types.UserStatusTypeConfirmed
					}
					_, err := f.AddUser(pool, user("diego", status, true, "email", "diego@example.com", "email_verified", "true"))
					require.NoError(t, err)
					env := &fateEnv{ctx: t.Context(), opts: []resetpw.Option{resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond)}}
					row.set(t, f, op, env)
					w, err := newWays(f, env.opts...)
					require.NoError(t, err)
					req := resetpw.Request{UserPoolID: pool, Username: "diego"}
					if op == opInvite {
						_, err = w.InviteAgain(env.ctx, req)
					} else {
						_, err = w.SetTemporaryPassword(env.ctx, req)
					}
					done := len(f.Deliveries()) > 0
					if op == opSet {
						_, _, done = f.TemporaryPassword(pool, "diego")
					}
					var fate resetpw.Fate
					if err != nil {
						var e *resetpw.Error
						require.ErrorAs(t, err, &e)
						fate = e.Fate
					}
					maybe := resetpw.MaybeSent(err)
					var why []string
					if err == nil && !done {
						why = append(why, "success, but nothing was done")
					}
					if err != nil && !maybe && done {
						why = append(why, "MaybeSent false, but the request was acted on")
					}
					if maybe && row.want == resetpw.FateNotSent {
						why = append(why, "MaybeSent true, but nothing was sent")
					}
					if !maybe && row.want == resetpw.FateUnknown {
						why = append(why, "MaybeSent false, but no answer was read")
					}
					if fate != row.want {
						why = append(why, fmt.Sprintf("fate %q, want %q", fate, row.want))
					}
					if len(why) > 0 {
						disagreements++
						t.Errorf("disagreement: %s (err: %v)", strings.Join(why, "; "), err)
					}
				})
			}
			assert.Zero(t, disagreements)
		})
	}
}
