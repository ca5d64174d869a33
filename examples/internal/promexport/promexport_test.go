package promexport_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/promexport"
	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestServe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	mp, stop, err := promexport.Serve(l)
	require.NoError(t, err)
	t.Cleanup(func() { _ = stop(context.Background()) })

	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	_, err = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f, otelreset.WithTelemetry(nil, mp))
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	_, err = r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: "not a name"})
	require.Error(t, err)

	resp, err := http.Get("http://" + l.Addr().String() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(body)
	for _, want := range []string{
		`cognitoreset_resets_total{cognitoreset_medium="EMAIL",cognitoreset_outcome="sent"`,
		`cognitoreset_resets_total{cognitoreset_fate="not_sent",cognitoreset_outcome="refused",error_type="invalid_input"`,
		`cognitoreset_reset_duration_seconds_bucket{cognitoreset_outcome="sent"`,
		`cognitoreset_cognito_calls_total{cognitoreset_result="ok"`,
	} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "diego")
}
