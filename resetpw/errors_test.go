package resetpw_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/quota/redisquota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// refusingLimiter refuses every call, counting them.
type refusingLimiter struct{ waits int }

func (l *refusingLimiter) Wait(context.Context, quota.Category) error {
	l.waits++
	return errors.New("the shared budget is unreachable")
}

// errorsFixture is a Fake with one pool ("diego" resettable by email).
func errorsFixture(t *testing.T) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	return f, pool
}

// The README says every error is a *resetpw.Error: for every exported
// function and method that returns one, errors.As holds, with a kind; option
// errors are ErrConfig at OpValidate, their text naming the option.
func TestEveryErrorIsAnError(t *testing.T) {
	none := slices.Values([]resetpw.Request(nil))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	newR := func(t *testing.T, opts ...resetpw.Option) (*resetpw.Resetter, *resetpwtest.Fake, string) {
		f, pool := errorsFixture(t)
		r, err := resetpw.New(f, append([]resetpw.Option{resetpw.WithRetries(3, time.Millisecond, time.Millisecond)}, opts...)...)
		require.NoError(t, err)
		return r, f, pool
	}
	newOpt := func(o resetpw.Option) func(t *testing.T) error {
		return func(t *testing.T) error {
			f, _ := errorsFixture(t)
			_, err := resetpw.New(f, o)
			return err
		}
	}
	tests := []struct {
		name   string
		run    func(t *testing.T) error
		kind   resetpw.Kind
		option string // for configuration errors: the option the text names
	}{
		{"New(nil)", func(t *testing.T) error { _, err := resetpw.New(nil); return err }, resetpw.ErrConfig, "New"},
		{"New(api, nil)", newOpt(nil), resetpw.ErrConfig, "New"},
		{"WithMetadataPolicy", newOpt(resetpw.WithMetadataPolicy(metadata.Policy{MaxPairs: -1})), resetpw.ErrConfig, "WithMetadataPolicy"},
		{"WithPreflight", newOpt(resetpw.WithPreflight(resetpw.Preflight("partial"))), resetpw.ErrConfig, "WithPreflight"},
		{"WithPoolCacheTTL", newOpt(resetpw.WithPoolCacheTTL(0)), resetpw.ErrConfig, "WithPoolCacheTTL"},
		{"WithSandboxVerifiedNumbers", newOpt(groundtruth.WithSandboxNumbers("not a number")), resetpw.ErrConfig, "WithSandboxNumbers"},
		{"WithAliasOptions", newOpt(resetpw.WithAliasOptions(alias.Options{DefaultCountryCode: "0x"})), resetpw.ErrConfig, "WithAliasOptions"},
		{"WithLogger", newOpt(resetpw.WithLogger(nil)), resetpw.ErrConfig, "WithLogger"},
		{"WithLogAttrs", newOpt(resetpw.WithLogAttrs(nil)), resetpw.ErrConfig, "WithLogAttrs"},
		{"WithMaxThrottleRetries", newOpt(resetpw.WithRetries(-1, 100*time.Millisecond, 2*time.Second)), resetpw.ErrConfig, "WithRetries"},
		{"WithClientOptions", newOpt(resetpw.WithClientOptions(nil)), resetpw.ErrConfig, "WithClientOptions"},
		{"WithLimiter", newOpt(resetpw.WithLimiter(nil)), resetpw.ErrConfig, "WithLimiter"},
		{"WithBackoff", newOpt(resetpw.WithRetries(3, -1, -1)), resetpw.ErrConfig, "WithRetries"},
		{"WithSNS", newOpt(groundtruth.WithSNS(nil)), resetpw.ErrConfig, "WithSNS"},
		{"WithSES", newOpt(groundtruth.WithSES(nil)), resetpw.ErrConfig, "WithSES"},
		{"Preflight from a flag", newOpt(resetpw.WithPreflight(resetpw.Preflight("most"))), resetpw.ErrConfig, "WithPreflight"},
		{"redisquota.New(nil)", func(t *testing.T) error {
			_, err := redisquota.New(nil, redisquota.Options{Account: "1", Region: "us-west-2"})
			require.ErrorIs(t, err, resetpw.ErrConfig)
			return err
		}, resetpw.ErrConfig, "client"},
		{"redisquota.New without Account", func(t *testing.T) error {
			_, err := redisquota.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), redisquota.Options{})
			return err
		}, resetpw.ErrConfig, "Options.Account"},
		{"redisquota.Limiter.Wait: Redis down", func(t *testing.T) error {
			return redisDown(t).Wait(t.Context(), quota.CategoryUserRead)
		}, resetpw.ErrUnavailable, ""},
		{"redisquota.Limiter.TakeEmail: Redis down", func(t *testing.T) error {
			_, _, err := redisDown(t).TakeEmail(t.Context(), "1", "us-west-2", 50, time.Now())
			return err
		}, resetpw.ErrUnavailable, ""},
		{"redisquota.Limiter.ReturnEmail: Redis down", func(t *testing.T) error {
			return redisDown(t).ReturnEmail(t.Context(), "1", "us-west-2", "token")
		}, resetpw.ErrUnavailable, ""},
		{"redisquota.Limiter.EmailsSent: Redis down", func(t *testing.T) error {
			_, err := redisDown(t).EmailsSent(t.Context(), "1", "us-west-2", time.Now())
			return err
		}, resetpw.ErrUnavailable, ""},

		{"Reset: malformed pool ID", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: "nope", Username: "diego"})
			return err
		}, resetpw.ErrConfig, ""},
		{"Reset: user not found", func(t *testing.T) error {
			r, _, pool := newR(t)
			_, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "ghost"})
			return err
		}, resetpw.ErrUserNotFound, ""},
		{"Reset: Cognito fails", func(t *testing.T) error {
			r, f, pool := newR(t)
			f.FailNext("AdminResetUserPassword", 1, &types.InternalErrorException{})
			_, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			return err
		}, resetpw.ErrUnavailable, ""},
		{"Reset: context ended", func(t *testing.T) error {
			r, _, pool := newR(t)
			_, err := r.Reset(canceled, resetpw.Request{UserPoolID: pool, Username: "diego"})
			return err
		}, resetpw.ErrUnavailable, ""},
		{"Reset: limiter refuses", func(t *testing.T) error {
			r, _, pool := newR(t, resetpw.WithLimiter(&refusingLimiter{}))
			_, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			return err
		}, resetpw.ErrUnavailable, ""},
		{"Result.SignOutErr", func(t *testing.T) error {
			r, f, pool := newR(t, resetpw.WithRetries(0, 100*time.Millisecond, 2*time.Second))
			f.FailNext("AdminUserGlobalSignOut", 1, &types.NotAuthorizedException{})
			res, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
			require.NoError(t, err)
			return res.SignOutErr
		}, resetpw.ErrAccessDenied, ""},
		{"Check: bad ClientMetadata", func(t *testing.T) error {
			r, _, pool := newR(t)
			_, err := r.Check(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"password": "hunter2"}})
			return err
		}, resetpw.ErrInvalidInput, ""},
		{"CheckPool: no such pool", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := r.CheckPool(t.Context(), "us-west-2_nopenope")
			return err
		}, resetpw.ErrPoolNotFound, ""},
		{"CheckPool: malformed pool ID", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := r.CheckPool(t.Context(), "")
			return err
		}, resetpw.ErrConfig, ""},
		{"CheckPool: limiter refuses", func(t *testing.T) error {
			r, _, pool := newR(t, resetpw.WithLimiter(&refusingLimiter{}))
			_, err := r.CheckPool(t.Context(), pool)
			return err
		}, resetpw.ErrUnavailable, ""},
		{"Bulk: BulkOptions.Concurrency", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := bulk.Run(t.Context(), r, bulk.Requests(none), bulk.Options{Concurrency: -3}, nil)
			return err
		}, resetpw.ErrConfig, "Options.Concurrency"},
		{"Bulk: BulkOptions.Rates", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := bulk.Run(t.Context(), r, bulk.Requests(none), bulk.Options{Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 1e6}}, nil)
			return err
		}, resetpw.ErrConfig, "Options.Rates[UserAccountRecovery]"},
		{"Bulk: run stopped", func(t *testing.T) error {
			r, f, pool := newR(t)
			f.FailNext("DescribeUserPool", 1, &types.ResourceNotFoundException{})
			_, err := bulk.Run(t.Context(), r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: pool, Username: "diego"}})), bulk.Options{}, nil)
			return err
		}, resetpw.ErrRunStopped, ""},
		{"Bulk: Outcome.Err", func(t *testing.T) error {
			r, _, pool := newR(t)
			var errs []error
			_, _ = bulk.Run(t.Context(), r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: pool, Username: "ghost"}})), bulk.Options{},
				func(o bulk.Outcome) { errs = append(errs, o.Err) })
			require.Len(t, errs, 1)
			return errs[0]
		}, resetpw.ErrUserNotFound, ""},
		{"Plan: BulkOptions.QuotaScale", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := bulk.Plan(t.Context(), r, bulk.Requests(none), bulk.Options{QuotaScale: -1}, nil)
			return err
		}, resetpw.ErrConfig, "Options.QuotaScale"},
		{"PlanPool: malformed pool ID", func(t *testing.T) error {
			r, _, _ := newR(t)
			_, err := bulk.PlanPool(t.Context(), r, "", bulk.Options{}, nil)
			return err
		}, resetpw.ErrConfig, ""},
		{"PlanPool: BulkOptions.Concurrency", func(t *testing.T) error {
			r, _, pool := newR(t)
			_, err := bulk.PlanPool(t.Context(), r, pool, bulk.Options{Concurrency: 65}, nil)
			return err
		}, resetpw.ErrConfig, "Options.Concurrency"},
		{"NewLocalLimiter: Wait", func(t *testing.T) error {
			r, _, pool := newR(t, resetpw.WithLimiter(quota.NewLocalLimiter(map[quota.Category]float64{quota.CategoryUserRead: 1}, nil)))
			_, err := r.Reset(canceled, resetpw.Request{UserPoolID: pool, Username: "diego"})
			return err
		}, resetpw.ErrUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(t)
			require.Error(t, err)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e, "%T: %v", err, err)
			assert.Equal(t, tt.kind, e.Kind, "%v", err)
			assert.Equal(t, tt.kind, resetpw.KindOf(err))
			if tt.option != "" {
				assert.Equal(t, resetpw.OpValidate, e.Op)
				assert.ErrorContains(t, err, tt.option, "the text names the option")
				assert.Empty(t, e.Field, "Field is a request's field only")
				assert.Equal(t, resetpw.FateNotSent, e.Fate)
				assert.ErrorIs(t, err, resetpw.ErrConfig)
				assert.Equal(t, 500, resetpw.KindOf(err).HTTPStatus(), "a configuration bug is the service's, and not retried as unavailable")
				assert.Equal(t, 500, e.HTTPStatus())
			}
		})
	}
}

