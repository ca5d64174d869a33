package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Fate is what happened on the wire to the last request of the step an
// *Error names (Error.Op), as the one layer that sends requests saw it
// (docs/cognito-rules.md, R33). For OpReset it says whether a code may have
// gone out; MaybeSent reads it. The codes are stable.
type Fate string

const (
	// FateNotSent: the request provably never reached Cognito: the step
	// failed before anything was sent (validation, a preflight refusal),
	// the Limiter refused, the context ended before the call or during a
	// backoff, or the HTTP client failed before it began writing the
	// request (refused connection, DNS, TLS handshake). A reset with this
	// fate sent no code and may be sent again.
	FateNotSent Fate = "not_sent"
	// FateAnswered: Cognito (or whatever stood at the endpoint) answered: a
	// status line was read. The kind says what the answer means: most
	// errors say nothing was done, while a 5xx, InternalErrorException, a
	// Lambda trigger failure or a body that could not be read do not
	// (MaybeSent).
	FateAnswered Fate = "answered"
	// FateUnknown: the request was written, or may have been, and no answer
	// was read: the connection was cut, the context ended while waiting,
	// or the API gave no sign (an API that applies no per-call options,
	// such as a test double, that failed without an answer). A reset with
	// this fate may have sent a code.
	FateUnknown Fate = "unknown"
)

// String returns the fate's code; "" for an *Error whose fate was not
// recorded (an *Error literal that sets no Fate).
func (f Fate) String() string { return string(f) }

// errSecondSend is what the wire returns when one operation invocation asks
// for a second HTTP request (a caller's middleware that retries): it is
// refused, and nothing is sent for it.
var errSecondSend = errors.New("resetpw: a second HTTP request within one Cognito call was refused; the library sends each request once")

// wire is the per-call HTTP client of one Cognito operation invocation: it
// lets exactly one request through and records, with net/http/httptrace,
// what became of it. Its option is the last per-call option of every call,
// so that no client setting or earlier option can add attempts.
type wire struct {
	mu       sync.Mutex
	next     smithyhttp.ClientDo
	applied  bool // the API ran the option
	reached  bool // the request reached the end of the SDK's stack, where it is sent (reachedSend)
	asked    int  // Do calls, refused or not
	requests int  // Do calls that went through (0 or 1)
	refused  int  // Do calls refused
	traced   bool // the HTTP client began looking for a connection (GetConn)
	gotConn  bool // it had one (GotConn: dialled, TLS done, or reused)
	wrote    bool // the transport began writing the request (WroteRequest)
	answered bool // a status line was read
}

// option holds the SDK to one attempt and routes the request through w. It
// sets RetryMaxAttempts to 1 as well, so that the SDK's
// finalizeOperationRetryMaxAttempts can't wrap the retryer again (R29). Its
// middleware, last before the HTTP client, records that the request got
// there (reachedSend).
func (w *wire) option(o *cip.Options) {
	o.Retryer = aws.NopRetryer{}
	o.RetryMaxAttempts = 1
	w.mu.Lock()
	defer w.mu.Unlock()
	if o.HTTPClient == w {
		return // applied twice in one call
	}
	w.applied = true
	w.next = o.HTTPClient
	if w.next == nil {
		w.next = awshttp.NewBuildableClient()
	}
	o.HTTPClient = w
	o.APIOptions = append(o.APIOptions[:len(o.APIOptions):len(o.APIOptions)], w.addReachedSend)
}

// reachedSendID names the wire's middleware in the SDK's stack.
const reachedSendID = "resetpw.reachedSend"

// addReachedSend puts reachedSend at the end of the stack's deserialize
// step, where the request goes from the middleware to the HTTP client.
func (w *wire) addReachedSend(s *middleware.Stack) error {
	if _, ok := s.Deserialize.Get(reachedSendID); ok {
		return nil
	}
	return s.Deserialize.Add(middleware.DeserializeMiddlewareFunc(reachedSendID,
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			w.mu.Lock()
			w.reached = true
			w.mu.Unlock()
			return next.HandleDeserialize(ctx, in)
		}), middleware.After)
}

