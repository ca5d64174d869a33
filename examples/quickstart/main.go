// Command quickstart runs the library's main job on an embedded Cognito: no
// AWS account, no network. It starts a resetpwtest.Server holding the pool
// of the AWS CLI reference page's example, resets diego@example.com there,
// and then shows two resets the library refuses before anything is sent.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const poolID = "us-west-2_aaaaaaaaa"

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// An in-memory Cognito behind a real HTTP endpoint. The pool lets users
	// sign in with their email as an alias, and its SMS account is still in
	// the SNS sandbox.
	fake := resetpwtest.NewFake()
	fake.AddPool(types.UserPoolType{
		Id:                      aws.String(poolID),
		AliasAttributes:         []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		SmsConfigurationFailure: aws.String("SNSSandbox"),
	})
	for _, u := range []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"),
	} {
		if _, err := fake.AddUser(poolID, u); err != nil {
			return err
		}
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

	fmt.Println("1. Reset diego@example.com in", poolID)
	res, err := r.Reset(ctx, resetpw.Request{
		UserPoolID:     poolID,
		Username:       "diego@example.com",
		ClientMetadata: map[string]string{"source": "quickstart"},
	})
	if err != nil {
		return err
	}
	fmt.Printf("   sent: user %s (read as %s), code by %s to %s\n", res.Username, res.Input, res.Delivery.Medium, res.Delivery.Destination)
	fmt.Printf("   Cognito request ID: %s\n", res.RequestID)

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
	fmt.Printf("   refused: %s\n", resetpw.Code(e.Kind))
	fmt.Printf("   errors.Is(err, resetpw.ErrNoVerifiedContact) = %v, errors.Is(err, resetpw.ErrSMSSandbox) = %v\n",
		errors.Is(err, resetpw.ErrNoVerifiedContact), errors.Is(err, resetpw.ErrSMSSandbox))
	fmt.Printf("   %v\n", err)
}