// redisDown is a redisquota.Limiter whose Redis refuses every connection
// (nothing listens on port 1), set to refuse rather than fall back.
func redisDown(t *testing.T) *redisquota.Limiter {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	l, err := redisquota.New(client, redisquota.Options{Account: "1", Region: "us-west-2", OnError: redisquota.Refuse})
	require.NoError(t, err)
	return l
}

// (*Error).HTTPStatus is the kind's status plus one rule: invalid input is
// the caller's fault (400) when local validation refused it, and a bad
// gateway (502) when Cognito refused it; a configuration error is its own
// kind (500); every other kind answers its Kind's status.
func TestError_HTTPStatus(t *testing.T) {
	invalid := func(op resetpw.Op, field string) *resetpw.Error {
		return &resetpw.Error{Kind: resetpw.ErrInvalidInput, Op: op, Field: field}
	}
	config := func(field string) *resetpw.Error {
		return &resetpw.Error{Kind: resetpw.ErrConfig, Op: resetpw.OpValidate, Field: field}
	}
	tests := []struct {
		name string
		err  *resetpw.Error
		want int
	}{
		{"the caller's username", invalid(resetpw.OpValidate, "Username"), 400},
		{"the caller's ClientMetadata", invalid(resetpw.OpValidate, "ClientMetadata"), 400},
		{"the pool ID of the service's configuration", config("UserPoolID"), 500},
		{"an option", config(""), 500},
		{"no field", invalid(resetpw.OpValidate, ""), 400},
		{"Cognito's InvalidParameterException at reset", invalid(resetpw.OpReset, ""), 502},
		{"Cognito's InvalidParameterException at preflight", invalid(resetpw.OpPreflight, ""), 502},
		{"Cognito's InvalidParameterException at resolve", invalid(resetpw.OpResolve, "Username"), 502},
		{"the zero kind", &resetpw.Error{Op: resetpw.OpValidate, Field: "Username"}, 0},
		{"nil", nil, 0},
	}
	for _, k := range resetpw.Kinds() {
		if k == resetpw.ErrInvalidInput {
			continue
		}
		for _, op := range []resetpw.Op{resetpw.OpValidate, resetpw.OpPreflight, resetpw.OpReset} {
			tests = append(tests, struct {
				name string
				err  *resetpw.Error
				want int
			}{k.Code() + " at " + string(op), &resetpw.Error{Kind: k, Op: op, Field: "Username"}, k.HTTPStatus()})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.HTTPStatus())
		})
	}
}

