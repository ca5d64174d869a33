package engine

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// SandboxState is the SNS SMS sandbox state of a PoolReport
// (PoolReport.SMSSandbox). It prints its code; the codes are stable.
type SandboxState string

// The SMS sandbox states of a PoolReport.
const (
	SandboxIn      SandboxState = "IN_SANDBOX"     // SMS reaches only numbers verified in the SNS sandbox
	SandboxOut     SandboxState = "OUT_OF_SANDBOX" // SNS says the account is out of the sandbox (WithSNS)
	SandboxUnknown SandboxState = "UNKNOWN"        // nothing proves either; see CaveatSMSSandboxUnknown
	SandboxNotUsed SandboxState = "NOT_USED"       // the pool never sends a reset code by SMS through SNS
)

// String returns the state's code, such as "IN_SANDBOX".
func (s SandboxState) String() string { return string(s) }

// SESState is the Amazon SES state of a PoolReport (PoolReport.SESState),
// for a pool that sends email through its own SES. It prints its code; the
// codes are stable.
type SESState string

// The SES states of a PoolReport.
const (
	SESProduction SESState = "PRODUCTION" // out of the SES sandbox (WithSES)
	SESSandbox    SESState = "SANDBOX"    // in the SES sandbox: email reaches only verified identities (WithSES)
	SESPaused     SESState = "PAUSED"     // sending is paused, the sending identity is unverified or the quota is spent (WithSES)
	SESUnknown    SESState = "UNKNOWN"    // SES was not asked; see CaveatSESUnknown
	SESNotUsed    SESState = "NOT_USED"   // the pool never sends a reset code through its own SES
)

// String returns the state's code, such as "SANDBOX".
func (s SESState) String() string { return string(s) }

// PoolReport is what CheckPool found out about a pool: what the preflight
// will do with its resets, and what it can't prove.
type PoolReport struct {
	UserPoolID string
	// Resettable is false when the pool's account recovery is admin_only:
	// every reset would be refused (R1).
	Resettable bool
	// RecoveryOrder lists the recovery mechanisms by priority, such as
	// verified_email then verified_phone_number. LegacyRecovery is true when
	// the pool has no AccountRecoverySetting and Cognito's legacy order
	// (SMS before email, MFA disqualifying nothing) applies (R3, R6).
	RecoveryOrder  []string
	LegacyRecovery bool
	// MFA is the pool's MfaConfiguration: OFF, ON or OPTIONAL.
	MFA string
	// The Lambda triggers that change how a code is delivered (R12 to R14).
	CustomSMSSender, CustomEmailSender, CustomMessage bool
	// EmailSender is who sends email codes: SenderCognitoDefault, SenderSES
	// or SenderLambda; DailyEmailLimit is the cap the Resetter keeps to
	// for Cognito's built-in email when it is the sender (WithEmailCap;
	// DefaultDailyEmailLimit, the documented quota, unless set), 0 when the
	// cap is off or another sender sends (R20).
	EmailSender     Sender
	DailyEmailLimit int
	// Account and Region are the pool's, from its ARN (R37; Account is
	// "unknown" when Cognito gave no ARN): the daily email cap is theirs,
	// shared by all the account's pools. EmailsSent is how many codes the
	// Resetter's EmailCounter has counted for them in the last 24 hours
	// (R36), when the sender is SenderCognitoDefault.
	Account, Region string
	// Replica is ReplicaPrimary, or ReplicaSecondary for a secondary
	// replica, whose primary is in PrimaryRegion and which takes no resets
	// (Resettable false, R68). A secondary's report leaves out its own
	// delivery settings (senders, triggers, SMS and SES states), which no
	// reset uses: CheckPool the primary, in its Region, for those.
	Replica, PrimaryRegion string
	EmailsSent             int
	// SESState is SESProduction, SESSandbox, SESPaused, SESUnknown (without
	// WithSES) or SESNotUsed; SESAccount and SESRegion are those of the
	// pool's EmailConfiguration.SourceArn, for which a client given to
	// WithSES must be (R34, R35).
	SESState              SESState
	SESAccount, SESRegion string
	// SMSSender is SenderSNS or SenderLambda, "" when no mechanism uses SMS.
	// SNSRegion is the pool's SmsConfiguration.SnsRegion ("" when unset):
	// when set, the Region an SNS client given to WithSNS must be for
	// (smsRegion says what an empty one means, R18).
	SMSSender Sender
	SNSRegion string
	// SMSSandbox is SandboxIn, SandboxOut, SandboxUnknown or SandboxNotUsed;
	// SandboxVerifiedNumbers counts the numbers verified there (WithSNS).
	SMSSandbox             SandboxState
	SandboxVerifiedNumbers int
	// SMSConfigurationFailure is the pool's own field, as Cognito gave it.
	SMSConfigurationFailure string
	// FeaturePlan is the pool's UserPoolTier (LITE, ESSENTIALS or PLUS; ""
	// when Cognito gave none); FirstFactors the sign-in policy's
	// AllowedFirstAuthFactors (PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN; nil
	// without a policy, which is password only) (R71).
	FeaturePlan  string
	FirstFactors []string
	// Caveats are what no reset of this pool can prove (see Caveat).
	Caveats []Caveat
}

