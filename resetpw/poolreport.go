package resetpw

import "github.com/cognitoreset/cognitoreset/internal/engine"

// PoolReport is what CheckPool found out about a pool: what the preflight
// will do with its resets, and what it can't prove.
type PoolReport struct {
	UserPoolID string
	Resettable bool // false for admin_only recovery (R1) and a secondary replica (R68)
	// RecoveryOrder lists the recovery mechanisms by priority;
	// LegacyRecovery says the pool has no AccountRecoverySetting (R3, R6).
	RecoveryOrder  []string
	LegacyRecovery bool
	MFA            string // MfaConfiguration: OFF, ON or OPTIONAL
	// The Lambda triggers that change how a code is delivered (R12 to R14).
	CustomSMSSender, CustomEmailSender, CustomMessage bool
	// EmailSender sends email codes; with SenderCognitoDefault, DailyEmailLimit
	// is WithEmailCap's cap (0: off) and EmailsSent the codes counted in 24
	// hours for Account and Region, from the pool's ARN ("unknown" without
	// one), whose pools share the cap (R20, R36, R37).
	EmailSender            Sender
	DailyEmailLimit        int
	Account, Region        string
	Replica, PrimaryRegion string // "PRIMARY", or "SECONDARY" and its primary's Region (a secondary's delivery fields are left out: the primary's count, R68)
	EmailsSent             int
	// SESState is "PRODUCTION", "SANDBOX", "PAUSED", "UNKNOWN" (SES not
	// asked) or "NOT_USED"; SESAccount and SESRegion are the SourceArn's
	// (R34, R35).
	SESState              string
	SESAccount, SESRegion string
	// SMSSender is SenderSNS or SenderLambda ("" without SMS); SNSRegion
	// the pool's SmsConfiguration.SnsRegion; SMSSandbox "IN_SANDBOX",
	// "OUT_OF_SANDBOX", "UNKNOWN" or "NOT_USED", with
	// SandboxVerifiedNumbers verified there.
	SMSSender               Sender
	SNSRegion               string
	SMSSandbox              string
	SandboxVerifiedNumbers  int
	SMSConfigurationFailure string   // the pool's own field, as Cognito gave it
	FeaturePlan             string   // UserPoolTier: LITE, ESSENTIALS, PLUS, or "" (R71)
	FirstFactors            []string // the sign-in policy's AllowedFirstAuthFactors; nil: password only (R71, R72)
	Caveats                 []Caveat // what no reset of this pool can prove
}

func publicReport(p *engine.PoolReport) *PoolReport {
	return &PoolReport{UserPoolID: p.UserPoolID, Resettable: p.Resettable, RecoveryOrder: p.RecoveryOrder, LegacyRecovery: p.LegacyRecovery,
		MFA: p.MFA, CustomSMSSender: p.CustomSMSSender, CustomEmailSender: p.CustomEmailSender, CustomMessage: p.CustomMessage,
		EmailSender: Sender(p.EmailSender), DailyEmailLimit: p.DailyEmailLimit, Account: p.Account, Region: p.Region,
		EmailsSent: p.EmailsSent, Replica: p.Replica, PrimaryRegion: p.PrimaryRegion, SESState: string(p.SESState), SESAccount: p.SESAccount, SESRegion: p.SESRegion,
		SMSSender: Sender(p.SMSSender), SNSRegion: p.SNSRegion, SMSSandbox: string(p.SMSSandbox),
		SandboxVerifiedNumbers: p.SandboxVerifiedNumbers, SMSConfigurationFailure: p.SMSConfigurationFailure,
		FeaturePlan: p.FeaturePlan, FirstFactors: p.FirstFactors, Caveats: publicCaveats(p.Caveats)}
}
