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
// /resetpwtest/deliveries lists the codes sent):
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
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
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
	flag.Parse()
	var err error
	if *serve != "" {
		err = serveFake(*serve, *users, *answerDelay)
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

// serveFake serves the embedded Cognito on addr until interrupted, with n
// more users and answers to resets delayed by answerDelay. The Fake's
// deliveries are at resetpwtest.DeliveriesPath.
func serveFake(addr string, n int, answerDelay time.Duration) error {
	fake, err := newFake()
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("user%04d", i)
		if _, err := fake.AddUser(poolID, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")); err != nil {
			return err
		}
	}
	fake.DelayAnswers(answerDelay)
	srv := resetpwtest.NewServer(fake)
	defer srv.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("embedded Cognito at http://%s: pool %s, users diego (diego@example.com), nora, sam; Ctrl-C stops it\n", l.Addr(), poolID)
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); _ = hs.Close() }()
	if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
		fmt.Printf(", code by %s to %s via %s", res.Delivery.Medium, res.Delivery.Destination, res.Delivery.Sender)
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
		srv.Requests(resetpwtest.OpAdminResetUserPassword))
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
