package resetpw_test

import (
	"context"
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

// Sign-out after a reset: sent and signed out; refused, so not signed out;
// sent but the sign-out failed, and the result says both.
func TestSignOut(t *testing.T) {
	setUp := func(t *testing.T) (*resetpwtest.Fake, string) {
		f := resetpwtest.NewFake()
		pool := f.AddPool(types.UserPoolType{})
		for _, u := range []types.UserType{
			resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
			resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		} {
			_, err := f.AddUser(pool, u)
			require.NoError(t, err)
		}
		return f, pool
	}
	t.Run("sent and signed out", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego@example.com", SignOut: true})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.NoError(t, res.SignOutErr)
		require.Len(t, f.SignOuts(), 1)
		assert.Equal(t, "diego", f.SignOuts()[0].Username, "the resolved user is signed out")
	})
	t.Run("per request", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err)
		assert.False(t, res.SignedOut)
		res, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.Len(t, f.SignOuts(), 1)
		_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err)
		assert.Len(t, f.SignOuts(), 1, "a dry run signs nobody out")
	})
	t.Run("refused, so not signed out", func(t *testing.T) {
		f, pool := setUp(t)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "nora", SignOut: true})
		require.ErrorIs(t, err, resetpw.ErrNoVerifiedContact)
		assert.Empty(t, f.SignOuts())
		assert.Zero(t, f.Calls("AdminUserGlobalSignOut"))
	})
	t.Run("sent, sign-out failed", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext("AdminUserGlobalSignOut", 1, &types.NotAuthorizedException{Message: aws.String("not authorized to perform cognito-idp:AdminUserGlobalSignOut")})
		r, err := resetpw.New(f)
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err, "the reset was sent: no error hides that")
		require.NotNil(t, res)
		assert.NotEmpty(t, res.RequestID)
		assert.Len(t, f.Deliveries(), 1)
		assert.False(t, res.SignedOut)
		require.ErrorIs(t, res.SignOutErr, resetpw.ErrAccessDenied)
		var e *resetpw.Error
		require.ErrorAs(t, res.SignOutErr, &e)
		assert.Equal(t, resetpw.OpSignOut, e.Op)
		assert.NotContains(t, e.Error(), "diego")
		assert.False(t, resetpw.MaybeSent(res.SignOutErr))
	})
	t.Run("retried when unavailable", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext("AdminUserGlobalSignOut", 1, &types.InternalErrorException{})
		r, err := resetpw.New(f, resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego", SignOut: true})
		require.NoError(t, err)
		assert.True(t, res.SignedOut)
		assert.Equal(t, 2, f.Calls("AdminUserGlobalSignOut"))
	})
	t.Run("bulk", func(t *testing.T) {
		f, pool := setUp(t)
		f.FailNext("AdminUserGlobalSignOut", 1, &types.NotAuthorizedException{Message: aws.String("denied")})
		_, err := f.AddUser(pool, resetpwtest.User("sam", "email", "sam@example.com", "email_verified", "true"))
		require.NoError(t, err)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		sum, err := bulk.Run(context.Background(), r, bulk.Requests(func(yield func(resetpw.Request) bool) {
			for _, u := range []string{"diego", "nora", "sam"} {
				if !yield(resetpw.Request{UserPoolID: pool, Username: u, SignOut: true}) {
					return
				}
			}
		}), bulk.Options{Concurrency: 1}, nil)
		require.NoError(t, err, "a failed sign-out does not stop the run")
		assert.Equal(t, 2, sum.Sent)
		assert.Equal(t, 1, sum.SignedOut)
		assert.Equal(t, 1, sum.SignOutFailed)
		assert.Len(t, f.SignOuts(), 1)
	})
}
