package resetpw_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// hostileRequestID answers with a request ID of its choosing, as a proxy
// or a misbehaving endpoint may.
type hostileRequestID struct {
	http.ResponseWriter
	id string
}

func (w *hostileRequestID) WriteHeader(code int) {
	w.Header().Set("X-Amzn-Requestid", w.id)
	w.ResponseWriter.WriteHeader(code)
}

func (w *hostileRequestID) Write(b []byte) (int, error) {
	w.Header().Set("X-Amzn-Requestid", w.id)
	return w.ResponseWriter.Write(b)
}

// TestTelemetry_LeakHostileRequestID: a request ID is text from the wire;
// one that holds an email or a phone number is no span attribute.
func TestTelemetry_LeakHostileRequestID(t *testing.T) {
	for _, id := range []string{leakEmail, leakPhone, "4155550123", "x y " + leakName} {
		t.Run(id, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, resetpwtest.User("twin1", "email", "a@b.example", "email_verified", "true"))
			require.NoError(t, err)
			srv := resetpwtest.NewServer(f)
			defer srv.Close()
			h := srv.Handler()
			hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(&hostileRequestID{ResponseWriter: w, id: id}, r)
			}))
			defer hostile.Close()
			rec, tel := newRecorders(t)
			r, err := resetpw.New(srv.Client(func(o *cip.Options) { o.BaseEndpoint = aws.String(hostile.URL) }),
				append(tel, resetpw.WithPreflight(resetpw.PreflightOff))...)
			require.NoError(t, err)
			res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "twin1"})
			require.NoError(t, err)
			require.Equal(t, id, res.RequestID, "the caller still gets it")
			f.FailNext("AdminResetUserPassword", 1, &types.LimitExceededException{Message: aws.String("limit")})
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "twin1"})
			require.ErrorIs(t, err, resetpw.ErrAttemptLimit)
			text := recordedText(t, rec)
			assert.Contains(t, text, "cognitoreset.Reset")
			for _, line := range strings.Split(text, "\n") {
				assert.NotContains(t, line, id)
			}
		})
	}
}

// TestTelemetry_LeakPoolIDShapedLikeAName: Cognito's pattern for a pool ID
// ([\w-]+_[0-9a-zA-Z]+) admits a username ("leaky_person"); only an ID
// whose prefix is a region is a span attribute.
func TestTelemetry_LeakPoolIDShapedLikeAName(t *testing.T) {
	rec, tel := newRecorders(t)
	f := resetpwtest.NewFake()
	srv := resetpwtest.NewServer(f)
	defer srv.Close()
	r, err := resetpw.New(srv.Client(), tel...)
	require.NoError(t, err)
	for _, id := range []string{"leaky_person", "jane-doe_Smith"} {
		_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "someone"})
		require.Error(t, err)
		_, err = r.CheckPool(context.Background(), id)
		require.Error(t, err)
		_, err = bulk.PlanPool(context.Background(), r, id, bulk.Options{}, nil)
		require.Error(t, err)
		assert.NotContains(t, recordedText(t, rec), id)
	}
	_, err = r.CheckPool(context.Background(), "us-west-2_nope")
	require.Error(t, err)
	assert.Contains(t, recordedText(t, rec), "us-west-2_nope", "a region-shaped ID is traced")
}