// CheckPool reads a pool (one DescribeUserPool, and the SNS reads when
// WithSNS is set and the pool may send SMS through SNS) and reports what
// the preflight will do with its resets, so that a service can fail fast at
// startup and an operator can read the pool's recovery settings. It reads
// no user, sends nothing, logs nothing, and refreshes the pool cache; the
// DescribeUserPool goes through WithLimiter's Limiter, if any. Its
// errors are *Error values whose Op is OpPreflight (OpValidate for a
// malformed pool ID).
func (r *Engine) CheckPool(ctx context.Context, poolID string) (*PoolReport, error) {
	ctx, span := r.tel.Start(ctx, "cognitoreset.CheckPool", poolID)
	rep, err := r.checkPool(ctx, poolID)
	if rep != nil && span.Recording() {
		span.SetPool(rep)
	}
	span.End(err)
	return rep, err
}

// checkPool is CheckPool, in its span.
func (r *Engine) checkPool(ctx context.Context, poolID string) (*PoolReport, error) {
	fail := func(op Op, kind Kind, err error) error {
		if kind == (Kind{}) {
			kind = classify(err)
		}
		e := &Error{Kind: kind, Op: op, UserPoolID: poolID, RequestID: requestIDOf(err), Fate: fateOrNotSent(err), RetryAfter: retryAfter(op, kind, err), Err: err}
		if op == OpValidate {
			e.Field = FieldUserPoolID
		}
		return e
	}
	if err := checkPoolID(poolID); err != nil {
		return nil, fail(OpValidate, ErrConfig, err)
	}
	p, err := r.describePool(ctx, r.gate, poolID) // paced, like every Cognito call
	if err != nil {
		return nil, fail(OpPreflight, Kind{}, err)
	}
	rep := newPoolReport(poolID, p)
	if !rep.Resettable {
		return rep, nil
	}
	if p.hasSetting && p.mfa == types.UserPoolMfaTypeOn {
		rep.Caveats = append(rep.Caveats, caveat(CaveatPoolMFARequired, "R7",
			"the pool requires MFA; for users who list no MFA setting, whether MFA disqualifies a medium is not documented"))
	}
	if c, ok := r.messageCaveat(p); ok {
		rep.Caveats = append(rep.Caveats, c)
	}
	if c, ok := passwordlessCaveat(p); ok {
		rep.Caveats = append(rep.Caveats, c)
	}
	if slices.Contains(p.mechanisms, types.RecoveryOptionNameTypeVerifiedEmail) {
		pr := &prediction{medium: MediumEmail}
		predictEmail(p, pr)
		rep.EmailSender = pr.sender
		rep.Caveats = append(rep.Caveats, pr.caveats...)
		switch pr.sender {
		case SenderCognitoDefault:
			rep.DailyEmailLimit = max(0, r.cfg.dailyEmail)
			n, err := r.emails.EmailsSent(ctx, p.account, p.region, r.now())
			if err != nil {
				return nil, fail(OpPreflight, ErrUnavailable, err)
			}
			rep.EmailsSent = n
		case SenderSES:
			if err := r.reportSES(ctx, p, rep); err != nil {
				return nil, fail(OpPreflight, Kind{}, err)
			}
		}
	}
	if slices.Contains(p.mechanisms, types.RecoveryOptionNameTypeVerifiedPhoneNumber) {
		if err := r.reportSMS(ctx, p, rep); err != nil {
			return nil, fail(OpPreflight, Kind{}, err)
		}
	}
	rep.Caveats = append(rep.Caveats, autoVerifyCaveats(p)...)
	return rep, nil
}

// newPoolReport is the part of a report that the pool's description says
// by itself.
func newPoolReport(poolID string, p *poolInfo) *PoolReport {
	rep := &PoolReport{
		UserPoolID: poolID, Resettable: !p.adminOnly && p.primary == "", LegacyRecovery: !p.hasSetting, MFA: string(p.mfa),
		CustomSMSSender: p.customSMS, CustomEmailSender: p.customEmail, CustomMessage: p.customMsg != "",
		SNSRegion: p.snsRegion, SMSConfigurationFailure: p.smsFailure, SMSSandbox: SandboxNotUsed,
		Account: p.account, Region: p.region, SESState: SESNotUsed, Replica: ReplicaPrimary, PrimaryRegion: p.primary,
		FeaturePlan: p.plan, FirstFactors: slices.Clone(p.firstFactors),
	}
	if p.primary != "" {
		// A reset goes to the primary, whose delivery settings count;
		// the replica's own may differ (R68): they are left out.
		rep.Replica = ReplicaSecondary
		rep.CustomSMSSender, rep.CustomEmailSender, rep.CustomMessage = false, false, false
		rep.SNSRegion, rep.SMSConfigurationFailure = "", ""
	}
	for _, m := range p.mechanisms {
		rep.RecoveryOrder = append(rep.RecoveryOrder, string(m))
	}
	return rep
}

