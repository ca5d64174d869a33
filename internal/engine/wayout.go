package engine

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/temppass"
	"github.com/cognitoreset/cognitoreset/quota"
)

// WayOut is the action that reaches a user a reset can't (Error.WayOut,
// R45): its codes are stable.
type WayOut string

// The ways out of a refusal.
const (
	WayInviteAgain       WayOut = "invite_again"       // FORCE_CHANGE_PASSWORD: InviteAction
	WayTemporaryPassword WayOut = "temporary_password" // no contact a code reaches: TemporaryPasswordAction, out of band
	WayVerifyContact     WayOut = "verify_contact"     // an unverified email or phone: have the user verify it first
)

// noContactWay is the way out for a user no verified contact qualifies
// for (R45): verifying an unverified one it holds, when the pool's
// recovery would then use it (its mechanisms, no MFA on that medium that
// disqualifies it, R4, R5, and for a phone an SMS the pool can send, R61),
// or else a temporary password when the user takes one.
func noContactWay(p *poolInfo, u *userInfo) WayOut {
	for _, m := range p.mechanisms {
		attr, mfa := "email", u.emailMFA
		switch m {
		case types.RecoveryOptionNameTypeVerifiedEmail:
		case types.RecoveryOptionNameTypeVerifiedPhoneNumber:
			if !p.smsConfig && !p.customSMS {
				continue // no SMS goes out, verified or not (R61)
			}
			attr, mfa = "phone_number", u.smsMFA
		default:
			continue
		}
		if u.attrs[attr] != "" && u.attrs[attr+"_verified"] != "true" && !(p.hasSetting && mfa) {
			return WayVerifyContact
		}
	}
	return temporaryPasswordWay(u)
}

// temporaryPasswordWay names a temporary password for u when its
// preflight would take it, else no way.
func temporaryPasswordWay(u *userInfo) WayOut {
	if temporaryPasswordRefusal(u) != nil {
		return ""
	}
	return WayTemporaryPassword
}

// forceChange returns f, a reset's refusal of u, naming
// forceChangeWay's way where f names invite again.
func (r *Engine) forceChange(ctx context.Context, p *poolInfo, u *userInfo, f *refusal) *refusal {
	if f.way == WayInviteAgain {
		g := *f
		g.way = r.forceChangeWay(ctx, p, u)
		return &g
	}
	return f
}

// forceChangeWay is the way out for an enabled user in
// FORCE_CHANGE_PASSWORD: invite again when the invitation's checks pass
// (or could not be made: a failed SNS read), else a temporary password.
func (r *Engine) forceChangeWay(ctx context.Context, p *poolInfo, u *userInfo) WayOut {
	if f, _ := checkInvite(ctx, r, p, u, &Result{}); f == nil {
		return WayInviteAgain
	}
	return temporaryPasswordWay(u)
}

// RecoveryAPI is what the ways out call of Cognito beyond API.
type RecoveryAPI interface {
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
}

// InviteAction invites again a user stuck in FORCE_CHANGE_PASSWORD
// (AdminCreateUser with MessageAction RESEND, R38 to R40), paced as
// UserCreation (R49), then signs the user out when the request asks it
// (a user AdminSetUserPassword put in FORCE_CHANGE_PASSWORD keeps its
// sessions, R46). Its preflight refuses a disabled user and any other
// state, picks the contact the invitation goes to: the email, else the
// phone number, verified or not (R38), as DesiredDeliveryMediums, and
// generates the TemporaryPassword the invitation carries (R44: one an HTML
// message does not mangle), which the Result does not hold. The Result
// says when it expires (R43).
func InviteAction(api RecoveryAPI) Action {
	return Action{
		Name: "invite", Log: "invitation", Op: OpInvite, Category: quota.CategoryUserCreation, Then: &SignOutAction,
		check: checkInvite, wire: "AdminCreateUser",
		send: func(ctx context.Context, a *Attempt, res *Result, o ...func(*cip.Options)) (string, error) {
			in := &cip.AdminCreateUserInput{UserPoolId: &a.req.UserPoolID, Username: &a.name, MessageAction: types.MessageActionTypeResend}
			if pw := res.invitation.Reveal(); pw != "" {
				in.TemporaryPassword = &pw // R44: HTML-safe, not Cognito's own
			}
			if res.Delivery != nil {
				m := types.DeliveryMediumTypeSms
				if res.Delivery.Medium == MediumEmail {
					m = types.DeliveryMediumTypeEmail
				}
				in.DesiredDeliveryMediums = []types.DeliveryMediumType{m}
			}
			if len(a.req.ClientMetadata) > 0 {
				in.ClientMetadata = a.req.ClientMetadata
			}
			// Counted from before the request, as a temporary password's.
			expires := a.r.now().AddDate(0, 0, int(validityDays(a.pool)))
			// The body holds the TemporaryPassword: never in the SDK's log.
			o = append(o[:len(o):len(o)], withoutBodyLog)
			out, err := api.AdminCreateUser(ctx, in, o...)
			if err != nil || out == nil {
				return "", err
			}
			res.PasswordExpires = expires
			id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
			return id, nil
		},
	}
}

