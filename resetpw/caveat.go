package resetpw

// Caveat is something the preflight could not prove either way: the reset
// is not refused, but the code may not reach the user for the reason given.
// Each one names the rule of docs/cognito-rules.md that it comes from.
// Caveats never hold a username, email, phone number or metadata value.
type Caveat struct {
	Code    CaveatCode // one of the Caveat… constants, "passwordless_sign_in" (R72) or "sms_protect_configuration" (R67); stable
	Rule    string     // the rule in docs/cognito-rules.md, such as "R19"
	Message string     // what is uncertain, for people
}

// CaveatCode names what a Caveat is about (Caveat.Code). The codes are
// stable, and a new one may be added in a minor release.
type CaveatCode string

// The caveats a Result or a PoolReport can carry, with their rules.
const (
	CaveatNotAutoVerified           CaveatCode = "not_auto_verified"           // the medium's attribute is not auto-verified (R9)
	CaveatCustomMessage             CaveatCode = "custom_message_trigger"      // a custom message Lambda builds the message (R14)
	CaveatCustomSender              CaveatCode = "custom_sender_trigger"       // a custom sender Lambda delivers the code (R12, R13)
	CaveatCognitoDefaultEmail       CaveatCode = "cognito_default_email"       // Cognito's built-in email, with its small daily cap (R20)
	CaveatEmailConfigurationFailure CaveatCode = "email_configuration_failure" // the deprecated EmailConfigurationFailure is set (R17)
	CaveatSMSSandboxUnknown         CaveatCode = "sms_sandbox_unknown"         // nothing proves the account is out of the SMS sandbox (R16; groundtruth.WithSNS)
	CaveatUSOrigination             CaveatCode = "us_origination_number"       // an SMS to +1 and no US origination number found (R19)
	CaveatPoolMFARequired           CaveatCode = "pool_mfa_required"           // the pool requires MFA and the user lists none (R7)
	CaveatSESUnknown                CaveatCode = "ses_state_unknown"           // SES was not asked about the pool's own SES (R34, R35; groundtruth.WithSES)
)