// autoVerifyCaveats are the caveats of the recovery media whose attribute
// the pool does not auto-verify (R9), in the pool's recovery order.
func autoVerifyCaveats(p *poolInfo) []Caveat {
	var caveats []Caveat
	for _, m := range p.mechanisms {
		medium := MediumEmail
		if m == types.RecoveryOptionNameTypeVerifiedPhoneNumber {
			medium = MediumSMS
		} else if m != types.RecoveryOptionNameTypeVerifiedEmail {
			continue
		}
		if !p.autoVerifies(medium) {
			caveats = append(caveats, caveat(CaveatNotAutoVerified, "R9",
				"the pool does not auto-verify the "+attrOf(medium)+" attribute"))
		}
	}
	return caveats
}

// reportSMS fills in the SMS half of a report (R12, R15, R16, R18, R19).
func (r *Engine) reportSMS(ctx context.Context, p *poolInfo, rep *PoolReport) error {
	if p.customSMS {
		rep.SMSSender = SenderLambda
		rep.Caveats = append(rep.Caveats, caveat(CaveatCustomSender, "R12", "a custom SMS sender Lambda delivers SMS codes"))
		return nil
	}
	rep.SMSSender = SenderSNS
	if p.smsConfig && !p.smsRole { // End User Messaging direct: its Region is not read (R61, R67)
		rep.SMSSandbox = SandboxUnknown
		rep.Caveats = append(rep.Caveats, endUserMessagingCaveat)
		return nil
	}
	eums, eumsOther, err := r.eumsState(ctx, p, &rep.Caveats)
	switch {
	case err != nil:
		return err
	case eums != nil:
		return r.reportEUMS(ctx, p, rep, eums)
	}
	listed, _ := p.smsFailureParts()
	unknown := smsSandboxUnknownCaveat
	if eumsOther != nil {
		unknown = *eumsOther // End User Messaging's client is for another Region
	}
	var wrongRegion *Caveat
	if r.cfg.sms != nil {
		wrongRegion = r.snsWrongRegion(p)
	}
	if wrongRegion != nil {
		unknown = *wrongRegion
	}
	if r.cfg.sms == nil || wrongRegion != nil {
		rep.SMSSandbox = SandboxUnknown
		if listed {
			rep.SMSSandbox = SandboxIn
		} else {
			rep.Caveats = append(rep.Caveats, unknown)
		}
		rep.SandboxVerifiedNumbers = len(r.cfg.sandboxVerified)
		rep.Caveats = append(rep.Caveats, usOriginationCaveat(nil))
		return nil
	}
	acct, err := r.smsAccount(ctx, p)
	if err != nil {
		return err
	}
	rep.SMSSandbox = SandboxOut
	if acct.InSandbox {
		rep.SMSSandbox = SandboxIn
	}
	rep.SandboxVerifiedNumbers = len(acct.Verified)
	if !acct.USOrigination {
		rep.Caveats = append(rep.Caveats, usOriginationCaveat(acct))
	}
	return nil
}

// reportEUMS fills in the sandbox from End User Messaging, the ground truth
// (R67), and the US origination caveat from SNS when it is asked for the
// pool's Region (R19).
func (r *Engine) reportEUMS(ctx context.Context, p *poolInfo, rep *PoolReport, eums *SMSAccount) error {
	if r.cfg.sms == nil || r.snsWrongRegion(p) != nil || !p.smsRole {
		return reportSandbox(rep, eums, nil)
	}
	sns, err := r.smsAccount(ctx, p)
	if err != nil {
		return err
	}
	return reportSandbox(rep, eums, sns)
}

// reportSandbox reports acct's sandbox state, with the US origination
// caveat unless sns lists a US number, and a caveat when sns says
// otherwise of the sandbox (R69).
func reportSandbox(rep *PoolReport, acct, sns *SMSAccount) error {
	rep.SMSSandbox = SandboxOut
	if acct.InSandbox {
		rep.SMSSandbox = SandboxIn
	}
	if sns != nil && sns.InSandbox != acct.InSandbox {
		rep.Caveats = append(rep.Caveats, caveat(CaveatSMSSandboxUnknown, "R69",
			"SNS and End User Messaging disagree about the SMS sandbox; End User Messaging's answer is reported"))
	}
	rep.SandboxVerifiedNumbers = len(acct.Verified)
	if sns == nil || !sns.USOrigination {
		rep.Caveats = append(rep.Caveats, usOriginationCaveat(sns))
	}
	return nil
}
