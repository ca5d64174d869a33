package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/singleflight"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/quota"
)

// The rules this file applies are in docs/cognito-rules.md, each with its
// AWS source; comments name them as R1, R2, ...

// poolInfo is what preflight needs of a pool.
type poolInfo struct {
	signIn       alias.PoolConfig
	hasSetting   bool                           // AccountRecoverySetting present (R2, R3)
	mechanisms   []types.RecoveryOptionNameType // by priority
	adminOnly    bool
	mfa          types.UserPoolMfaType
	autoVerified []types.VerifiedAttributeType
	smsFailure   string
	emailFailure string // deprecated field (R17)
	emailAccount types.EmailSendingAccountType
	snsRegion    string
	smsConfig    bool   // SmsConfiguration is set (R61)
	smsRole      bool   // SmsConfiguration.SnsCallerArn: Cognito can send SMS through SNS (R61)
	customSMS    bool   // LambdaConfig.CustomSMSSender (R12)
	customEmail  bool   // LambdaConfig.CustomEmailSender (R13)
	customMsg    string // LambdaConfig.CustomMessage, the trigger's ARN (R14)
	customAuth   bool   // LambdaConfig.DefineAuthChallenge: custom authentication, CUSTOM_AUTH (R72)
	// The pool's account and Region, from its ARN (R37): the daily cap of
	// Cognito's built-in email is theirs (R20, R36).
	account, region string
	// primary is the Region of a secondary replica's primary, "" for a
	// primary or a pool without replicas (R68).
	primary string
	// The SES identity of EmailConfiguration.SourceArn, and the ARN's
	// account and Region (R35).
	sesIdentity, sesAccount, sesRegion string
	// The password policy (nil: Cognito's default, R44), and whether the
	// invitation templates lack the {####} an invitation needs (R38).
	passwordPolicy                     *types.PasswordPolicyType
	inviteEmailNoCode, inviteSMSNoCode bool
	unusedAccountDays                  int32 // AdminCreateUserConfig.UnusedAccountValidityDays (R43)
	// The feature plan and the sign-in policy's first factors (R71).
	plan         string
	firstFactors []string
}

func poolInfoFrom(p *types.UserPoolType) *poolInfo {
	info := &poolInfo{signIn: alias.PoolConfigFrom(p), emailAccount: types.EmailSendingAccountTypeCognitoDefault}
	if p == nil {
		info.mechanisms = legacyOrder
		return info
	}
	info.mfa = p.MfaConfiguration
	info.plan, info.firstFactors = signInOf(p)
	if p.Policies != nil {
		info.passwordPolicy = p.Policies.PasswordPolicy
	}
	if c := p.AdminCreateUserConfig; c != nil {
		info.unusedAccountDays = c.UnusedAccountValidityDays
		if t := c.InviteMessageTemplate; t != nil {
			info.inviteEmailNoCode = t.EmailMessage != nil && !strings.Contains(*t.EmailMessage, "{####}")
			info.inviteSMSNoCode = t.SMSMessage != nil && !strings.Contains(*t.SMSMessage, "{####}")
		}
	}
	info.autoVerified = p.AutoVerifiedAttributes
	info.smsFailure = strings.TrimSpace(aws.ToString(p.SmsConfigurationFailure))
	info.emailFailure = strings.TrimSpace(aws.ToString(p.EmailConfigurationFailure))
	if ec := p.EmailConfiguration; ec != nil {
		if ec.EmailSendingAccount != "" {
			info.emailAccount = ec.EmailSendingAccount
		}
		info.sesIdentity, info.sesAccount, info.sesRegion, _ = sesIdentityOf(aws.ToString(ec.SourceArn))
	}
	info.account, info.region = poolAccountOf(aws.ToString(p.Arn), aws.ToString(p.Id))
	info.primary = replicaPrimary(aws.ToString(p.Id), aws.ToString(p.Arn))
	if sc := p.SmsConfiguration; sc != nil {
		info.snsRegion = aws.ToString(sc.SnsRegion)
		info.smsConfig = true
		info.smsRole = aws.ToString(sc.SnsCallerArn) != ""
	}
	if lc := p.LambdaConfig; lc != nil {
		info.customSMS = lc.CustomSMSSender != nil && aws.ToString(lc.CustomSMSSender.LambdaArn) != ""
		info.customEmail = lc.CustomEmailSender != nil && aws.ToString(lc.CustomEmailSender.LambdaArn) != ""
		info.customMsg = aws.ToString(lc.CustomMessage)
		info.customAuth = aws.ToString(lc.DefineAuthChallenge) != ""
	}
	var opts []types.RecoveryOptionType
	if p.AccountRecoverySetting != nil {
		opts = slices.Clone(p.AccountRecoverySetting.RecoveryMechanisms)
	}
	if len(opts) == 0 {
		info.mechanisms = legacyOrder // R3
		return info
	}
	info.hasSetting = true
	slices.SortStableFunc(opts, func(a, b types.RecoveryOptionType) int {
		return int(aws.ToInt32(a.Priority)) - int(aws.ToInt32(b.Priority))
	})
	for _, o := range opts {
		if o.Name == types.RecoveryOptionNameTypeAdminOnly {
			info.adminOnly = true // R1
		}
		info.mechanisms = append(info.mechanisms, o.Name)
	}
	return info
}

