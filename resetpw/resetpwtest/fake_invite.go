package resetpwtest

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// inviteAgain serves AdminCreateUser with MessageAction RESEND (R38 to
// R40), checking in this order: the pool; the user, named as for every
// Admin operation (ResourceNotFoundException, UserNotFoundException); its
// state, FORCE_CHANGE_PASSWORD only (UnsupportedUserStateException); a
// TemporaryPassword given against the password policy
// (InvalidPasswordException); a contact for every medium of
// DesiredDeliveryMediums (SMS when none is given): one missing refuses the
// whole call (InvalidParameterException, R38). Then it builds an
// invitation per medium (Delivery.Invitation), through the custom message
// trigger (CustomMessage_AdminCreateUser) when SetTrigger gave the pool
// one, and sends them as a reset code would be (its Sender, its drops, the
// daily email cap); one whose message has no {####} (the trigger's, else
// the template's) is dropped. Only when every one is sent does anything
// change: the deliveries are recorded and the new temporary password
// replaces the old one, its validity counted from now.
func (f *Fake) inviteAgain(ctx context.Context, in *cip.AdminCreateUserInput) (*cip.AdminCreateUserOutput, error) {
	out, err := f.resend(ctx, in)
	if err != nil {
		return nil, err
	}
	return out, f.answerLate(ctx)
}

func (f *Fake) resend(ctx context.Context, in *cip.AdminCreateUserInput) (*cip.AdminCreateUserOutput, error) {
	var late error
	p, err := f.enterPoolLate(ctx, opAdminCreateUser, in.UserPoolId, &late)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if err := p.refuseOnReplica(); err != nil {
		return nil, err
	}
	u := p.find(aws.ToString(in.Username))
	if u == nil {
		return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
	}
	if u.status != types.UserStatusTypeForceChangePassword {
		return nil, &types.UnsupportedUserStateException{Message: aws.String("Resend not possible. User status is not FORCE_CHANGE_PASSWORD.")}
	}
	pw := aws.ToString(in.TemporaryPassword)
	if pw != "" {
		if err := p.checkPassword(pw); err != nil {
			return nil, err
		}
	} else {
		pw = p.generatedPassword()
	}
	mediums := in.DesiredDeliveryMediums
	if len(mediums) == 0 {
		mediums = []types.DeliveryMediumType{types.DeliveryMediumTypeSms}
	}
	// Every medium needs its contact, before anything is sent (R38).
	for _, m := range []types.DeliveryMediumType{types.DeliveryMediumTypeEmail, types.DeliveryMediumTypeSms} {
		if slices.Contains(mediums, m) && u.attr(contactOf[m].attr) == "" {
			return nil, invalidParameter(contactOf[m].missing)
		}
	}
	now := f.now()
	var sent []Delivery
	// SMS before email: sending an SMS changes nothing in the Fake, while
	// an email counts towards the daily cap, so the one call that may
	// still fail after a send is the last: a call that fails leaves no
	// trace.
	for _, m := range []types.DeliveryMediumType{types.DeliveryMediumTypeSms, types.DeliveryMediumTypeEmail} {
		if !slices.Contains(mediums, m) {
			continue
		}
		d, err := f.invitation(ctx, p, u, in, m, now, late != nil)
		if err != nil {
			return nil, err
		}
		sent = append(sent, d)
	}
	slices.Reverse(sent) // recorded email first
	f.deliveries = append(f.deliveries, sent...)
	u.temporary, u.modified = p.temporaryPassword(pw, now), now
	if late != nil {
		return nil, late // acted, then the message failed (R40, R62)
	}
	ut := u.userType()
	return &cip.AdminCreateUserOutput{User: &ut, ResultMetadata: f.metadata()}, nil
}

// contactOf is the attribute an invitation by a medium goes to, and the
// answer when the user has none: observed for email ("No email provided
// but desired delivery medium was Email", R38), the SMS one's wording
// assumed.
var contactOf = map[types.DeliveryMediumType]struct{ attr, missing string }{
	types.DeliveryMediumTypeEmail: {"email", "No email provided but desired delivery medium was Email"},
	types.DeliveryMediumTypeSms:   {"phone_number", "No phone_number provided but desired delivery medium was Sms"},
}

