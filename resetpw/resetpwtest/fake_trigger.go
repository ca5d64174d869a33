package resetpwtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// customMessageFunc is a custom message Lambda, in Go.
type customMessageFunc = func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error)

// SetTrigger makes fn the custom message Lambda whose ARN is arn, as
// custommessage.Handler.Handle is. A reset in a pool whose
// LambdaConfig.CustomMessage names arn calls fn with the event Cognito
// sends (R50, R51): trigger source CustomMessage_ForgotPassword, the
// pool's Region and ID, the user's username and attributes (with
// cognito:user_status), codeParameter "{####}" and the request's
// ClientMetadata. Its answer becomes the Delivery: Subject and Message are
// the email's or the SMS's, with a new six-digit Code in place of "{####}";
// an empty message is Cognito's default ("Your password reset code is
// {####}."); a message without "{####}" is answered
// InvalidLambdaResponseException and an error of fn
// UserLambdaValidationException, and no code is sent (R57, R58).
//
// fn runs while the Fake is locked: it must not call the Fake. A nil fn
// removes the trigger; a pool naming an ARN that has no fn sends as if it
// had no trigger.
func (f *Fake) SetTrigger(arn string, fn func(context.Context, events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.triggers == nil {
		f.triggers = map[string]customMessageFunc{}
	}
	if fn == nil {
		delete(f.triggers, arn)
		return
	}
	f.triggers[arn] = fn
}

// codePlaceholder is the codeParameter of the events the Fake sends.
const codePlaceholder = "{####}"

// customMessage runs p's custom message trigger, if SetTrigger gave it one,
// for the reset of u that d records, and writes its answer into d.
func (f *Fake) customMessage(ctx context.Context, p *fakePool, u *fakeUser, d *Delivery, in *cip.AdminResetUserPasswordInput) error {
	lc := p.pool.LambdaConfig
	if lc == nil {
		return nil
	}
	fn := f.triggers[aws.ToString(lc.CustomMessage)]
	if fn == nil {
		return nil
	}
	var ev events.CognitoEventUserPoolsCustomMessage
	ev.Version = "1"
	ev.TriggerSource = "CustomMessage_ForgotPassword"
	if d.Invitation {
		ev.TriggerSource, ev.Request.UsernameParameter = "CustomMessage_AdminCreateUser", "{username}"
	}
	ev.Region = f.region
	ev.UserPoolID = aws.ToString(p.pool.Id)
	ev.UserName = u.username
	ev.CallerContext.AWSSDKVersion = "aws-sdk-unknown-unknown"
	ev.CallerContext.ClientID = "CLIENT_ID_NOT_APPLICABLE"
	ev.Request.UserAttributes = map[string]any{"cognito:user_status": string(u.status)}
	for _, a := range u.attrs {
		ev.Request.UserAttributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	ev.Request.CodeParameter = codePlaceholder
	ev.Request.ClientMetadata = cloneMap(in.ClientMetadata)

	out, err := fn(ctx, ev)
	if err != nil {
		return &types.UserLambdaValidationException{Message: aws.String(fmt.Sprintf("CustomMessage failed with error %s.", err))}
	}
	if d.Invitation {
		return inviteMessage(d, out) // fake_invite.go
	}
	msg := out.Response.SMSMessage
	if d.Medium == resetpw.MediumEmail {
		msg, d.Subject = out.Response.EmailMessage, out.Response.EmailSubject
	}
	if msg == "" {
		msg = "Your password reset code is " + codePlaceholder + "."
	}
	if !strings.Contains(msg, codePlaceholder) {
		return &types.InvalidLambdaResponseException{Message: aws.String("Invalid lambda response: the message has no code parameter.")}
	}
	d.Code = fmt.Sprintf("%06d", rand.IntN(1_000_000))
	d.Message = strings.ReplaceAll(msg, codePlaceholder, d.Code)
	d.Subject = strings.ReplaceAll(d.Subject, codePlaceholder, d.Code)
	return nil
}