// legacyOrder is Cognito's order without an AccountRecoverySetting (R3).
var legacyOrder = []types.RecoveryOptionNameType{
	types.RecoveryOptionNameTypeVerifiedPhoneNumber, types.RecoveryOptionNameTypeVerifiedEmail}

// emailSender says who sends the pool's email codes (R13, R20).
func (p *poolInfo) emailSender() Sender {
	switch {
	case p.customEmail:
		return SenderLambda
	case p.emailAccount == types.EmailSendingAccountTypeDeveloper:
		return SenderSES
	}
	return SenderCognitoDefault
}

// federatedRefusal refuses a federated profile, whatever else is known of it
// (R11).
var federatedRefusal = &refusal{kind: ErrUserState, reason: "the user is a federated profile (EXTERNAL_PROVIDER), whose password Cognito does not hold"}

// autoVerifies reports whether the pool auto-verifies the medium's attribute.
func (p *poolInfo) autoVerifies(medium Medium) bool {
	want := types.VerifiedAttributeTypeEmail
	if medium == MediumSMS {
		want = types.VerifiedAttributeTypePhoneNumber
	}
	return slices.Contains(p.autoVerified, want)
}

// smsFailureParts reports whether the pool's SmsConfigurationFailure names
// SNSSandbox, and whether it names anything else (R16).
func (p *poolInfo) smsFailureParts() (sandbox, other bool) {
	for part := range strings.SplitSeq(p.smsFailure, ",") {
		switch part = strings.TrimSpace(part); {
		case strings.EqualFold(part, "SNSSandbox"):
			sandbox = true
		case part != "":
			other = true
		}
	}
	return sandbox, other
}

// pool returns the pool's description, from the cache while it is fresh
// (WithPoolCacheTTL).
func (r *Engine) pool(ctx context.Context, g *Gate, poolID string) (*poolInfo, error) {
	return r.pools.get(ctx, poolID, r.now, r.cfg.poolTTL, func(ctx context.Context) (*poolInfo, error) {
		return r.readPool(ctx, g, poolID)
	})
}

// describePool reads a pool and refreshes the cache with it.
func (r *Engine) describePool(ctx context.Context, g *Gate, poolID string) (*poolInfo, error) {
	info, err := r.readPool(ctx, g, poolID)
	if err != nil {
		return nil, err
	}
	r.pools.put(poolID, info, r.now().Add(r.cfg.poolTTL))
	return info, nil
}

// readPool reads a pool (DescribeUserPool).
func (r *Engine) readPool(ctx context.Context, g *Gate, poolID string) (*poolInfo, error) {
	out, err := call(ctx, r, g, quota.CategoryUserPoolRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
		return r.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID}, o...)
	})
	if err != nil {
		return nil, err
	}
	return poolInfoFrom(out.UserPool), nil
}

