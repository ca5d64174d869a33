// Package lambdaapi is the AWS Lambda runtime API, emulated on loopback
// for tests and measurements: it hands one event to the function that asks
// for its next invocation (GET /2018-06-01/runtime/invocation/next) and
// keeps its answer (POST .../invocation/ID/response or .../error). A
// program built with lambda.Start talks to it when AWS_LAMBDA_RUNTIME_API
// names its address.
package lambdaapi

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Answer is what the function answered to an event.
type Answer struct {
	Body  []byte
	Error bool // posted to .../error or /runtime/init/error
}

// Server is one function's runtime API. Queue events, start the function
// with AWS_LAMBDA_RUNTIME_API=Addr, and read its answers from Answers.
type Server struct {
	Addr    string      // host:port, for AWS_LAMBDA_RUNTIME_API
	Answers chan Answer // one per event, in order

	ln     net.Listener
	srv    *http.Server
	mu     sync.Mutex
	events [][]byte
	ready  chan struct{} // a token per queued event
	seq    int
}

// Start serves a runtime API on 127.0.0.1.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Answers: make(chan Answer, 64), ln: ln, ready: make(chan struct{}, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.answer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.answer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.answer(true))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // ends with Close
	return s, nil
}

// Queue adds an event for the function's next invocation.
func (s *Server) Queue(event []byte) {
	s.mu.Lock()
	s.events = append(s.events, event)
	s.mu.Unlock()
	s.ready <- struct{}{}
}

// Close stops the server; a function still waiting for an event gets an
// error and exits.
func (s *Server) Close() error { return s.srv.Close() }

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.ready:
	case <-r.Context().Done():
		return
	}
	s.mu.Lock()
	ev := s.events[0]
	s.events = s.events[1:]
	s.seq++
	id := "req-" + strconv.Itoa(s.seq)
	s.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(5*time.Second).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-west-2:123456789012:function:custom-message")
	h.Set("Content-Type", "application/json")
	w.Write(ev) //nolint:errcheck // the function sees a broken answer
}

func (s *Server) answer(isErr bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		s.Answers <- Answer{Body: b, Error: isErr || strings.HasSuffix(r.URL.Path, "/error")}
	}
}