// The statuses of errors a Resetter really returns, and the metadata key
// (never the value) that failed.
func TestError_HTTPStatusOfReset(t *testing.T) {
	const secret = "AKIAIOSFODNN7EXAMPLE" // an AWS access key ID: a sensitive value
	tests := []struct {
		name   string
		req    resetpw.Request
		status int
		field  string
		key    string
	}{
		{"malformed pool ID", resetpw.Request{UserPoolID: "nope", Username: "diego"}, 500, "UserPoolID", ""},
		{"malformed username", resetpw.Request{Username: "diego ramirez"}, 400, "Username", ""},
		{"sensitive key", resetpw.Request{Username: "diego", ClientMetadata: map[string]string{"source": "helpdesk", "password": secret}}, 400, "ClientMetadata", "password"},
		{"sensitive value", resetpw.Request{Username: "diego", ClientMetadata: map[string]string{"note": secret}}, 400, "ClientMetadata", "note"},
		{"first key in the policy's order", resetpw.Request{Username: "diego", ClientMetadata: map[string]string{"b": strings.Repeat("x", 2000), "a": strings.Repeat("x", 2000)}}, 400, "ClientMetadata", "a"},
		{"the map as a whole", resetpw.Request{Username: "diego", ClientMetadata: manyPairs(60, 1)}, 400, "ClientMetadata", ""},
		{"unknown user", resetpw.Request{Username: "ghost"}, 404, "", ""},
	}
	f, pool := errorsFixture(t)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if req.UserPoolID == "" {
				req.UserPoolID = pool
			}
			_, err := r.Reset(t.Context(), req)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.status, e.HTTPStatus(), "%v", err)
			assert.Equal(t, tt.field, e.Field)
			assert.Equal(t, tt.key, e.MetadataKey)
			assert.NotContains(t, e.MetadataKey+e.Error(), secret, "never a value")
		})
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}

func TestOp_Codes(t *testing.T) {
	assertCodes(t, []stringerCase{
		{resetpw.OpValidate, "validate"}, {resetpw.OpPreflight, "preflight"}, {resetpw.OpResolve, "resolve"},
		{resetpw.OpReset, "reset"}, {resetpw.OpBulk, "bulk"}, {resetpw.OpPace, "pace"}, {resetpw.OpSignOut, "sign_out"},
	})
}

// A configuration error prints its option in its text; Field is a
// request's field only.
func TestError_ConfigPrintsTheOption(t *testing.T) {
	_, err := resetpw.New(nil)
	var e *resetpw.Error
	if assert.ErrorAs(t, err, &e) {
		assert.Equal(t, "resetpw: validate: invalid configuration: New: nil API", e.Error(), "Error prints the Op's code and the kind's message")
		assert.Empty(t, e.Field)
	}
}