func checkInvite(ctx context.Context, r *Engine, p *poolInfo, u *userInfo, res *Result) (*refusal, error) {
	if !u.enabled {
		return &refusal{kind: ErrUserDisabled, reason: "the user is disabled"}, nil // R40, assumed
	}
	if u.status != types.UserStatusTypeForceChangePassword {
		return &refusal{kind: ErrUserState, reason: fmt.Sprintf("user status %s can't be invited again (FORCE_CHANGE_PASSWORD can)", u.status)}, nil
	}
	pr := &prediction{}
	// A custom message trigger's message replaces the template's, so a
	// template without {####} rules nothing out; the caveat says the
	// trigger may still break the message (R38, R14).
	trigger := p.customMsg != ""
	switch {
	case u.attrs["email"] != "" && (!p.inviteEmailNoCode || trigger):
		pr.medium, pr.dest = MediumEmail, u.attrs["email"]
	case u.attrs["phone_number"] != "" && (!p.inviteSMSNoCode || trigger):
		pr.medium, pr.dest = MediumSMS, u.attrs["phone_number"]
	case u.attrs["email"] != "" || u.attrs["phone_number"] != "":
		return &refusal{kind: ErrDeliveryConfig, reason: "the pool's invitation template has no {####} placeholder, so Cognito would not deliver the invitation"}, nil
	default:
		return &refusal{kind: ErrNoVerifiedContact, reason: "the user has no email or phone number an invitation can go to", way: WayTemporaryPassword}, nil
	}
	if c, ok := r.messageCaveat(p); ok {
		pr.caveats = append(pr.caveats, c)
	}
	if f, err := r.predictSender(ctx, p, pr); f != nil || err != nil {
		return f, err
	}
	s, err := temppass.Generate(p.passwordPolicy)
	if err != nil {
		return &refusal{kind: ErrConfig, reason: err.Error()}, nil
	}
	res.invitation = s
	res.Delivery = &Delivery{Medium: pr.medium, Destination: alias.Mask(pr.dest), Sender: pr.sender}
	res.Caveats = pr.caveats
	return nil, nil
}

// TemporaryPasswordAction sets a temporary password generated from
// crypto/rand to meet the pool's PasswordPolicy (AdminSetUserPassword with
// Permanent false, R41 to R44), paced as UserAccountRecovery (R49), then signs the
// user out (R46). Its preflight refuses a disabled user, a federated
// profile (R47) and an UNCONFIRMED one; the Result holds the password and
// when it expires (R43).
func TemporaryPasswordAction(api RecoveryAPI) Action {
	return Action{
		Name: "temporary_password", Log: "temporary password", Op: OpSetPassword, Category: quota.CategoryUserAccountRecovery, Then: &SignOutAction,
		check: checkTemporaryPassword, wire: "AdminSetUserPassword",
		send: func(ctx context.Context, a *Attempt, res *Result, o ...func(*cip.Options)) (string, error) {
			pw := res.TemporaryPassword.Reveal()
			days := validityDays(a.pool) // R43
			// Counted from before the request: Cognito's clock starts no
			// earlier than that.
			expires := a.r.now().AddDate(0, 0, int(days))
			// The request's body holds the password: the SDK's log never
			// gets it, whatever its ClientLogMode (WithClientOptions).
			o = append(o[:len(o):len(o)], withoutBodyLog)
			out, err := api.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &a.req.UserPoolID, Username: &a.name,
				Password: &pw, Permanent: false}, o...)
			if err != nil || out == nil {
				return "", err
			}
			res.PasswordExpires = expires
			id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
			return id, nil
		},
	}
}

// validityDays is how long a temporary password of p lasts (R43): the
// policy's TemporaryPasswordValidityDays; when 0 (unset), the legacy
// AdminCreateUserConfig.UnusedAccountValidityDays when set; else 7.
func validityDays(p *poolInfo) int32 {
	switch {
	case p.passwordPolicy != nil && p.passwordPolicy.TemporaryPasswordValidityDays > 0:
		return p.passwordPolicy.TemporaryPasswordValidityDays
	case p.unusedAccountDays > 0:
		return p.unusedAccountDays
	}
	return 7
}

// temporaryPasswordRefusal refuses a temporary password to a disabled
// user and to any status but CONFIRMED, RESET_REQUIRED and
// FORCE_CHANGE_PASSWORD (R41, R47).
func temporaryPasswordRefusal(u *userInfo) *refusal {
	if !u.enabled {
		return &refusal{kind: ErrUserDisabled, reason: "the user is disabled"}
	}
	switch u.status {
	case types.UserStatusTypeConfirmed, types.UserStatusTypeResetRequired, types.UserStatusTypeForceChangePassword:
		return nil
	}
	return &refusal{kind: ErrUserState, reason: fmt.Sprintf("user status %s does not take a temporary password (CONFIRMED, RESET_REQUIRED or FORCE_CHANGE_PASSWORD do)", u.status)}
}

func checkTemporaryPassword(_ context.Context, _ *Engine, p *poolInfo, u *userInfo, res *Result) (*refusal, error) {
	if f := temporaryPasswordRefusal(u); f != nil {
		return f, nil
	}
	s, err := temppass.Generate(p.passwordPolicy)
	if err != nil {
		return &refusal{kind: ErrConfig, reason: err.Error()}, nil
	}
	res.TemporaryPassword = s
	return nil, nil
}

// withoutBodyLog keeps the SDK from logging a request's body: it logs
// the request without it when asked to log it with it.
func withoutBodyLog(o *cip.Options) {
	if o.ClientLogMode.IsRequestWithBody() {
		o.ClientLogMode = o.ClientLogMode&^aws.LogRequestWithBody | aws.LogRequest
	}
}

// Run carries act through every stage for req (a way out: its preflight
// is always full), under the span name.
func (r *Engine) Run(ctx context.Context, act *Action, span string, req Request) (*Result, error) {
	return r.run(ctx, act, span, PreflightFull, req, true)
}
