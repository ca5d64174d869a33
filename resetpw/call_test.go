package resetpw_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/faultproxy"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// countingServer is a Cognito endpoint on loopback that answers every
// request with answer and counts requests per operation.
type countingServer struct {
	URL    string
	mu     sync.Mutex
	counts map[string]int
}

func newCountingServer(t *testing.T, answer http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{counts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		s.mu.Lock()
		s.counts[target[strings.LastIndexByte(target, '.')+1:]]++
		s.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *countingServer) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

func answer500(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-ErrorType", "InternalErrorException")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, `{"__type":"InternalErrorException","message":"An internal error occurred."}`)
}

func answerBare500(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, "<html>Internal Server Error</html>")
}

// sdkClient is the real SDK client for url with static test credentials;
// base sets fields of the client's Options before New resolves them (as
// NewFromConfig does), optFns apply after.
func sdkClient(url string, base func(*cip.Options), optFns ...func(*cip.Options)) *cip.Client {
	o := cip.Options{
		Region:       "us-west-2",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	if base != nil {
		base(&o)
	}
	return cip.New(o, optFns...)
}

// retryingMiddleware is an APIOptions middleware that sends each request n
// times, as a caller's home-made retry would: it calls the next handler
// again while it fails.
func retryingMiddleware(n int) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Finalize.Add(middleware.FinalizeMiddlewareFunc("homeMadeRetry",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				var out middleware.FinalizeOutput
				var md middleware.Metadata
				var err error
				for range n {
					if out, md, err = next.HandleFinalize(ctx, in); err == nil {
						break
					}
				}
				return out, md, err
			}), middleware.After)
	}
}

// No client setting and no per-call option makes one Reset send
// AdminResetUserPassword twice: against an endpoint that answers 500, each
// knob, on the client and through WithClientOptions, gives one request.
func TestOneRequestPerReset_RetryKnobs(t *testing.T) {
	knobs := []struct {
		name string
		base func(*cip.Options) // on the client, before New resolves the retryer
		opt  func(*cip.Options) // on the client after New, or per call
	}{
		{"RetryMaxAttempts 5", func(o *cip.Options) { o.RetryMaxAttempts = 5 }, func(o *cip.Options) { o.RetryMaxAttempts = 5 }},
		{"RetryMode adaptive", func(o *cip.Options) { o.RetryMode = aws.RetryModeAdaptive; o.RetryMaxAttempts = 5 },
			func(o *cip.Options) {
				o.RetryMode = aws.RetryModeAdaptive
				o.Retryer = retry.NewAdaptiveMode(func(a *retry.AdaptiveModeOptions) {
					a.StandardOptions = append(a.StandardOptions, func(s *retry.StandardOptions) { s.MaxAttempts = 5 })
				})
			}},
		{"custom Retryer, 10 attempts", func(o *cip.Options) {
			o.Retryer = retry.NewStandard(func(s *retry.StandardOptions) { s.MaxAttempts = 10 })
		}, func(o *cip.Options) {
			o.Retryer = retry.NewStandard(func(s *retry.StandardOptions) { s.MaxAttempts = 10 })
		}},
		{"APIOptions middleware that retries", func(o *cip.Options) { o.APIOptions = append(o.APIOptions, retryingMiddleware(4)) },
			func(o *cip.Options) { o.APIOptions = append(o.APIOptions, retryingMiddleware(4)) }},
	}
	answers := []struct {
		name   string
		answer http.HandlerFunc
	}{{"InternalErrorException", answer500}, {"bare 500", answerBare500}}
	for _, a := range answers {
		for _, k := range knobs {
			for _, where := range []string{"client Options", "client option func", "WithClientOptions"} {
				t.Run(a.name+"/"+k.name+"/"+where, func(t *testing.T) {
					srv := newCountingServer(t, a.answer)
					var client *cip.Client
					var opts []resetpw.Option
					switch where {
					case "client Options":
						client = sdkClient(srv.URL, k.base)
					case "client option func":
						client = sdkClient(srv.URL, nil, k.opt)
					default:
						client = sdkClient(srv.URL, nil)
						opts = append(opts, resetpw.WithClientOptions(k.opt))
					}
					r, err := resetpw.New(client, append(opts, resetpw.WithPreflight(resetpw.PreflightOff),
						resetpw.WithRetries(3, time.Millisecond, time.Millisecond))...)
					require.NoError(t, err)
					_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
					require.ErrorIs(t, err, resetpw.ErrUnavailable)
					assert.Equal(t, 1, srv.count("AdminResetUserPassword"), "one request for one Reset")
					var e *resetpw.Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, resetpw.FateAnswered, e.Fate)
					assert.True(t, resetpw.MaybeSent(err), "a 5xx may have been processed")
					if !strings.HasPrefix(k.name, "APIOptions") {
						// The SDK made one attempt: the wire had no second request to refuse.
						assert.NotContains(t, err.Error(), "second HTTP request")
					}
				})
			}
		}
	}
}

