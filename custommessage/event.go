package custommessage

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
)

// Event is the custom message event as [Handler.Handle] answers it:
// Cognito's event, whose JSON differs from the events package's in one
// way. A message of the response left empty is written null, which tells
// Cognito to send the pool's own message (R58), where
// events.CognitoEventUserPoolsCustomMessage would write "", a message
// Cognito refuses as empty.
type Event struct {
	events.CognitoEventUserPoolsCustomMessage
}

// MarshalJSON writes e as Cognito reads it, its empty messages null.
func (e Event) MarshalJSON() ([]byte, error) {
	type response struct {
		SMSMessage   *string `json:"smsMessage"`
		EmailMessage *string `json:"emailMessage"`
		EmailSubject *string `json:"emailSubject"`
	}
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	r := e.Response
	return json.Marshal(struct {
		events.CognitoEventUserPoolsHeader
		Request  events.CognitoEventUserPoolsCustomMessageRequest `json:"request"`
		Response response                                         `json:"response"`
	}{e.CognitoEventUserPoolsHeader, e.Request, response{null(r.SMSMessage), null(r.EmailMessage), null(r.EmailSubject)}})
}
