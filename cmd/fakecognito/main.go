// Command fakecognito serves an in-memory Cognito over HTTP, for any client:
// the AWS CLI, boto3, the JavaScript SDK, the examples. It is the library's
// Fake (resetpwtest.Fake) behind its Server's handler, holding the
// quickstart's pool us-west-2_aaaaaaaaa and its users diego
// (diego@example.com, verified), nora (email not verified) and sam (phone
// only), and answering the operations resetpwtest.Server lists.
//
//	go run github.com/cognitoreset/cognitoreset/cmd/fakecognito -addr 127.0.0.1:4566
//	aws cognito-idp admin-reset-user-password --endpoint-url http://127.0.0.1:4566 \
//	    --region us-west-2 --user-pool-id us-west-2_aaaaaaaaa --username diego
//
// Its first line on stdout is its endpoint, such as http://127.0.0.1:4566,
// so that with -addr 127.0.0.1:0 a script or a test reads back the port the
// kernel chose. -users N adds users user0001.. with verified emails;
// -answer-delay D answers AdminResetUserPassword D after doing it (a reset
// in flight, for crash tests). GET /resetpwtest/deliveries lists the codes
// sent, with UNMASKED emails, phone numbers and ClientMetadata, to anyone
// who can connect, and it says so on stderr when it starts. So it listens
// only on a loopback address, and answers only requests addressed to
// localhost or a loopback address (a web page the developer visits can't
// read the deliveries by DNS rebinding), unless -expose says otherwise.
// SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cognitoreset/cognitoreset/internal/demopool"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "fakecognito:", err)
		os.Exit(1)
	}
}

// options are fakecognito's flags.
type options struct {
	addr        string
	expose      bool // allow an address other than loopback, and any Host
	users       int
	answerDelay time.Duration
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("fakecognito", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:4566", "the address to listen on (port 0: one the kernel chooses)")
	fs.IntVar(&o.users, "users", 0, "add this many users user0001.. with verified emails")
	fs.DurationVar(&o.answerDelay, "answer-delay", 0, "answer AdminResetUserPassword this long after doing it")
	fs.BoolVar(&o.expose, "expose", false, "allow an address other than loopback (anyone who can connect sees every delivery, unmasked)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.users < 0 || o.answerDelay < 0 {
		return o, errors.New("-users and -answer-delay must not be negative")
	}
	return o, nil
}

// run serves the fake Cognito until ctx ends. Its first line on stdout is
// the endpoint.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if !o.expose {
		if err := checkLoopback(o.addr); err != nil {
			return err
		}
	}
	fake, err := demopool.New(o.users)
	if err != nil {
		return err
	}
	fake.DelayAnswers(o.answerDelay)
	srv := resetpwtest.NewServer(fake)
	defer srv.Close()
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	handler := srv.Handler()
	if !o.expose {
		// "localhost" is whatever the resolver says: check what was bound.
		if ta, ok := l.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
			l.Close()
			return fmt.Errorf("-addr %s bound %s, which is not a loopback address; add -expose to mean it", o.addr, l.Addr())
		}
		handler = loopbackHostOnly(handler)
	}
	fmt.Fprintf(stderr, deliveriesWarning, resetpwtest.DeliveriesPath, l.Addr())
	fmt.Fprintf(stdout, "http://%s\n", l.Addr())
	fmt.Fprintf(stdout, "fake Cognito: pool %s, users %s, and %d more; Ctrl-C stops it\n", demopool.PoolID, demopool.Users, o.users)
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30*time.Second + o.answerDelay,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			_ = hs.Close()
		case <-stopped:
		}
	}()
	if err := hs.Serve(limitListener(l, 512)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
