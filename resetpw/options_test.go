package resetpw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

type requestIDKey struct{}

// requestIDAttrs is what a service gives WithLogAttrs: its request ID, when
// the context carries one.
func requestIDAttrs(ctx context.Context) []slog.Attr {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return []slog.Attr{slog.String("request_id", id)}
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe for a bulk run's workers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines decodes the JSON lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for l := range strings.Lines(s.b.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// WithLogAttrs puts the attributes of the caller's context on every line
// the library logs (sent, checked, refused, failed, retried, a bulk run's),
// in either order with WithLogger, keeping the logger's own attributes.
func TestWithLogAttrs(t *testing.T) {
	throttleOnce := func(f *resetpwtest.Fake) {
		f.FailNext("AdminResetUserPassword", 1, &types.TooManyRequestsException{Message: aws.String("Rate exceeded")})
	}
	tests := []struct {
		name   string
		before func(*resetpwtest.Fake)
		run    func(ctx context.Context, r *resetpw.Resetter, pool string)
		msgs   []string // the lines logged, each with the request ID
	}{
		{"sent", nil, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
		}, []string{"password reset sent"}},
		{"checked", nil, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = r.Check(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
		}, []string{"password reset checked"}},
		{"refused", nil, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego ramirez"})
		}, []string{"password reset refused"}},
		{"failed", nil, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "ghost"})
		}, []string{"password reset failed"}},
		{"retried", throttleOnce, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
		}, []string{"cognito call retried", "password reset sent"}},
		{"bulk", nil, func(ctx context.Context, r *resetpw.Resetter, pool string) {
			_, _ = bulk.Run(ctx, r, bulk.Requests(slices.Values([]resetpw.Request{{UserPoolID: pool, Username: "diego"}, {UserPoolID: pool, Username: "ghost"}})),
				bulk.Options{}, nil)
		}, []string{"password reset sent", "password reset failed"}},
	}
	for _, tt := range tests {
		for _, attrsFirst := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/WithLogAttrs first %v", tt.name, attrsFirst), func(t *testing.T) {
				f, pool := errorsFixture(t)
				if tt.before != nil {
					tt.before(f)
				}
				var logs syncBuffer
				logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("service", "helpdesk")
				opts := []resetpw.Option{resetpw.WithLogger(logger), resetpw.WithLogAttrs(requestIDAttrs)}
				if attrsFirst {
					slices.Reverse(opts)
				}
				r, err := resetpw.New(f, append(opts, resetpw.WithRetries(3, time.Millisecond, time.Millisecond))...)
				require.NoError(t, err)
				tt.run(context.WithValue(t.Context(), requestIDKey{}, "req-42"), r, pool)
				var msgs []string
				for _, l := range logs.lines(t) {
					if l["msg"] == "bulk pace changed" {
						continue // the pace's lines have no request
					}
					msgs = append(msgs, l["msg"].(string))
					assert.Equal(t, "req-42", l["request_id"], "%v", l)
					assert.Equal(t, "helpdesk", l["service"], "the logger's own attributes stay")
					if l["msg"] == "password reset sent" {
						assert.Contains(t, l["cognito_request_id"], "fake-", "Cognito's request ID has a key of its own")
					}
				}
				assert.ElementsMatch(t, tt.msgs, msgs)
			})
		}
	}
}

// Without WithLogAttrs, or with a context that has no request, a line has
// no request_id; the function is called only for lines the logger wants.
func TestWithLogAttrs_None(t *testing.T) {
	f, pool := errorsFixture(t)
	var logs syncBuffer
	calls := 0
	counting := func(ctx context.Context) []slog.Attr { calls++; return requestIDAttrs(ctx) }
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := resetpw.New(f, resetpw.WithLogger(logger), resetpw.WithLogAttrs(counting))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	assert.Zero(t, calls, "the Info line is not wanted: nothing to add to")
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "ghost"})
	require.Error(t, err)
	assert.Equal(t, 1, calls)
	lines := logs.lines(t)
	require.Len(t, lines, 1)
	assert.NotContains(t, lines[0], "request_id")

	logs = syncBuffer{}
	plain, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	require.NoError(t, err)
	_, err = plain.Reset(context.WithValue(t.Context(), requestIDKey{}, "req-42"), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	lines = logs.lines(t)
	require.Len(t, lines, 1)
	assert.NotContains(t, lines[0], "request_id", "only WithLogAttrs adds it")
}
