// Command plain answers Cognito's custom message event with lambda.Start
// and no library: the baseline of the custommessage example's size and
// cold start.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		if ev.TriggerSource == "CustomMessage_ForgotPassword" {
			ev.Response.SMSMessage = "Reset your password: https://app.example.com/reset#code=" + ev.Request.CodeParameter
		}
		return ev, nil
	})
}
