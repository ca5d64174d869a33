package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// helpdeskWorld is main's embedded Cognito: diego, in us-west-2_aaaaaaaaa.
func helpdeskWorld(t *testing.T) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	return f, pool
}

// The metrics listener serves the Resetter's metrics, and no user.
func TestServeMetrics(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mp, stop, err := serveMetrics(l)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop(context.Background()) })
	f, pool := helpdeskWorld(t)
	r, err := resetpw.New(f, otelreset.WithTelemetry(nil, mp))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)

	resp, err := http.Get("http://" + l.Addr().String() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `cognitoreset_resets_total{cognitoreset_medium="EMAIL",cognitoreset_outcome="sent"`)
	assert.NotContains(t, string(body), "diego")
}

// The README shows the trace of a refused reset and of a sent one, as this
// test renders them.
func TestREADMETrace(t *testing.T) {
	f, pool := helpdeskWorld(t)
	spans := tracetest.NewSpanRecorder()
	r, err := resetpw.New(f, otelreset.WithTelemetry(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), nil))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "nobody@example.com"})
	require.Error(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)

	var b strings.Builder
	for _, s := range spans.Ended() {
		fmt.Fprintf(&b, "%s  status=%s %q\n", s.Name(), s.Status().Code, s.Status().Description)
		var attrs []string
		for _, a := range s.Attributes() {
			v := a.Value.String()
			if a.Key == "aws.request_id" {
				v = "…" // Cognito's, new each time
			}
			attrs = append(attrs, fmt.Sprintf("    %s=%s", a.Key, v))
		}
		slices.Sort(attrs)
		b.WriteString(strings.Join(attrs, "\n") + "\n")
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), b.String()), "README.md shows this trace:\n%s", b.String())
	assert.NotContains(t, b.String(), "diego")
	assert.NotContains(t, b.String(), "@")
}

// The README's OIDC snippet reads the token with bearerToken (the scheme
// in any case, as HTTP reads it), not with a prefix of its own.
func TestREADMEOIDCSnippetUsesBearerToken(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	_, oidc, ok := strings.Cut(string(readme), "**OIDC**")
	require.True(t, ok, "README.md has an OIDC section")
	snippet, _, _ := strings.Cut(oidc, "\n```\n")
	assert.Contains(t, snippet, "raw, ok := bearerToken(r)")
	assert.NotContains(t, snippet, `"Bearer `)
}
