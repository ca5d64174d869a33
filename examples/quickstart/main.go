// Command quickstart runs the library's main job on an embedded Cognito: no
// AWS account, no network. It starts a resetpwtest.Server holding the pool
// of the AWS CLI reference page's example, checks the pool as a service would
// at startup, resets diego@example.com there (saying where the code went and
// what the preflight could not prove), and then shows two resets the library
// refuses before anything is sent.
//
//	go run ./examples/quickstart
//
// With -serve ADDR it keeps the embedded Cognito running on ADDR instead,
// for the CLI example or any SDK client to talk to (-users N adds users
// user0001.., -answer-delay D answers resets D after doing them, and GET
// /resetpwtest/deliveries lists the codes sent, with unmasked emails, phone
// numbers and ClientMetadata). ADDR must be a loopback address unless
// -expose says otherwise (and then only requests addressed to localhost or a
// loopback address are answered, against DNS rebinding), and the server
// says so loudly when it starts:
//
//	go run ./examples/quickstart -serve 127.0.0.1:4566
//	go run ./examples/admin-reset-user-password --endpoint-url http://127.0.0.1:4566 --region us-west-2 \
//	    --user-pool-id us-west-2_aaaaaaaaa --username diego@example.com --output text
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const poolID = "us-west-2_aaaaaaaaa"

func main() {
	serve := flag.String("serve", "", "keep the embedded Cognito running on this address, such as 127.0.0.1:4566")
	users := flag.Int("users", 0, "with -serve: add this many users user0001.. with verified emails")
	answerDelay := flag.Duration("answer-delay", 0, "with -serve: answer AdminResetUserPassword this long after doing it")
	expose := flag.Bool("expose", false, "with -serve: allow an address other than loopback (anyone who can connect sees every delivery, unmasked)")
	flag.Parse()
	var err error
	if *serve != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = serveFake(ctx, serveOptions{addr: *serve, expose: *expose, users: *users, answerDelay: *answerDelay}, os.Stdout, os.Stderr)
	} else {
		err = run(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// newFake returns the embedded Cognito: one pool that lets users sign in
// with their email as an alias, and whose SMS account is still in the SNS
// sandbox, with three users.
func newFake() (*resetpwtest.Fake, error) {
	fake := resetpwtest.NewFake()
	fake.AddPool(types.UserPoolType{
		Id:                      aws.String(poolID),
		AliasAttributes:         []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		AutoVerifiedAttributes:  []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail, types.VerifiedAttributeTypePhoneNumber},
		SmsConfigurationFailure: aws.String("SNSSandbox"),
	})
	for _, u := range []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"),
	} {
		if _, err := fake.AddUser(poolID, u); err != nil {
			return nil, err
		}
	}
	return fake, nil
}

type serveOptions struct {
	addr        string
	expose      bool // allow an address other than loopback
	users       int
	answerDelay time.Duration
}

// checkLoopback refuses an address that is not loopback (an empty host is
// every interface).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-serve %s is not a loopback address: the embedded Cognito shows every delivery, unmasked, to anyone who can connect; use 127.0.0.1, or add -expose to mean it", addr)
}

// deliveriesWarning is printed when -serve starts.
const deliveriesWarning = "WARNING: GET %s shows every code sent with UNMASKED emails, phone numbers and ClientMetadata to anyone who can connect to %s. Test data only.\n"

