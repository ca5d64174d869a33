// Package loopback runs a local server program for tests and CI: on a free
// 127.0.0.1 port, in a process group of its own, stopped by PID. moto_server
// and redis-server start through it.
package loopback

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// ErrNotFound is matched by Start's error when the program is not on PATH.
var ErrNotFound = errors.New("loopback: program not on PATH")

// Server is how to run one kind of server.
type Server struct {
	Program string                  // looked up on PATH
	Args    func(port int) []string // its arguments, to listen on 127.0.0.1:port
	// Ready reports nil once the server at addr (127.0.0.1:port) answers.
	Ready func(addr string) error
	// Within is how long it may take to answer; default 20 s.
	Within time.Duration
}

// Start runs s and waits until it answers; a port taken between choosing and
// binding it costs one of three tries. stop ends the process group (SIGTERM,
// then SIGKILL after 5 s) and waits for it; it may be called early.
func (s Server) Start() (addr string, stop func(), err error) {
	path, err := exec.LookPath(s.Program)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %s", ErrNotFound, s.Program)
	}
	for try := 1; ; try++ {
		addr, stop, err = s.startOnce(path)
		if err == nil || try == 3 {
			return addr, stop, err
		}
	}
}

func (s Server) startOnce(path string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, fmt.Errorf("loopback: no free port: %w", err)
	}
	cmd := exec.Command(path, s.Args(port)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("loopback: cannot start %s: %w", s.Program, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	within := s.Within
	if within == 0 {
		within = 20 * time.Second
	}
	deadline := time.Now().Add(within)
	for {
		err := s.Ready(addr)
		if err == nil {
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("loopback: %s did not answer on port %d: %w", s.Program, port, err)
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("loopback: %s exited", s.Program)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
