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
// (InvalidPasswordException); a contact for DesiredDeliveryMediums (SMS
// when none is given; InvalidParameterException, assumed). Then it records
// an invitation per medium (Delivery.Invitation), sent as a reset code
// would be (its Sender, its drops, the daily email cap), or dropped when
// the pool's invitation template has no {####}; and the new temporary
// password replaces the old one, its validity counted from now.
func (f *Fake) inviteAgain(ctx context.Context, in *cip.AdminCreateUserInput) (*cip.AdminCreateUserOutput, error) {
	out, err := f.resend(ctx, in)
	if err != nil {
		return nil, err
	}
	return out, f.answerLate(ctx)
}

func (f *Fake) resend(ctx context.Context, in *cip.AdminCreateUserInput) (*cip.AdminCreateUserOutput, error) {
	p, err := f.enterPool(ctx, opAdminCreateUser, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
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
	now := f.now()
	var sent []Delivery
	for _, m := range []types.DeliveryMediumType{types.DeliveryMediumTypeEmail, types.DeliveryMediumTypeSms} {
		if !slices.Contains(mediums, m) {
			continue
		}
		d, ok, err := f.invitation(p, u, in, m, now)
		if err != nil {
			return nil, err
		}
		if ok {
			sent = append(sent, d)
		}
	}
	if len(sent) == 0 {
		return nil, invalidParameter("User has no email or phone_number for the desired delivery mediums.")
	}
	f.deliveries = append(f.deliveries, sent...)
	u.temporary, u.modified = p.temporaryPassword(pw, now), now
	ut := u.userType()
	return &cip.AdminCreateUserOutput{User: &ut, ResultMetadata: f.metadata()}, nil
}

// invitation sends u's invitation by medium m, as a code is sent, or drops
// it when the pool's template has no {####} (R38); ok is false when u has
// no contact for m.
func (f *Fake) invitation(p *fakePool, u *fakeUser, in *cip.AdminCreateUserInput, m types.DeliveryMediumType, now time.Time) (d Delivery, ok bool, err error) {
	d = Delivery{Invitation: true, UserPoolID: aws.ToString(in.UserPoolId), Username: u.username,
		ClientMetadata: cloneMap(in.ClientMetadata), At: now}
	var template *string
	if t := p.invitationTemplate(); t != nil {
		template = t.SMSMessage
		if m == types.DeliveryMediumTypeEmail {
			template = t.EmailMessage
		}
	}
	if m == types.DeliveryMediumTypeEmail {
		d.Medium, d.Destination = resetpw.MediumEmail, u.attr("email")
	} else {
		d.Medium, d.Destination = resetpw.MediumSMS, u.attr("phone_number")
	}
	switch {
	case d.Destination == "":
		return d, false, nil
	case template != nil && !strings.Contains(*template, "{####}"):
		d.Dropped, d.DropReason = true, "invitation template has no {####} placeholder"
	case m == types.DeliveryMediumTypeEmail:
		err = f.sendEmail(p, &d, now)
	default:
		err = f.sendSMS(p, &d)
	}
	return d, err == nil, err
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