// serveFake serves the embedded Cognito until ctx ends, with more users
// and answers to resets delayed as o says. The Fake's deliveries are at
// resetpwtest.DeliveriesPath.
func serveFake(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	if !o.expose {
		if err := checkLoopback(o.addr); err != nil {
			return err
		}
	}
	fake, err := newFake()
	if err != nil {
		return err
	}
	for i := 1; i <= o.users; i++ {
		name := fmt.Sprintf("user%04d", i)
		if _, err := fake.AddUser(poolID, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")); err != nil {
			return err
		}
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
			return fmt.Errorf("-serve %s bound %s, which is not a loopback address; add -expose to mean it", o.addr, l.Addr())
		}
		handler = loopbackHostOnly(handler)
	}
	fmt.Fprintf(stderr, deliveriesWarning, resetpwtest.DeliveriesPath, l.Addr())
	fmt.Fprintf(stdout, "embedded Cognito at http://%s: pool %s, users diego (diego@example.com), nora, sam; Ctrl-C stops it\n", l.Addr(), poolID)
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30*time.Second + o.answerDelay,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	go func() { <-ctx.Done(); _ = hs.Close() }()
	if err := hs.Serve(limitListener(l, 512)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loopbackHostOnly refuses (421) a request whose Host is not localhost or
// a loopback address: a web page the developer visits can't read the
// deliveries through DNS rebinding (its name resolving to 127.0.0.1), since
// its requests carry its own name as Host.
func loopbackHostOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "this embedded Cognito answers only requests addressed to localhost or a loopback address (-expose lifts this)", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limitListener lets at most n connections be open at once: Accept waits
// for one to close (golang.org/x/net/netutil.LimitListener, without the
// dependency).
func limitListener(l net.Listener, n int) net.Listener {
	return &capped{Listener: l, sem: make(chan struct{}, n)}
}

type capped struct {
	net.Listener
	sem chan struct{}
}

func (c *capped) Accept() (net.Conn, error) {
	c.sem <- struct{}{}
	conn, err := c.Listener.Accept()
	if err != nil {
		<-c.sem
		return nil, err
	}
	return &cappedConn{Conn: conn, release: func() { <-c.sem }}, nil
}

type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func run(ctx context.Context) error {
	// An in-memory Cognito behind a real HTTP endpoint.
	fake, err := newFake()
	if err != nil {
		return err
	}
	srv := resetpwtest.NewServer(fake)
	defer srv.Close()

	// The library, over a real SDK client. With your own AWS account this
	// is cognitoidentityprovider.NewFromConfig(cfg).
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	r, err := resetpw.New(srv.Client(), resetpw.WithLogger(logger))
	if err != nil {
		return err
	}

	fmt.Println("0. Check the pool, as a service would at startup (no user read, nothing sent)")
	rep, err := r.CheckPool(ctx, poolID)
	if err != nil {
		return err
	}
	fmt.Printf("   resettable: %v, recovery order: %v (legacy: %v), email by %s (%d a day), SMS sandbox: %s\n",
		rep.Resettable, rep.RecoveryOrder, rep.LegacyRecovery, rep.EmailSender, rep.DailyEmailLimit, rep.SMSSandbox)

	fmt.Println("1. Reset diego@example.com in", poolID)
	res, err := r.Reset(ctx, resetpw.Request{
		UserPoolID:     poolID,
		Username:       "diego@example.com",
		ClientMetadata: map[string]string{"source": "quickstart"},
	})
	if err != nil {
		return err
	}
	fmt.Printf("   sent: user %s (read as %s)", res.Username, res.Input)
	if res.Delivery != nil { // nil unless the preflight is full, the default
		fmt.Printf(", code by %s to %s via %s", res.Delivery.Medium, res.Delivery.MaskedDestination, res.Delivery.Sender)
	}
	fmt.Printf("\n   Cognito request ID: %s\n", res.RequestID)
	for _, c := range res.Caveats {
		fmt.Printf("   caveat %s (docs/cognito-rules.md %s): %s\n", c.Code, c.Rule, c.Message)
	}

	fmt.Println("2. Reset nora, whose email is not verified")
	show(r.Reset(ctx, resetpw.Request{UserPoolID: poolID, Username: "nora"}))

	fmt.Println("3. Reset sam, whose only contact is a phone, while SMS is in the sandbox")
	show(r.Reset(ctx, resetpw.Request{UserPoolID: poolID, Username: "sam"}))

	fmt.Printf("AdminResetUserPassword requests that reached Cognito: %d (the refused resets sent nothing)\n",
		srv.Calls("AdminResetUserPassword"))
	return nil
}

func show(_ *resetpw.Result, err error) {
	var e *resetpw.Error
	if !errors.As(err, &e) {
		fmt.Println("   unexpected:", err)
		return
	}
	fmt.Printf("   refused: %s\n", e.Kind.Code())
	fmt.Printf("   errors.Is(err, resetpw.ErrNoVerifiedContact) = %v, errors.Is(err, resetpw.ErrSMSSandbox) = %v\n",
		errors.Is(err, resetpw.ErrNoVerifiedContact), errors.Is(err, resetpw.ErrSMSSandbox))
	fmt.Printf("   %v\n", err)
}