// shared runs fetch once for every caller that asks for key at the same
// time. The fetch runs under the first caller's context; when that one ends
// first, the others fetch again under their own.
func shared[T any](ctx context.Context, g *singleflight.Group, key string, fetch func() (T, error)) (T, error) {
	for {
		ch := g.DoChan(key, func() (any, error) { return fetch() })
		select {
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case res := <-ch:
			if res.Err != nil {
				if isContextErr(res.Err) && ctx.Err() == nil {
					continue
				}
				var zero T
				return zero, res.Err
			}
			return res.Val.(T), nil
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// userInfo is what preflight reads of a user.
type userInfo struct {
	username string
	enabled  bool
	status   types.UserStatusType
	attrs    map[string]string
	smsMFA   bool
	emailMFA bool
	anyMFA   bool
	modified time.Time // UserLastModifiedDate
}

func userInfoFrom(out *cip.AdminGetUserOutput) *userInfo {
	u := &userInfo{
		username: aws.ToString(out.Username),
		enabled:  out.Enabled,
		status:   out.UserStatus,
		attrs:    make(map[string]string, len(out.UserAttributes)),
		modified: aws.ToTime(out.UserLastModifiedDate),
	}
	for _, a := range out.UserAttributes {
		u.attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	// UserMFASettingList holds SMS_MFA, EMAIL_OTP and SOFTWARE_TOKEN_MFA
	// (AdminGetUserOutput, SDK v1.61.0); MFAOptions is the legacy form.
	settings := slices.Clone(out.UserMFASettingList)
	if p := aws.ToString(out.PreferredMfaSetting); p != "" {
		settings = append(settings, p)
	}
	for _, o := range out.MFAOptions {
		switch o.DeliveryMedium {
		case types.DeliveryMediumTypeSms:
			settings = append(settings, "SMS_MFA")
		case types.DeliveryMediumTypeEmail:
			settings = append(settings, "EMAIL_OTP")
		}
	}
	u.smsMFA = slices.Contains(settings, "SMS_MFA")
	u.emailMFA = slices.Contains(settings, "EMAIL_OTP")
	u.anyMFA = len(settings) > 0
	return u
}

func (u *userInfo) verified(attr string) string {
	if v := u.attrs[attr]; v != "" && u.attrs[attr+"_verified"] == "true" {
		return v
	}
	return ""
}

// refusal is a preflight finding that stops a reset.
type refusal struct {
	kind   Kind
	reason string
	way    WayOut // the action that would reach the user instead (R45), if any
}

func (f *refusal) Error() string { return f.reason }

// checkUser applies the user rules: enabled, and a status that allows a
// reset (R10, R11).
func checkUser(u *userInfo) *refusal {
	if !u.enabled {
		return &refusal{kind: ErrUserDisabled, reason: "the user is disabled"}
	}
	switch u.status {
	case types.UserStatusTypeConfirmed, types.UserStatusTypeResetRequired:
		return nil
	}
	f := &refusal{kind: ErrUserState, reason: fmt.Sprintf("user status %s does not allow a reset (CONFIRMED or RESET_REQUIRED do)", u.status)}
	if u.status == types.UserStatusTypeForceChangePassword {
		f.way = WayInviteAgain // R45
	}
	return f
}

// prediction is where the code goes, or why it can't.
type prediction struct {
	medium  Medium
	dest    string // unmasked
	sender  Sender
	caveats []Caveat
}

// predict applies the recovery rules (R1 to R20) to a user: the medium by
// the pool's mechanisms, what disqualifies each, who delivers the code, and
// what would drop it. An error is a failed SNS read (WithSNS).
func (r *Engine) predict(ctx context.Context, p *poolInfo, u *userInfo) (*prediction, *refusal, error) {
	if p.adminOnly {
		return nil, &refusal{kind: ErrRecoveryNotConfigured, reason: "the pool's account recovery is admin_only", way: WayTemporaryPassword}, nil
	}
	pr := &prediction{}
	var skipped []string
	for _, m := range p.mechanisms {
		switch m {
		case types.RecoveryOptionNameTypeVerifiedEmail:
			if e := u.verified("email"); e != "" {
				if p.hasSetting && u.emailMFA { // R5
					skipped = append(skipped, "email does not qualify: the user has email MFA")
					continue
				}
				pr.medium, pr.dest = MediumEmail, e
			}
		case types.RecoveryOptionNameTypeVerifiedPhoneNumber:
			if ph := u.verified("phone_number"); ph != "" {
				if p.hasSetting && u.smsMFA { // R4
					skipped = append(skipped, "SMS does not qualify: the user has SMS MFA")
					continue
				}
				pr.medium, pr.dest = MediumSMS, ph
			}
		}
		if pr.medium != "" {
			break
		}
	}
	if pr.medium == "" { // R8
		reason := "no verified email or phone number qualifies under the pool's recovery settings"
		if len(skipped) > 0 {
			reason += " (" + strings.Join(skipped, "; ") + ")"
		}
		return nil, &refusal{kind: ErrNoVerifiedContact, reason: reason, way: noContactWay(p, u)}, nil
	}
	if p.hasSetting && p.mfa == types.UserPoolMfaTypeOn && !u.anyMFA {
		pr.caveats = append(pr.caveats, caveat(CaveatPoolMFARequired, "R7",
			"the pool requires MFA and the user lists no MFA setting; whether MFA disqualifies the medium is not documented"))
	}
	if !p.autoVerifies(pr.medium) {
		pr.caveats = append(pr.caveats, caveat(CaveatNotAutoVerified, "R9",
			fmt.Sprintf("the pool does not auto-verify the %s attribute", attrOf(pr.medium))))
	}
	if c, ok := r.messageCaveat(p); ok {
		pr.caveats = append(pr.caveats, c)
	}
	if c, ok := passwordlessCaveat(p); ok {
		pr.caveats = append(pr.caveats, c)
	}
	if f, err := r.predictSender(ctx, p, pr); f != nil || err != nil {
		return nil, f, err
	}
	return pr, nil, nil
}

// predictSender says who delivers the code of pr's medium, and what would
// drop it: a refusal, or a failed SNS or SES read.
func (r *Engine) predictSender(ctx context.Context, p *poolInfo, pr *prediction) (*refusal, error) {
	if pr.medium != MediumEmail {
		return r.predictSMS(ctx, p, pr)
	}
	predictEmail(p, pr)
	if pr.sender == SenderSES {
		return r.predictSES(ctx, p, pr)
	}
	return nil, nil
}

func attrOf(medium Medium) string {
	if medium == MediumSMS {
		return "phone_number"
	}
	return "email"
}

// predictEmail says who sends an email code (R13, R17, R20).
func predictEmail(p *poolInfo, pr *prediction) {
	pr.sender = p.emailSender()
	switch pr.sender {
	case SenderLambda:
		pr.caveats = append(pr.caveats, caveat(CaveatCustomSender, "R13", "a custom email sender Lambda delivers the code"))
		return
	case SenderCognitoDefault:
		pr.caveats = append(pr.caveats, cognitoDefaultEmailCaveat)
	}
	if p.emailFailure != "" {
		pr.caveats = append(pr.caveats, caveat(CaveatEmailConfigurationFailure, "R17",
			"the pool's deprecated EmailConfigurationFailure field is set"))
	}
}

var cognitoDefaultEmailCaveat = caveat(CaveatCognitoDefaultEmail, "R20",
	fmt.Sprintf("the pool uses Cognito's built-in email, which sends at most %d emails a day for the whole AWS account", DefaultDailyEmailLimit))

// DefaultDailyEmailLimit is the number of emails that Cognito's built-in
// email (EmailSendingAccount COGNITO_DEFAULT) sends a day for an AWS
// account, across all its pools, as Cognito's quotas page documents
// (docs/cognito-rules.md, R20). The Resetter counts it per account and
// Region over a rolling 24 hours (R36).
const DefaultDailyEmailLimit = 50

// predictSMS says who sends an SMS code, and refuses what the SMS sandbox
// would drop, as End User Messaging or else SNS tells it (R12, R15, R16,
// R18, R19, R61, R67).
func (r *Engine) predictSMS(ctx context.Context, p *poolInfo, pr *prediction) (*refusal, error) {
	if p.customSMS {
		pr.sender = SenderLambda
		pr.caveats = append(pr.caveats, caveat(CaveatCustomSender, "R12", "a custom SMS sender Lambda delivers the code"))
		return nil, nil
	}
	pr.sender = SenderSNS
	if !p.smsConfig {
		return noSMSConfiguration, nil
	}
	listedSandbox, other := p.smsFailureParts()
	if other {
		return &refusal{kind: ErrDeliveryConfig, reason: "the pool's SMS configuration is failing (SmsConfigurationFailure)"}, nil
	}
	if !p.smsRole {
		// Sent through End User Messaging directly, from the Region of
		// the pool's EumsSms, which the SDK does not read: nothing the
		// library can ask proves the sandbox there (R67).
		pr.caveats = append(pr.caveats, endUserMessagingCaveat)
		return nil, nil
	}
	number := stripPlusSeparators(pr.dest)
	eums, eumsOther, err := r.eumsState(ctx, p, &pr.caveats)
	switch {
	case err != nil:
		return nil, err
	case eums != nil:
		return r.predictEUMS(ctx, p, pr, eums, number)
	}
	unknown := smsSandboxUnknownCaveat
	if eumsOther != nil {
		unknown = *eumsOther // End User Messaging's client is for another Region
	}
	return r.predictSNS(ctx, p, pr, number, listedSandbox, unknown)
}

// predictSNS refuses an SMS code through SNS that its sandbox would drop,
// from WithSNS for the pool's Region, or else from the pool's
// SmsConfigurationFailure and WithSandboxNumbers, with unknown as the
// caveat when nothing proves the sandbox (R15, R16, R18, R19).
func (r *Engine) predictSNS(ctx context.Context, p *poolInfo, pr *prediction, number string, listedSandbox bool, unknown Caveat) (*refusal, error) {
	us := strings.HasPrefix(number, "+1")
	if r.cfg.sms != nil {
		if c := r.snsWrongRegion(p); c != nil {
			unknown = *c // as without WithSNS: that client proves nothing here
		} else {
			acct, err := r.smsAccount(ctx, p)
			if err != nil {
				return nil, err
			}
			if acct.InSandbox && !acct.Verified[number] {
				return &refusal{kind: ErrSMSSandbox, reason: "SNS says the account is in the SMS sandbox and the number is not verified there"}, nil
			}
			if us && !acct.USOrigination {
				pr.caveats = append(pr.caveats, usOriginationCaveat(acct))
			}
			return nil, nil
		}
	}
	switch verified := r.cfg.sandboxVerified[number]; {
	case listedSandbox && !verified:
		return &refusal{kind: ErrSMSSandbox, reason: "the account is in the SNS SMS sandbox and the number is not listed as verified there"}, nil
	case !listedSandbox && !verified:
		pr.caveats = append(pr.caveats, unknown)
	}
	if us {
		pr.caveats = append(pr.caveats, usOriginationCaveat(nil))
	}
	return nil, nil
}

// noSMSConfiguration refuses an SMS code in a pool without an SMS
// configuration: Cognito can't send it (R61).
var noSMSConfiguration = &refusal{kind: ErrDeliveryConfig, reason: "the pool has no SMS configuration (SmsConfiguration), so Cognito can't send the code by SMS"}

// endUserMessagingCaveat qualifies an SMS code in a pool whose SMS
// configuration names no SNS role: it may send through AWS End User
// Messaging SMS directly (SmsConfiguration.EumsSms, which this SDK version
// does not read), whose sandbox and origination identities nothing here
// asks about (R61).
var endUserMessagingCaveat = caveat(CaveatSMSSandboxUnknown, "R61",
	"the pool's SMS configuration names no SNS role (SnsCallerArn): it may send through AWS End User Messaging SMS directly, from the Region its EumsSms names, which the SDK does not read, so neither WithEndUserMessaging nor WithSNS is asked")

var smsSandboxUnknownCaveat = caveat(CaveatSMSSandboxUnknown, "R16",
	"nothing proves the account is out of the SNS SMS sandbox (SmsConfigurationFailure is empty, which it also is when the pool's creator lacked SNS permissions); WithSNS asks SNS")

func usOriginationCaveat(acct *SMSAccount) Caveat {
	msg := "an SMS to a +1 number needs a registered US origination number; SNS was not asked (WithSNS)"
	if acct != nil {
		msg = "an SMS to a +1 number needs a registered US origination number; SNS lists no active, SMS-capable US number"
		if acct.OriginErr != nil {
			msg = "an SMS to a +1 number needs a registered US origination number; SNS's ListOriginationNumbers failed"
		}
	}
	return caveat(CaveatUSOrigination, "R19", msg)
}

func stripPlusSeparators(p string) string {
	n, err := alias.Normalize(p, alias.Phone, alias.PoolConfig{CaseSensitive: true}, alias.Options{})
	if err != nil {
		return p
	}
	return n
}
