package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// --metrics-addr serves the run's metrics while it lasts, and no user.
func TestWithMetrics(t *testing.T) {
	var stderr bytes.Buffer
	ropts, stop, err := options{metricsAddr: "127.0.0.1:0"}.withMetrics(nil, &stderr)
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.TrimSpace(stderr.String()), "bulk: metrics at ")
	require.True(t, ok, stderr.String())

	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	_, err = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f, ropts...)
	require.NoError(t, err)
	_, err = bulk.Run(t.Context(), r, bulk.Requests(func(yield func(resetpw.Request) bool) {
		yield(resetpw.Request{UserPoolID: pool, Username: "diego"})
	}), bulk.Options{}, nil)
	require.NoError(t, err)

	resp, err := http.Get(url)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(body), `cognitoreset_bulk_inputs_total{cognitoreset_dry_run="false",cognitoreset_outcome="sent"`)
	assert.NotContains(t, string(body), "diego")

	stop()
	_, err = http.Get(url)
	assert.Error(t, err, "the endpoint ends with the run")
}

func TestWithMetrics_Off(t *testing.T) {
	ropts, stop, err := options{}.withMetrics([]resetpw.Option{resetpw.WithPreflight(resetpw.PreflightFull)}, io.Discard)
	require.NoError(t, err)
	stop()
	assert.Len(t, ropts, 1)
}
