package custommessage_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitoreset/cognitoreset/custommessage"
)

func ExampleHandler_Handle() {
	h, err := custommessage.New(custommessage.Config{
		ResetURL: "https://app.example.com/reset",
		ForgotPassword: custommessage.Templates{
			EmailSubject: "Reset your password",
			EmailHTML:    `<p>Hello {username}, <a href="{link}">choose a new password</a>.</p>`,
			SMS:          "Reset your password: {link}",
		},
	})
	if err != nil {
		panic(err)
	}

	// The event Cognito sends when AdminResetUserPassword or ForgotPassword
	// sends a code.
	var ev events.CognitoEventUserPoolsCustomMessage
	ev.TriggerSource = "CustomMessage_ForgotPassword"
	ev.UserName = "alice@example.com"
	ev.Request.CodeParameter = "{####}"

	out, _ := h.Handle(context.Background(), ev)
	fmt.Println(out.Response.EmailSubject)
	fmt.Println(out.Response.EmailMessage)
	fmt.Println(out.Response.SMSMessage)
	// Output:
	// Reset your password
	// <p>Hello alice@example.com, <a href="https://app.example.com/reset#code={####}&amp;username=alice%40example.com">choose a new password</a>.</p>
	// Reset your password: https://app.example.com/reset#code={####}&username=alice%40example.com
}

func ExampleConfig_origins() {
	// Two apps share the pool: the caller names its app's origin in
	// ClientMetadata, and only a listed origin is taken.
	h, err := custommessage.New(custommessage.Config{
		ResetURL:       "https://app.example.com/reset",
		OriginKey:      "app_origin",
		Origins:        []string{"https://eu.app.example.com"},
		ForgotPassword: custommessage.Templates{SMS: "{link}"},
	})
	if err != nil {
		panic(err)
	}
	for _, origin := range []string{"https://eu.app.example.com", "https://evil.example"} {
		var ev events.CognitoEventUserPoolsCustomMessage
		ev.TriggerSource = "CustomMessage_ForgotPassword"
		ev.UserName = "bob"
		ev.Request.CodeParameter = "{####}"
		ev.Request.ClientMetadata = map[string]string{"app_origin": origin}
		out, _ := h.Handle(context.Background(), ev)
		fmt.Println(out.Response.SMSMessage)
	}
	// Output:
	// https://eu.app.example.com/reset#code={####}&username=bob
	// https://app.example.com/reset#code={####}&username=bob
}

func ExampleHandler_CheckMetadata() {
	h, _ := custommessage.New(custommessage.Config{
		ResetURL:       "https://app.example.com/reset",
		ForgotPassword: custommessage.Templates{EmailHTML: `<a href="{link}">Reset</a> (ticket {meta:ticket})`},
	})
	fmt.Println(h.CheckMetadata(map[string]string{"ticket": "T-42"}))
	fmt.Println(h.CheckMetadata(nil))
	// Output:
	// <nil>
	// metadata: invalid client metadata: key "ticket": key_missing (the reset message shows it)
}
