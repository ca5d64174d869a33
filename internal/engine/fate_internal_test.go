package engine

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doFunc is an HTTP client that reports nothing through httptrace.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestWire(t *testing.T) {
	ok := doFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	failing := doFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("boom") })
	tests := []struct {
		name  string
		next  doFunc
		calls int
		want  Fate
	}{
		{"never asked", ok, 0, FateNotSent},
		{"answered", ok, 1, FateAnswered},
		{"answered, a second request refused", ok, 2, FateAnswered},
		{"an untraced client that fails may have sent", failing, 1, FateUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &wire{applied: true, next: tt.next}
			var err error
			for i := range tt.calls {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://127.0.0.1:1/", nil)
				_, err = w.Do(req)
				if i > 0 {
					require.ErrorIs(t, err, errSecondSend)
				}
			}
			assert.Equal(t, tt.want, w.fate(err))
			assert.Equal(t, min(tt.calls, 1), w.requests)
			assert.Equal(t, max(tt.calls-1, 0), w.refused)
		})
	}
	t.Run("an HTTP client put in the wire's place may have sent", func(t *testing.T) {
		w := &wire{applied: true, next: ok}
		assert.Equal(t, FateUnknown, w.fate(&smithyhttp.RequestSendError{Err: errors.New("elsewhere")}))
		assert.Equal(t, FateAnswered, w.fate(&types.InternalErrorException{}))
		assert.Equal(t, FateNotSent, w.fate(errors.New("failed to sign the request")))
		assert.Equal(t, FateNotSent, w.fate(&smithy.CanceledError{Err: context.Canceled}), "ended before the HTTP client")
		// Past the wire's middleware, only the error can tell: a
		// cancellation or a ResponseError of status 0 is no answer.
		w.reached = true
		assert.Equal(t, FateUnknown, w.fate(&smithy.CanceledError{Err: context.DeadlineExceeded}))
		assert.Equal(t, FateUnknown, w.fate(responseError(0, errors.New("EOF"))))
		assert.Equal(t, FateUnknown, w.fate(errors.New("boom")))
		assert.Equal(t, FateAnswered, w.fate(responseError(502, errors.New("not JSON"))))
		assert.Equal(t, FateAnswered, w.fate(&types.InternalErrorException{}))
	})
	t.Run("a context that ended before Do sends nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		w := &wire{applied: true, next: ok}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1:1/", nil)
		_, err := w.Do(req)
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, FateNotSent, w.fate(err))
	})
}

// FuzzFate checks the fate's invariants over every record the wire can
// hold and a choice of errors: an answer is FateAnswered, not_sent never
// follows a write or an answer, and an API that ran no option is judged by
// its error alone.
func FuzzFate(f *testing.F) {
	for b := range 1 << 8 {
		f.Add(uint8(b), uint8(b%8))
	}
	errs := []error{nil, errors.New("boom"), &types.InternalErrorException{}, context.Canceled,
		&smithyhttp.RequestSendError{Err: errors.New("dial")}, &smithy.CanceledError{Err: context.Canceled},
		responseError(0, &smithyhttp.RequestSendError{Err: errors.New("EOF")}), responseError(500, errors.New("not JSON"))}
	f.Fuzz(func(t *testing.T, bits, e uint8) {
		w := &wire{applied: bits&1 != 0, requests: int(bits>>1) & 1, traced: bits&4 != 0, gotConn: bits&8 != 0,
			wrote: bits&16 != 0, answered: bits&32 != 0, refused: int(bits>>6) & 1, reached: bits&128 != 0}
		w.asked = w.requests + w.refused
		err := errs[int(e)%len(errs)]
		got := w.fate(err)
		switch {
		case !w.applied:
			assert.Equal(t, inferFate(err), got)
		case w.answered:
			assert.Equal(t, FateAnswered, got)
		case w.wrote:
			assert.Equal(t, FateUnknown, got)
		}
		if got == FateNotSent {
			assert.False(t, w.wrote || w.answered, "not sent after a write or an answer")
			assert.False(t, w.asked == 0 && errors.As(err, new(*smithyhttp.RequestSendError)), "another HTTP client may have sent")
			assert.False(t, w.asked == 0 && w.reached, "the request reached another HTTP client")
			assert.True(t, w.requests == 0 || !w.gotConn, "not sent only without a connection")
		}
		assert.Contains(t, []Fate{FateNotSent, FateAnswered, FateUnknown}, got)
	})
}

// responseError is the SDK's wrapping of a failed call: status 0 when no
// answer was read.
func responseError(status int, err error) error {
	return &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}
}
