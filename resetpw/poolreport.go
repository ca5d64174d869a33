package resetpw

import "github.com/cognitoreset/cognitoreset/internal/engine"

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
	// quota.DefaultDailyEmailLimit, the documented quota, unless set), 0 when the
	// cap is off or another sender sends (R20).
	EmailSender     Sender
	DailyEmailLimit int
	// Account and Region are the pool's, from its ARN (R37; Account is
	// "unknown" when Cognito gave no ARN): the daily email cap is theirs,
	// shared by all the account's pools. EmailsSent is how many codes the
	// Resetter's EmailCounter has counted for them in the last 24 hours
	// (R36), when the sender is SenderCognitoDefault.
	Account, Region string
	EmailsSent      int
	// SESState is the state of the pool's own Amazon SES: "PRODUCTION" (out
	// of the SES sandbox), "SANDBOX" (email reaches only verified
	// identities), "PAUSED" (sending paused, the sending identity
	// unverified or the quota spent), "UNKNOWN" (SES was not asked:
	// groundtruth.WithSES; see CaveatSESUnknown) or "NOT_USED" (the pool
	// never sends a reset code through its own SES). SESAccount and
	// SESRegion are those of the pool's EmailConfiguration.SourceArn, for
	// which a client given to groundtruth.WithSES must be (R34, R35).
	SESState              string
	SESAccount, SESRegion string
	// SMSSender is SenderSNS or SenderLambda, "" when no mechanism uses SMS.
	// SNSRegion is the pool's SmsConfiguration.SnsRegion ("" when unset):
	// the Region an SNS client given to groundtruth.WithSNS must be for.
	SMSSender Sender
	SNSRegion string
	// SMSSandbox is the SNS SMS sandbox state: "IN_SANDBOX" (SMS reaches
	// only numbers verified there), "OUT_OF_SANDBOX" (SNS says so:
	// groundtruth.WithSNS), "UNKNOWN" (nothing proves either; see
	// CaveatSMSSandboxUnknown) or "NOT_USED" (the pool never sends a reset
	// code by SMS through SNS). SandboxVerifiedNumbers counts the numbers
	// verified there.
	SMSSandbox             string
	SandboxVerifiedNumbers int
	// SMSConfigurationFailure is the pool's own field, as Cognito gave it.
	SMSConfigurationFailure string
	// Caveats are what no reset of this pool can prove (see Caveat).
	Caveats []Caveat
}

func publicReport(p *engine.PoolReport) *PoolReport {
	return &PoolReport{UserPoolID: p.UserPoolID, Resettable: p.Resettable, RecoveryOrder: p.RecoveryOrder, LegacyRecovery: p.LegacyRecovery,
		MFA: p.MFA, CustomSMSSender: p.CustomSMSSender, CustomEmailSender: p.CustomEmailSender, CustomMessage: p.CustomMessage,
		EmailSender: Sender(p.EmailSender), DailyEmailLimit: p.DailyEmailLimit, Account: p.Account, Region: p.Region,
		EmailsSent: p.EmailsSent, SESState: string(p.SESState), SESAccount: p.SESAccount, SESRegion: p.SESRegion,
		SMSSender: Sender(p.SMSSender), SNSRegion: p.SNSRegion, SMSSandbox: string(p.SMSSandbox),
		SandboxVerifiedNumbers: p.SandboxVerifiedNumbers, SMSConfigurationFailure: p.SMSConfigurationFailure,
		Caveats: publicCaveats(p.Caveats)}
}
