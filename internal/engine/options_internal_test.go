package engine

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type logAttrsKey struct{}

// The logger WithLogAttrs builds keeps adding the context's attributes
// through With and WithGroup.
func TestWithLogAttrs_WithAndGroup(t *testing.T) {
	var b bytes.Buffer
	c := defaultConfig()
	require.NoError(t, WithLogAttrs(func(ctx context.Context) []slog.Attr {
		return []slog.Attr{slog.Any("request_id", ctx.Value(logAttrsKey{}))}
	})(&c))
	require.NoError(t, WithLogger(slog.New(slog.NewTextHandler(&b, nil)))(&c))
	ctx := context.WithValue(context.Background(), logAttrsKey{}, "r1")
	c.logger.With("a", 1).InfoContext(ctx, "with")
	c.logger.WithGroup("g").InfoContext(ctx, "group", "b", 2)
	assert.Contains(t, b.String(), "msg=with a=1 request_id=r1")
	assert.Contains(t, b.String(), "msg=group g.b=2 g.request_id=r1")
}
