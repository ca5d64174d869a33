package resetpw_test

import (
	"context"
	"fmt"
	"log/slog"
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
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// cancelOnRetry is a slog handler that cancels a context when the Resetter
// logs a retry, that is, just before its backoff: the context then ends in
// the backoff, deterministically.
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

// fateEnv is what a fate-matrix row may change before its Reset.
type fateEnv struct {
	proxy    *faultproxy.Proxy
	endpoint string // the client's endpoint: the proxy's, unless the row breaks the connection itself
	opts     []resetpw.Option
	ctx      context.Context
}

const opReset = "AdminResetUserPassword"

// fateRow is one fault at one step of a reset, and the fate it must get.
type fateRow struct {
	name      string
	step      string // the operation the fault hits
	preflight bool   // PreflightFull; otherwise PreflightOff, so that the fault meets the reset
	// want is the fate the wire makes true by construction, "" for success.
	want resetpw.Fate
	// noServer: the fault keeps the request from any server (moto need not
	// take part).
	noServer bool
	set      func(t *testing.T, env *fateEnv)
}

func fateRows() []fateRow {
	fault := func(op string, f faultproxy.Fault) func(*testing.T, *fateEnv) {
		return func(_ *testing.T, env *fateEnv) { env.proxy.Next(op, f) }
	}
	always := func(op string, f faultproxy.Fault) func(*testing.T, *fateEnv) {
		return func(_ *testing.T, env *fateEnv) { env.proxy.Always(op, f) }
	}
	return []fateRow{
		{name: "no fault", step: opReset, set: func(*testing.T, *fateEnv) {}},
		{name: "connection refused (listener closed)", step: "connect", want: resetpw.FateNotSent, noServer: true,
			set: func(t *testing.T, env *fateEnv) {
				u, err := faultproxy.ClosedURL()
				require.NoError(t, err)
				env.endpoint = u
			}},
		{name: "connection reset in the TLS handshake, before the request is written", step: "connect", want: resetpw.FateNotSent, noServer: true,
			set: func(t *testing.T, env *fateEnv) {
				l, err := faultproxy.NewRSTListener()
				require.NoError(t, err)
				t.Cleanup(l.Close)
				env.endpoint = l.URL
				t.Cleanup(func() { assert.Equal(t, 4, l.Conns(), "a reset that was not sent is retried: 1 + 3 attempts") })
			}},
		{name: "connection reset once the request is written, never forwarded", step: "connect", want: resetpw.FateUnknown, noServer: true,
			set: func(t *testing.T, env *fateEnv) {
				l, err := faultproxy.NewRSTListener()
				require.NoError(t, err)
				t.Cleanup(l.Close)
				env.endpoint = l.HTTPURL
				t.Cleanup(func() { assert.Equal(t, 1, l.Conns(), "a reset that may have been sent is not retried") })
			}},
		{name: "request written, connection cut before the answer, not processed", step: opReset, want: resetpw.FateUnknown,
			set: fault(opReset, faultproxy.ConnReset())},
		{name: "request written, connection cut after processing", step: opReset, want: resetpw.FateUnknown,
			set: fault(opReset, faultproxy.AfterServer(faultproxy.ConnReset()))},
		{name: "5xx (InternalErrorException) after processing", step: opReset, want: resetpw.FateAnswered,
			set: fault(opReset, faultproxy.AfterServer(faultproxy.InternalError()))},
		{name: "bare HTTP 500 after processing", step: opReset, want: resetpw.FateAnswered,
			set: fault(opReset, faultproxy.AfterServer(faultproxy.Status500()))},
		{name: "5xx (InternalErrorException) without processing", step: opReset, want: resetpw.FateAnswered,
			set: fault(opReset, faultproxy.InternalError())},
		{name: "TooManyRequestsException, then through", step: opReset,
			set: fault(opReset, faultproxy.Throttle())},
		{name: "TooManyRequestsException on every attempt", step: opReset, want: resetpw.FateAnswered,
			set: always(opReset, faultproxy.Throttle())},
		{name: "TooManyRequestsException, then the context ends in the backoff", step: opReset, want: resetpw.FateNotSent,
			set: func(t *testing.T, env *fateEnv) {
				env.proxy.Next(opReset, faultproxy.Throttle())
				ctx, cancel := context.WithCancel(env.ctx)
				t.Cleanup(cancel)
				env.ctx = ctx
				env.opts = append(env.opts, resetpw.WithLogger(slog.New(cancelOnRetry{cancel})))
			}},
		{name: "answer slower than the deadline, after processing", step: opReset, want: resetpw.FateUnknown,
			set: func(t *testing.T, env *fateEnv) {
				env.proxy.Next(opReset, faultproxy.AfterServer(faultproxy.Hold()))
				ctx, cancel := context.WithTimeout(env.ctx, time.Second)
				t.Cleanup(cancel)
				env.ctx = ctx
			}},
		{name: "reused connection cut after processing, made replayable by a middleware", step: opReset, preflight: true,
			want: resetpw.FateUnknown,
			set: func(t *testing.T, env *fateEnv) {
				env.proxy.Next(opReset, faultproxy.AfterServer(faultproxy.ConnReset()))
				env.opts = append(env.opts, resetpw.WithClientOptions(replayable))
			}},
		{name: "truncated 200 body after processing", step: opReset, want: resetpw.FateAnswered,
			set: fault(opReset, faultproxy.AfterServer(faultproxy.Truncated()))},
		{name: "LimitExceededException", step: opReset, want: resetpw.FateAnswered,
			set: fault(opReset, faultproxy.LimitExceeded())},
		{name: "limiter refuses", step: "pace", want: resetpw.FateNotSent, noServer: true,
			set: func(_ *testing.T, env *fateEnv) { env.opts = append(env.opts, resetpw.WithLimiter(&refusingLimiter{})) }},
		{name: "context ended before the reset", step: "validate", want: resetpw.FateNotSent, noServer: true,
			set: func(t *testing.T, env *fateEnv) {
				ctx, cancel := context.WithCancel(env.ctx)
				cancel()
				env.ctx = ctx
			}},
		{name: "AdminGetUser cut after processing, every attempt", step: "AdminGetUser", preflight: true, want: resetpw.FateUnknown,
			set: always("AdminGetUser", faultproxy.AfterServer(faultproxy.ConnReset()))},
		{name: "AdminGetUser 5xx once, then through", step: "AdminGetUser", preflight: true,
			set: fault("AdminGetUser", faultproxy.InternalError())},
	}
}

// fateBackend is a Cognito with one resettable user, "diego", and a way to
// learn the truth: how many codes it sent him (moto: 1 when his status is
// RESET_REQUIRED), and how many reset requests reached it (-1: unknown).
type fateBackend struct {
	name  string
	setUp func(t *testing.T) (url string, client func(url string) *cip.Client, pool string, codes, requests func() int)
}

func fateBackends() []fateBackend {
	return []fateBackend{
		{"server", func(t *testing.T) (string, func(string) *cip.Client, string, func() int, func() int) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			return srv.URL, func(url string) *cip.Client { return moto.NewClient(url, "000000000000") }, pool,
				func() int { return len(f.Deliveries()) },
				func() int { return srv.Calls("AdminResetUserPassword") }
		}},
		{"moto", func(t *testing.T) (string, func(string) *cip.Client, string, func() int, func() int) {
			endpoint := moto.Endpoint(t)
			acct := moto.NewAccount()
			c := moto.NewClient(endpoint, acct)
			pool := createPool(t, c, cip.CreateUserPoolInput{})
			createUser(t, c, pool, motoUser{name: "diego", attrs: verifiedEmail("diego@example.com"), confirm: true})
			return endpoint, func(url string) *cip.Client { return moto.NewClient(url, acct) }, pool,
				func() int {
					out, err := c.AdminGetUser(moto.Context(t), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
					require.NoError(t, err)
					if out.UserStatus == types.UserStatusTypeResetRequired {
						return 1
					}
					return 0
				},
				func() int { return -1 }
		}},
	}
}

// The fate matrix: for each fault at each step of a reset, the fate the
// library reports (Error.Fate, MaybeSent) against what the server recorded.
// No disagreement: MaybeSent false means no code was sent, a success means
// exactly one, "not sent" means the server never saw the reset and
// MaybeSent is false, and "unknown" (MaybeSent true) comes only where the
// request was written and no answer read.
func TestFateMatrix(t *testing.T) {
	for _, b := range fateBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "moto" && !moto.Ready() {
				t.Skip("moto_server is not available: the matrix ran against resetpwtest.Server only")
			}
			var table []string
			disagreements := 0
			for _, row := range fateRows() {
				if b.name == "moto" && row.noServer {
					continue // nothing of moto's takes part
				}
				t.Run(row.name, func(t *testing.T) {
					url, client, pool, codes, requests := b.setUp(t)
					proxy, err := faultproxy.New(url)
					require.NoError(t, err)
					t.Cleanup(proxy.Close)
					env := &fateEnv{proxy: proxy, endpoint: proxy.URL, ctx: t.Context(),
						opts: []resetpw.Option{resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond), resetpw.WithPreflight(resetpw.PreflightOff)}}
					if row.preflight {
						env.opts[1] = resetpw.WithPreflight(resetpw.PreflightFull)
					}
					row.set(t, env)
					r, err := resetpw.New(client(env.endpoint), env.opts...)
					require.NoError(t, err)
					_, err = r.Reset(env.ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})

					var fate resetpw.Fate
					op, kind := resetpw.Op(""), "ok"
					if err != nil {
						var e *resetpw.Error
						require.ErrorAs(t, err, &e)
						fate, op, kind = e.Fate, e.Op, e.Kind.Code()
					}
					maybe := resetpw.MaybeSent(err)
					sent, seen := codes(), requests()
					var why []string
					if err == nil && sent != 1 {
						why = append(why, fmt.Sprintf("success, but %d codes", sent))
					}
					if err != nil && !maybe && sent > 0 {
						why = append(why, "MaybeSent false, but a code was sent")
					}
					if maybe && row.want == resetpw.FateNotSent {
						why = append(why, "MaybeSent true, but the reset never reached a server")
					}
					if !maybe && row.want == resetpw.FateUnknown && op == resetpw.OpReset {
						why = append(why, "MaybeSent false, but the reset was written and no answer read")
					}
					if fate == resetpw.FateNotSent && seen > 0 && row.step == opReset {
						why = append(why, "not sent, but the server saw the reset")
					}
					if (fate == resetpw.FateUnknown) != (row.want == resetpw.FateUnknown) {
						why = append(why, "unknown where the wire says otherwise")
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
					table = append(table, fmt.Sprintf("| %-72s | %-22s | %-9s | %-24s | %-9v | %-10d | %s |",
						row.name, row.step, op, kind+" / "+show, maybe, sent, seenText(seen)))
				})
			}
			t.Logf("fate matrix against %s (%d disagreements):\n| %-72s | %-22s | %-9s | %-24s | %-9s | %-10s | %s |\n%s", b.name, disagreements,
				"fault", "step", "Op", "kind / fate", "MaybeSent", "codes sent", "resets seen by the server", strings.Join(table, "\n"))
			assert.Zero(t, disagreements)
		})
	}
}

func seenText(n int) string {
	if n < 0 {
		return "-"
	}
	return fmt.Sprint(n)
}