// The same knobs leave reads retried by the library alone: a read that
// fails with 500 is sent 1 + WithMaxThrottleRetries times, never more.
func TestReadRetries_RetryKnobs(t *testing.T) {
	srv := newCountingServer(t, answer500)
	client := sdkClient(srv.URL, func(o *cip.Options) { o.RetryMaxAttempts = 5 })
	r, err := resetpw.New(client, resetpw.WithRetries(2, time.Millisecond, time.Millisecond),
		resetpw.WithClientOptions(func(o *cip.Options) { o.APIOptions = append(o.APIOptions, retryingMiddleware(4)) }))
	require.NoError(t, err)
	_, err = r.CheckPool(t.Context(), "us-west-2_aaaaaaaaa")
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.Equal(t, 3, srv.count("DescribeUserPool"), "one request per library attempt")
	assert.Equal(t, 5, client.Options().RetryMaxAttempts, "the caller's client is unchanged")
}

// CheckPool's DescribeUserPool draws on WithLimiter's budget, like every
// other Cognito call; a refusing limiter sends nothing.
func TestCheckPool_ThroughLimiter(t *testing.T) {
	f, pool := errorsFixture(t)
	lim := &countingLimiter{}
	r, err := resetpw.New(f, resetpw.WithLimiter(lim))
	require.NoError(t, err)
	_, err = r.CheckPool(t.Context(), pool)
	require.NoError(t, err)
	assert.Equal(t, map[quota.Category]int{quota.CategoryUserPoolRead: 1}, lim.counts())
	assert.Equal(t, 1, f.Calls("DescribeUserPool"))

	refusing := &refusingLimiter{}
	r, err = resetpw.New(f, resetpw.WithLimiter(refusing))
	require.NoError(t, err)
	_, err = r.CheckPool(t.Context(), pool)
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.Equal(t, 1, refusing.waits)
	assert.Equal(t, 1, f.Calls("DescribeUserPool"), "nothing sent")
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.FateNotSent, e.Fate)
}

// lateClient is an API that adds an option after the Resetter's, putting
// an HTTP client of its own in place of the Resetter's wire.
type lateClient struct{ *cip.Client }

func (c lateClient) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	return c.Client.AdminResetUserPassword(ctx, in, append(o, func(o *cip.Options) { o.HTTPClient = &http.Client{} })...)
}

// When something after the Resetter's option replaces its HTTP client, the
// wire sees nothing: a transport failure then may have sent the reset
// (FateUnknown), and it is not retried.
func TestFate_HTTPClientReplacedAfterTheWire(t *testing.T) {
	l, err := faultproxy.NewRSTListener()
	require.NoError(t, err)
	t.Cleanup(l.Close)
	r, err := resetpw.New(lateClient{sdkClient(l.HTTPURL, nil)}, resetpw.WithPreflight(resetpw.PreflightOff),
		resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.FateUnknown, e.Fate)
	assert.True(t, resetpw.MaybeSent(err))
	assert.Equal(t, 1, l.Conns(), "not retried")
}

// Through a proxy in front of moto, with the real SDK client: a
// LimitExceededException is sent exactly once, and a throttled reset is
// retried until it goes through.
func TestRetrySafety_ThroughProxy(t *testing.T) {
	endpoint := moto.Endpoint(t)
	proxy, err := faultproxy.New(endpoint)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	acct := moto.NewAccount()
	direct := moto.NewClient(endpoint, acct)
	viaProxy := moto.NewClient(proxy.URL, acct)

	pool := createPool(t, direct, cip.CreateUserPoolInput{})
	createUser(t, direct, pool, motoUser{name: "diego", attrs: verifiedEmail("diego@example.com"), confirm: true})
	createUser(t, direct, pool, motoUser{name: "maria", attrs: verifiedEmail("maria@example.com"), confirm: true})
	r, err := resetpw.New(viaProxy, resetpw.WithRetries(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	const op = "AdminResetUserPassword"

	t.Run("LimitExceeded is sent once", func(t *testing.T) {
		before := proxy.Count(op)
		proxy.Next(op, faultproxy.LimitExceeded(), faultproxy.LimitExceeded(), faultproxy.LimitExceeded())
		_, err := r.Reset(moto.Context(t), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.ErrorIs(t, err, resetpw.ErrAttemptLimit)
		assert.ErrorAs(t, err, new(*types.LimitExceededException))
		assert.Equal(t, 1, proxy.Count(op)-before, "one request, no retry")
		proxy.Reset(op) // the two unused faults
	})
	t.Run("throttled reset is retried", func(t *testing.T) {
		before := proxy.Count(op)
		proxy.Next(op, faultproxy.Throttle(), faultproxy.Throttle())
		res, err := r.Reset(moto.Context(t), resetpw.Request{UserPoolID: pool, Username: "maria"})
		require.NoError(t, err)
		assert.Equal(t, 3, proxy.Count(op)-before, "two throttled, one through")
		got, err := direct.AdminGetUser(moto.Context(t), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(res.Username)})
		require.NoError(t, err)
		assert.Equal(t, types.UserStatusTypeResetRequired, got.UserStatus)
	})
	t.Run("the caller's client keeps its own retryer", func(t *testing.T) {
		assert.Equal(t, 3, viaProxy.Options().Retryer.MaxAttempts(), "the SDK default, untouched")
	})
}

// replayable is a client option whose Build middleware makes each request
// one that net/http may send again by itself: a GetBody that rewinds the
// body, and an Idempotency-Key header, as a caller's middleware might add.
func replayable(o *cip.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("replayable",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				req := in.Request.(*smithyhttp.Request)
				body, err := io.ReadAll(req.GetStream())
				if err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, err
				}
				if req, err = req.SetStream(bytes.NewReader(body)); err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, err
				}
				req.Header.Set("Idempotency-Key", "caller-key")
				req.Request.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
				in.Request = req
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	})
}

