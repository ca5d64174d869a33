package resetpwtest

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// customMessageFunc is a custom message Lambda (Fake.triggers).
type customMessageFunc = lambda.Handler

// SetTrigger makes h the custom message Lambda whose ARN is arn, as
// lambda.NewHandler makes one of a function such as
// custommessage.Handler.Handle:
//
//	f.SetTrigger(arn, lambda.NewHandler(h.Handle))
//
// A reset in a pool whose LambdaConfig.CustomMessage names arn invokes h
// with the JSON event Cognito sends (R50, R51): trigger source
// CustomMessage_ForgotPassword, the pool's Region and ID, the user's
// username and attributes (with cognito:user_status), codeParameter
// "{####}", the request's ClientMetadata, and a response whose fields are
// null. h runs under Cognito's five-second timeout, tried three times
// (R57). An invitation (AdminCreateUser with RESEND) invokes it too, with
// trigger source CustomMessage_AdminCreateUser and usernameParameter
// "{username}"; its Delivery's Message keeps "{####}" where the temporary
// password goes, and a message without "{####}" leaves the pool's
// template (R38).
//
// Its answer becomes the Delivery, read as Cognito reads it: for an email,
// emailMessage and emailSubject; for an SMS, smsMessage. An emailMessage or
// emailSubject that isn't null, in a pool whose EmailSendingAccount isn't
// DEVELOPER, is answered InvalidLambdaResponseException, whatever the
// medium (R54). A null field is
// the pool's own message (R58): "Your password reset code is {####}." for
// a body, no subject. A field set is held to Cognito's patterns and limits
// (R54): an empty one, one with a character outside the email patterns
// (such as U+00A0 or U+200B), a body without "{####}" or a message too long
// is answered InvalidParameterException, as Cognito answers. Then
// Subject and Message are the answer with a new six-digit Code in place of
// "{####}". An error of h is answered UserLambdaValidationException, three
// timeouts UnexpectedLambdaException, an answer that isn't the event
// InvalidLambdaResponseException; nothing is sent then (R57).
//
// h runs while the Fake is locked: it must not call the Fake. A nil h
// removes the trigger; a pool naming an ARN that has no h sends as if it
// had no trigger.
func (f *Fake) SetTrigger(arn string, h lambda.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.triggers == nil {
		f.triggers = map[string]customMessageFunc{}
	}
	if h == nil {
		delete(f.triggers, arn)
		return
	}
	f.triggers[arn] = h
}

// codePlaceholder is the codeParameter of the events the Fake sends.
const codePlaceholder = "{####}"

// Cognito's handling of a trigger (R57): a five-second timeout, three
// attempts.
const (
	triggerTimeout  = 5 * time.Second
	triggerAttempts = 3
)

// triggerEvent is the custom message event as Cognito writes it: the
// response's fields, and the parameters a reset doesn't use, are null.
type triggerEvent struct {
	Version       string `json:"version"`
	TriggerSource string `json:"triggerSource"`
	Region        string `json:"region"`
	UserPoolID    string `json:"userPoolId"`
	UserName      string `json:"userName"`
	CallerContext struct {
		AWSSDKVersion string `json:"awsSdkVersion"`
		ClientID      string `json:"clientId"`
	} `json:"callerContext"`
	Request struct {
		UserAttributes    map[string]string `json:"userAttributes"`
		CodeParameter     string            `json:"codeParameter"`
		LinkParameter     *string           `json:"linkParameter"`
		UsernameParameter *string           `json:"usernameParameter"`
		ClientMetadata    map[string]string `json:"clientMetadata"`
	} `json:"request"`
	Response triggerResponse `json:"response"`
}

// triggerResponse is the part of the answer Cognito reads; null is nil.
type triggerResponse struct {
	SMSMessage   *string `json:"smsMessage"`
	EmailMessage *string `json:"emailMessage"`
	EmailSubject *string `json:"emailSubject"`
}

// The patterns of MessageTemplateType (R54), which Cognito's errors quote
// for a trigger's message too.
const (
	emailBodyPattern    = `[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]*`
	emailSubjectPattern = `[\p{L}\p{M}\p{S}\p{N}\p{P}\s]+`
	smsPattern          = `.*\{####\}.*`
)

var (
	emailBodyRE    = regexp.MustCompile(`^(?:` + javaSpace(emailBodyPattern) + `)$`)
	emailSubjectRE = regexp.MustCompile(`^(?:` + javaSpace(emailSubjectPattern) + `)$`)
	smsRE          = regexp.MustCompile(`^(?s:.*\{####\}.*)$`)
)

// javaSpace gives \s the meaning of Java's, which Cognito's patterns are
// written in: Go's \s lacks the vertical tab.
func javaSpace(p string) string { return strings.ReplaceAll(p, `\s`, `\t\n\x0B\f\r `) }