// Do sends the first request and refuses any other. The request goes on
// without GetBody, so that net/http can't send it again by itself: it
// follows a 307 or 308 with the body, and retries a request on a reused
// connection that failed, only when it can rewind the body (R29).
func (w *wire) Do(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.asked++
	if w.requests > 0 {
		w.refused++
		w.mu.Unlock()
		return nil, errSecondSend
	}
	if err := req.Context().Err(); err != nil {
		w.mu.Unlock()
		return nil, err // counts as not sent: the HTTP client was never asked
	}
	w.requests++
	next := w.next
	w.mu.Unlock()
	set := func(p *bool) {
		w.mu.Lock()
		*p = true
		w.mu.Unlock()
	}
	trace := &httptrace.ClientTrace{
		GetConn:      func(string) { set(&w.traced) },
		GotConn:      func(httptrace.GotConnInfo) { set(&w.gotConn) },
		WroteHeaders: func() { set(&w.wrote) },
		WroteRequest: func(httptrace.WroteRequestInfo) { set(&w.wrote) },
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace)) // a shallow copy: the caller's request is unchanged
	req.GetBody = nil
	resp, err := next.Do(req)
	if err == nil && resp != nil {
		set(&w.answered)
	}
	return resp, err
}

// fate returns what became of the call whose error is err.
func (w *wire) fate(err error) Fate {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case !w.applied:
		return inferFate(err)
	case w.answered:
		return FateAnswered
	case w.wrote:
		return FateUnknown
	case w.asked == 0 && (w.reached || errors.As(err, new(*smithyhttp.RequestSendError))):
		// The request reached the HTTP client, and the wire was not
		// asked: something after the Resetter's option put another HTTP
		// client in its place. Only the error can tell.
		return inferFate(err)
	case w.asked == 0:
		// The call failed before the transport (signing, serialisation,
		// endpoint, credentials), unless a middleware answered for it.
		if inferFate(err) == FateAnswered {
			return FateAnswered
		}
		return FateNotSent
	case w.requests == 0 || (w.traced && !w.gotConn):
		// The context ended before the request was handed to the HTTP
		// client, or the client never had a connection to write it to:
		// refused, DNS, TLS handshake (R33).
		return FateNotSent
	}
	// A connection, and no sign of a write: the write may be racing a
	// cancellation. Or an HTTP client that reports nothing through
	// httptrace. Either may have written the request.
	return FateUnknown
}

// inferFate guesses the fate of a failed call from its error alone, for an
// API that applies no per-call options (resetpwtest.Fake, a mock) or an
// HTTP client put in the wire's place: an API error or an HTTP response
// with a status is an answer; a send failure or a cancellation (which the
// SDK wraps in a ResponseError of status 0), and anything else, may have
// been sent.
func inferFate(err error) Fate {
	if errors.As(err, new(*smithyhttp.RequestSendError)) || errors.As(err, new(*smithy.CanceledError)) {
		return FateUnknown
	}
	var apiErr smithy.APIError
	var re *smithyhttp.ResponseError
	if errors.As(err, &apiErr) ||
		(errors.As(err, &re) && re.Response != nil && re.Response.Response != nil && re.Response.StatusCode != 0) {
		return FateAnswered
	}
	return FateUnknown
}

// callError is the error of call: the cause, and the fate of the last
// request the call tried to send. paced says the Limiter refused it;
// retryAfter is a throttled call's hint (R73).
type callError struct {
	err        error
	fate       Fate
	paced      bool
	retryAfter time.Duration
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// fateOf returns the fate recorded in err by call, or "" when there is none.
func fateOf(err error) Fate {
	var ce *callError
	if errors.As(err, &ce) {
		return ce.fate
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Fate
	}
	return ""
}

// pacedOut reports whether err is a call's Limiter refusal.
func pacedOut(err error) bool {
	var ce *callError
	return errors.As(err, &ce) && ce.paced
}

// fateOrNotSent is the fate of an *Error whose cause is cause: what the
// failed call recorded, or FateNotSent for an error that came from no
// request (validation, a preflight refusal, a resolution that found nobody).
func fateOrNotSent(cause error) Fate {
	if f := fateOf(cause); f != "" {
		return f
	}
	return FateNotSent
}
