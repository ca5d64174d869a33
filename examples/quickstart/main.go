// Command quickstart runs the library's main job on an embedded Cognito: no
// AWS account, no network. It starts a resetpwtest.Server holding the pool
// of the AWS CLI reference page's example (internal/demopool: diego, whose
// email is verified; nora, whose email is not; sam, whose only contact is a
// phone, while the pool's SMS is in the SNS sandbox), checks the pool as a
// service would at startup, resets diego@example.com (saying where the code
// went and what the preflight could not prove), and then shows two resets
// the library refuses before anything is sent.
//
//	go -C examples run ./quickstart
//
// The same fake Cognito, kept running for the AWS CLI, boto3 or the other
// examples, is cmd/fakecognito.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cognitoreset/cognitoreset/internal/demopool"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// An in-memory Cognito behind a real HTTP endpoint.
	fake, err := demopool.New(0)
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
	rep, err := r.CheckPool(ctx, demopool.PoolID)
	if err != nil {
		return err
	}
	fmt.Printf("   resettable: %v, recovery order: %v (legacy: %v), email by %s (%d a day), SMS sandbox: %s\n",
		rep.Resettable, rep.RecoveryOrder, rep.LegacyRecovery, rep.EmailSender, rep.DailyEmailLimit, rep.SMSSandbox)

	fmt.Println("1. Reset diego@example.com in", demopool.PoolID)
	res, err := r.Reset(ctx, resetpw.Request{
		UserPoolID:     demopool.PoolID,
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
	show(r.Reset(ctx, resetpw.Request{UserPoolID: demopool.PoolID, Username: "nora"}))

	fmt.Println("3. Reset sam, whose only contact is a phone, while SMS is in the sandbox")
	show(r.Reset(ctx, resetpw.Request{UserPoolID: demopool.PoolID, Username: "sam"}))

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