// customMessage runs p's custom message trigger, if SetTrigger gave it one,
// for the reset of u that d records, and writes its answer into d.
func (f *Fake) customMessage(ctx context.Context, p *fakePool, u *fakeUser, d *Delivery, in *cip.AdminResetUserPasswordInput) error {
	lc := p.pool.LambdaConfig
	if lc == nil {
		return nil
	}
	h := f.triggers[aws.ToString(lc.CustomMessage)]
	if h == nil {
		return nil
	}
	ev := f.messageEvent(p, u, d, in)
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}

	answer, err := invokeTrigger(ctx, h, payload)
	if err != nil {
		return err
	}
	var out triggerEvent
	if err := json.Unmarshal(answer, &out); err != nil {
		return &types.InvalidLambdaResponseException{Message: aws.String("Unrecognizable lambda output")}
	}
	r := out.Response
	if ec := p.pool.EmailConfiguration; (r.EmailMessage != nil || r.EmailSubject != nil) &&
		(ec == nil || ec.EmailSendingAccount != types.EmailSendingAccountTypeDeveloper) {
		return &types.InvalidLambdaResponseException{Message: aws.String(
			"Invalid lambda response: emailMessage and emailSubject are allowed only if the pool's EmailSendingAccount is DEVELOPER.")}
	}
	if d.Invitation {
		return inviteMessage(d, r) // fake_invite.go
	}
	var msg, subject string
	if d.Medium == resetpw.MediumEmail {
		if msg, err = checkField(r.EmailMessage, "emailBody", emailBodyRE, emailBodyPattern, 6, 20000); err != nil {
			return err
		}
		if r.EmailSubject != nil {
			if subject, err = checkField(r.EmailSubject, "emailSubject", emailSubjectRE, emailSubjectPattern, 1, 140); err != nil {
				return err
			}
		}
	} else if msg, err = checkField(r.SMSMessage, "smsMessage", smsRE, smsPattern, 6, 140); err != nil {
		return err
	}
	d.Code = newCode()
	d.Message = strings.ReplaceAll(msg, codePlaceholder, d.Code)
	d.Subject = strings.ReplaceAll(subject, codePlaceholder, d.Code)
	return nil
}

// invokeTrigger invokes h with payload as Cognito does (R57): each attempt
// within the timeout, three attempts when the function doesn't answer in
// time, none more when it fails.
func invokeTrigger(ctx context.Context, h lambda.Handler, payload []byte) ([]byte, error) {
	type result struct {
		answer []byte
		err    error
	}
	for range triggerAttempts {
		actx, cancel := context.WithTimeout(ctx, triggerTimeout)
		done := make(chan result, 1)
		go func() {
			b, err := h.Invoke(actx, payload)
			done <- result{b, err}
		}()
		select {
		case r := <-done:
			cancel()
			if r.err != nil {
				return nil, &types.UserLambdaValidationException{Message: aws.String(fmt.Sprintf("CustomMessage failed with error %s.", r.err))}
			}
			return r.answer, nil
		case <-actx.Done():
			cancel()
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return nil, &types.UnexpectedLambdaException{Message: aws.String("CustomMessage invocation failed due to error Socket timeout exception.")}
}

// checkField returns a trigger's message v as Cognito reads it: null is
// the pool's default message (R58); a value is held to pattern and to
// min to max characters, counted in UTF-16 units as Cognito's Java does
// (R54).
func checkField(v *string, field string, re *regexp.Regexp, pattern string, minLen, maxLen int) (string, error) {
	if v == nil {
		if field == "emailSubject" {
			return "", nil
		}
		return "Your password reset code is " + codePlaceholder + ".", nil
	}
	if *v == "" {
		return "", &types.InvalidParameterException{Message: aws.String("The message is empty.")}
	}
	var why []string
	if n := len(utf16.Encode([]rune(*v))); n < minLen {
		why = append(why, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	} else if n > maxLen {
		why = append(why, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
	if !re.MatchString(*v) {
		why = append(why, "Member must satisfy regular expression pattern: "+pattern)
	}
	if why == nil {
		return *v, nil
	}
	return "", &types.InvalidParameterException{Message: aws.String(fmt.Sprintf(
		"1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", *v, field, strings.Join(why, "; ")))}
}

// messageEvent is the event Cognito sends p's custom message trigger for
// the message d records (R50, R51): CustomMessage_AdminCreateUser, with a
// usernameParameter, for an invitation.
func (f *Fake) messageEvent(p *fakePool, u *fakeUser, d *Delivery, in *cip.AdminResetUserPasswordInput) triggerEvent {
	var ev triggerEvent
	ev.Version = "1"
	ev.TriggerSource = "CustomMessage_ForgotPassword"
	if d.Invitation {
		ev.TriggerSource, ev.Request.UsernameParameter = "CustomMessage_AdminCreateUser", aws.String("{username}")
	}
	ev.Region = f.region
	ev.UserPoolID = aws.ToString(p.pool.Id)
	ev.UserName = u.username
	ev.CallerContext.AWSSDKVersion = "aws-sdk-unknown-unknown"
	ev.CallerContext.ClientID = "CLIENT_ID_NOT_APPLICABLE"
	ev.Request.UserAttributes = map[string]string{"cognito:user_status": string(u.status)}
	for _, a := range u.attrs {
		ev.Request.UserAttributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	ev.Request.CodeParameter = codePlaceholder
	ev.Request.ClientMetadata = cloneMap(in.ClientMetadata)
	return ev
}