// net/http sends a request again by itself only when it can rewind the
// body (Request.GetBody): after a 307 or 308, and on a reused connection
// that failed (with an Idempotency-Key, even after the request was
// written). The SDK sets no GetBody; a caller's middleware may, and the
// wire takes it off, so that neither sends a reset twice.
func TestOneRequestPerReset_NoReplayByNetHTTP(t *testing.T) {
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			var redirected sync.Once
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				done := true
				redirected.Do(func() { done = false })
				if !done {
					http.Redirect(w, r, "/again", code)
					return
				}
				answer500(w, r)
			})
			r, err := resetpw.New(sdkClient(srv.URL, nil), resetpw.WithPreflight(resetpw.PreflightOff), resetpw.WithClientOptions(replayable))
			require.NoError(t, err)
			_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
			require.ErrorIs(t, err, resetpw.ErrUnavailable)
			assert.Equal(t, 1, srv.count("AdminResetUserPassword"), "the redirect is not followed with the body")
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.FateAnswered, e.Fate)
			assert.True(t, resetpw.MaybeSent(err))
		})
	}
	t.Run("reused connection cut after processing", func(t *testing.T) {
		f, pool, p := proxiedFixture(t)
		p.Next(opReset, faultproxy.AfterServer(faultproxy.ConnReset()))
		// The preflight reads the pool and the user first, so that the reset
		// goes out on a reused connection: the one net/http would retry on.
		r, err := resetpw.New(sdkClient(p.URL, nil), resetpw.WithClientOptions(replayable))
		require.NoError(t, err)
		_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.ErrorIs(t, err, resetpw.ErrUnavailable)
		assert.Len(t, f.Deliveries(), 1, "one code")
		assert.Equal(t, 1, p.Count(opReset), "one reset request")
		var e *resetpw.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, resetpw.FateUnknown, e.Fate)
		assert.True(t, resetpw.MaybeSent(err))
	})
}

// When an HTTP client put in place of the wire is still waiting for the
// answer as the deadline passes, the SDK reports the cancellation, not a
// send failure: the reset, written and processed, is unknown, not answered
// (no status line was read) and never not sent.
func TestFate_HTTPClientReplacedAfterTheWire_Deadline(t *testing.T) {
	f, pool, p := proxiedFixture(t)
	p.Next(opReset, faultproxy.AfterServer(faultproxy.Hold()))
	r, err := resetpw.New(lateClient{sdkClient(p.URL, nil)}, resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	require.Len(t, f.Deliveries(), 1, "the server sent the code")
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.FateUnknown, e.Fate)
	assert.True(t, resetpw.MaybeSent(err))
}

// droppingClient is an API that drops the per-call options: the Resetter's
// wire never runs, and the fate is read from the error alone.
type droppingClient struct{ *cip.Client }

func (c droppingClient) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	return c.Client.AdminResetUserPassword(ctx, in, func(o *cip.Options) { o.Retryer = aws.NopRetryer{} })
}

// Read from the error alone, a connection cut once the request was written
// is unknown: the SDK's ResponseError around a send failure (status 0) is
// no answer.
func TestFate_OptionsDropped(t *testing.T) {
	l, err := faultproxy.NewRSTListener()
	require.NoError(t, err)
	t.Cleanup(l.Close)
	r, err := resetpw.New(droppingClient{sdkClient(l.HTTPURL, nil)}, resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.FateUnknown, e.Fate)
	assert.True(t, resetpw.MaybeSent(err))
	assert.Equal(t, 1, l.Conns())
}

// droppingAll is an API that drops the per-call options and keeps the
// client's retryer.
type droppingAll struct{ *cip.Client }

func (c droppingAll) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	return c.Client.AdminResetUserPassword(ctx, in)
}

// The limit README and R29 state: an API of the caller's own that drops the
// per-call options gets the client's retryer back (the standard one: three
// attempts on a 500). The fate, read from the error, is still the safe one.
func TestOneRequestPerReset_OptionsDroppedIsBeyondReach(t *testing.T) {
	srv := newCountingServer(t, answer500)
	r, err := resetpw.New(droppingAll{sdkClient(srv.URL, nil)}, resetpw.WithPreflight(resetpw.PreflightOff))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	require.ErrorIs(t, err, resetpw.ErrUnavailable)
	assert.Equal(t, 3, srv.count("AdminResetUserPassword"), "the client's own retries, out of the Resetter's reach")
	assert.True(t, resetpw.MaybeSent(err))
}
