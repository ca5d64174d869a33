package resetpwtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// targetPrefix starts the X-Amz-Target header of every Cognito operation.
const targetPrefix = "AWSCognitoIdentityProviderService."

// Server serves a Fake over HTTP with Cognito's JSON 1.1 protocol, so that
// the real SDK client, the AWS CLI or the examples can talk to it. It serves
// these Cognito operations, and no other:
//
//   - the five of resetpw.API, those a Resetter calls, so that its Client
//     satisfies resetpw.API: AdminResetUserPassword, AdminGetUser,
//     DescribeUserPool, ListUsers and AdminUserGlobalSignOut;
//   - setup: CreateUserPool, AdminCreateUser, AdminSetUserPassword,
//     AdminDisableUser, AdminEnableUser, AdminUpdateUserAttributes and
//     AdminSetUserMFAPreference;
//   - a user's own completion of a reset: CreateUserPoolClient and
//     ConfirmForgotPassword.
//
// Any other X-Amz-Target is answered UnknownOperationException. It serves
// no Amazon SNS or SES operation: hand [Fake.SNS] to groundtruth.WithSNS and
// [Fake.SES] to groundtruth.WithSES in the test's own process. A GET of
// [DeliveriesPath] returns the Fake's Deliveries.
type Server struct {
	URL  string // base URL, such as http://127.0.0.1:40123
	Fake *Fake

	srv      *httptest.Server
	handlers map[string]handler
	mu       sync.Mutex
	requests map[string]int
}

// NewServer starts a Server for f on 127.0.0.1. Close it when done.
func NewServer(f *Fake) *Server {
	s := &Server{Fake: f, requests: map[string]int{}}
	s.handlers = s.newHandlers()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, cutting open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Handler returns the server's HTTP handler, to serve the same Fake on an
// address of your choice (http.ListenAndServe("127.0.0.1:4566", s.Handler())).
// Requests through it are counted with the others.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Calls returns how many requests for op arrived over HTTP, whatever their
// outcome, as [Fake.Calls] counts the Fake's own calls: a request the Server
// refuses (an unknown operation, a body it can't read) is counted here but
// never reaches the Fake.
func (s *Server) Calls(op Operation) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[string(op)]
}

// TotalCalls returns how many requests arrived over HTTP, for every
// operation.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.requests {
		n += c
	}
	return n
}

// Client returns an SDK client for the server with static test credentials
// in the Fake's region. Further options apply to the client's options.
func (s *Server) Client(optFns ...func(*cip.Options)) *cip.Client {
	o := cip.Options{
		Region:       s.Fake.region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDRESETPWTEST", "resetpwtest-secret", ""),
		HTTPClient:   s.srv.Client(),
	}
	return cip.New(o, optFns...)
}

type handler func(ctx context.Context, body []byte) (any, error)

func decode[In, Out any](op func(context.Context, *In, ...func(*cip.Options)) (Out, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if len(body) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, &smithy.GenericAPIError{Code: "SerializationException", Message: "cannot read the request body as JSON"}
			}
		}
		return op(ctx, in)
	}
}

func (s *Server) newHandlers() map[string]handler {
	f := s.Fake
	return map[string]handler{
		opAdminResetUserPassword:    decode(f.AdminResetUserPassword),
		opAdminGetUser:              decode(f.AdminGetUser),
		opDescribeUserPool:          decode(f.DescribeUserPool),
		opListUsers:                 decode(f.ListUsers),
		opCreateUserPool:            decode(f.CreateUserPool),
		opAdminCreateUser:           decode(f.AdminCreateUser),
		opAdminSetUserPassword:      decode(f.AdminSetUserPassword),
		opAdminDisableUser:          decode(f.AdminDisableUser),
		opAdminEnableUser:           decode(f.AdminEnableUser),
		opAdminUpdateUserAttributes: decode(f.AdminUpdateUserAttributes),
		opAdminSetUserMFAPreference: decode(f.AdminSetUserMFAPreference),
		opAdminUserGlobalSignOut:    decode(f.AdminUserGlobalSignOut),
		opCreateUserPoolClient:      decode(f.CreateUserPoolClient),
		opConfirmForgotPassword:     decode(f.ConfirmForgotPassword),
	}
}

// DeliveriesPath is where a Server answers GET with the Fake's Deliveries as
// a JSON array, for tests that drive it from another process (moto's
// /moto-api/ plays the same part).
const DeliveriesPath = "/resetpwtest/deliveries"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == DeliveriesPath {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Fake.Deliveries())
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := strings.TrimPrefix(target, targetPrefix)
	s.mu.Lock()
	s.requests[op]++
	s.mu.Unlock()
	requestID := fmt.Sprintf("resetpwtest-%s", randomID(16))
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")

	h, ok := s.handlers[op]
	if r.Method != http.MethodPost || !strings.HasPrefix(target, targetPrefix) || !ok {
		writeError(w, "UnknownOperationException", fmt.Sprintf("resetpwtest: operation %q is not served (X-Amz-Target %q)", op, target))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, "SerializationException", "cannot read the request body")
		return
	}
	out, err := h(r.Context(), body)
	if err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			writeError(w, apiErr.ErrorCode(), apiErr.ErrorMessage())
			return
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return // the client is gone
		}
		writeError(w, "InternalErrorException", "resetpwtest: "+err.Error())
		return
	}
	// Keep the Fake's request ID, so that both sides see the same one.
	if md, ok := resultMetadata(out); ok {
		if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
			w.Header().Set("x-amzn-RequestId", id)
		}
	}
	b, err := json.Marshal(wire(out))
	if err != nil {
		writeError(w, "InternalErrorException", "resetpwtest: cannot encode the response")
		return
	}
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, code, message string) {
	status := http.StatusBadRequest
	if code == "InternalErrorException" {
		status = http.StatusInternalServerError
	}
	w.Header().Set("x-amzn-ErrorType", code)
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": code, "message": message})
	_, _ = w.Write(b)
}

func resultMetadata(out any) (middleware.Metadata, bool) {
	switch o := out.(type) {
	case *cip.AdminResetUserPasswordOutput:
		return o.ResultMetadata, true
	case *cip.AdminGetUserOutput:
		return o.ResultMetadata, true
	case *cip.DescribeUserPoolOutput:
		return o.ResultMetadata, true
	case *cip.ListUsersOutput:
		return o.ResultMetadata, true
	case *cip.ConfirmForgotPasswordOutput:
		return o.ResultMetadata, true
	}
	return middleware.Metadata{}, false
}

// dateFields are encoded as epoch seconds, as the JSON 1.1 protocol wants.
var dateFields = map[string]bool{"CreationDate": true, "LastModifiedDate": true, "UserCreateDate": true, "UserLastModifiedDate": true}

// wire turns an SDK output struct into its JSON 1.1 shape: the same names,
// timestamps as epoch seconds, no ResultMetadata and no nulls.
func wire(out any) any {
	b, err := json.Marshal(out)
	if err != nil {
		return map[string]any{}
	}
	var v any
	_ = json.Unmarshal(b, &v)
	return fixWire(v)
}

func fixWire(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			switch {
			case k == "ResultMetadata" || x == nil:
				delete(t, k)
			case dateFields[k]:
				if s, ok := x.(string); ok {
					if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
						t[k] = float64(ts.UnixMilli()) / 1000
					}
				}
			default:
				t[k] = fixWire(x)
			}
		}
	case []any:
		for i := range t {
			t[i] = fixWire(t[i])
		}
	}
	return v
}