// invitation sends u's invitation by medium m, as a code is sent, or drops
// it when its message has no {####} (R38): the custom message trigger's
// (fake_trigger.go), else the pool's template. failed: the call answers
// CodeDeliveryFailureException, and nothing is sent.
func (f *Fake) invitation(ctx context.Context, p *fakePool, u *fakeUser, in *cip.AdminCreateUserInput, m types.DeliveryMediumType, now time.Time, failed bool) (d Delivery, err error) {
	d = Delivery{Invitation: true, UserPoolID: aws.ToString(in.UserPoolId), Username: u.username,
		ClientMetadata: cloneMap(in.ClientMetadata), At: now}
	if m == types.DeliveryMediumTypeEmail {
		d.Medium, d.Destination = resetpw.MediumEmail, u.attr("email")
	} else {
		d.Medium, d.Destination = resetpw.MediumSMS, u.attr("phone_number")
	}
	if err := f.customMessage(ctx, p, u, &d, &cip.AdminResetUserPasswordInput{ClientMetadata: in.ClientMetadata}); err != nil {
		return d, err
	}
	template := d.Message // the trigger's, with "{####}" kept
	if template == "" {
		if t := p.invitationTemplate(); t != nil {
			template = aws.ToString(t.SMSMessage)
			if m == types.DeliveryMediumTypeEmail {
				template = aws.ToString(t.EmailMessage)
			}
		}
	}
	switch {
	case failed:
		d.Dropped, d.DropReason = true, "CodeDeliveryFailureException"
	case template != "" && !strings.Contains(template, codePlaceholder):
		d.Dropped, d.DropReason = true, "invitation template has no {####} placeholder"
	case m == types.DeliveryMediumTypeEmail:
		err = f.sendEmail(p, &d, now)
	default:
		err = f.sendSMS(p, &d)
	}
	return d, err
}

// inviteMessage writes into d the invitation a custom message trigger
// answered (CustomMessage_AdminCreateUser), held to Cognito's patterns and
// limits as a reset's (R54): its message with {username} filled and
// "{####}" kept where the temporary password goes, so that no Delivery,
// nor the Server's DeliveriesPath, holds a password. A null message, or
// one without "{####}" or "{username}", leaves d.Message empty: the pool's
// template is sent instead (R58).
func inviteMessage(d *Delivery, r triggerResponse) error {
	field, v, re, pattern, limit := "smsMessage", r.SMSMessage, smsRE, smsPattern, 140
	if d.Medium == resetpw.MediumEmail {
		field, v, re, pattern, limit = "emailBody", r.EmailMessage, emailBodyRE, emailBodyPattern, 20000
	}
	if v == nil || (*v != "" && (!strings.Contains(*v, codePlaceholder) || !strings.Contains(*v, "{username}"))) {
		return nil
	}
	msg, err := checkField(v, field, re, pattern, 6, limit)
	if err != nil {
		return err
	}
	if d.Medium == resetpw.MediumEmail && r.EmailSubject != nil {
		if d.Subject, err = checkField(r.EmailSubject, "emailSubject", emailSubjectRE, emailSubjectPattern, 1, 140); err != nil {
			return err
		}
	}
	d.Message = strings.ReplaceAll(msg, "{username}", d.Username)
	return nil
}

func (p *fakePool) invitationTemplate() *types.MessageTemplateType {
	if c := p.pool.AdminCreateUserConfig; c != nil {
		return c.InviteMessageTemplate
	}
	return nil
}

// generatedPassword is the temporary password Cognito makes when
// AdminCreateUser is given none: one of each class, then letters and
// digits up to the policy's length.
func (p *fakePool) generatedPassword() string {
	n := 12
	if pp := p.passwordPolicy(); pp != nil && int(aws.ToInt32(pp.MinimumLength)) > n {
		n = int(aws.ToInt32(pp.MinimumLength))
	}
	return "Aa1!" + randomID(n)
}
