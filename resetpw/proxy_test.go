package resetpw_test

import (
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
)

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
	r, err := resetpw.New(viaProxy, resetpw.WithBackoff(time.Millisecond, 5*time.Millisecond))
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
