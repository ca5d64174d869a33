package engine

// Caveat is something the preflight could not prove either way: the reset
// is not refused, but the code may not reach the user for the reason given.
// Each one names the rule of docs/cognito-rules.md that it comes from.
// Caveats never hold a username, email, phone number or metadata value.
type Caveat struct {
	Code    CaveatCode // one of the Caveat… constants; stable
	Rule    string     // the rule in docs/cognito-rules.md, such as "R19"
	Message string     // what is uncertain, for people
}

// CaveatCode names what a Caveat is about (Caveat.Code). It prints its
// code; the codes are stable, and a new one may be added in a minor
// release.
type CaveatCode string

// String returns the caveat's code, such as "custom_sender_trigger".
func (c CaveatCode) String() string { return string(c) }

// The caveats a Result or a PoolReport can carry.
const (
	// CaveatNotAutoVerified: the chosen medium's attribute is not in the
	// pool's AutoVerifiedAttributes; AWS documents the code as sent when
	// "verification is selected" for the medium (R9).
	CaveatNotAutoVerified CaveatCode = "not_auto_verified"
	// CaveatCustomMessage: a custom message Lambda builds every message; it
	// can change or break the one with the code (R14).
	CaveatCustomMessage CaveatCode = "custom_message_trigger"
	// CaveatCustomSender: a custom sender Lambda delivers the code for the
	// chosen medium; whether it arrives is up to that function (R12, R13).
	CaveatCustomSender CaveatCode = "custom_sender_trigger"
	// CaveatCognitoDefaultEmail: the pool sends email through Cognito's
	// built-in sender, which allows only a small number of emails a day
	// for the account (R20).
	CaveatCognitoDefaultEmail CaveatCode = "cognito_default_email"
	// CaveatEmailConfigurationFailure: the pool's deprecated
	// EmailConfigurationFailure field is set; its meaning is no longer
	// documented (R17).
	CaveatEmailConfigurationFailure CaveatCode = "email_configuration_failure"
	// CaveatSMSSandboxUnknown: the code goes by SMS through SNS, and
	// nothing proves the account is out of the SNS SMS sandbox: the pool's
	// SmsConfigurationFailure is empty, which it also is when the pool's
	// creator lacked SNS permissions (R16). WithSNS removes the doubt.
	CaveatSMSSandboxUnknown CaveatCode = "sms_sandbox_unknown"
	// CaveatUSOrigination: an SMS to a +1 number, and no active, SMS-capable
	// US origination number was found in SNS (or SNS was not asked); US
	// carriers may drop it (R19).
	CaveatUSOrigination CaveatCode = "us_origination_number"
	// CaveatPoolMFARequired: the pool requires MFA and the user lists no
	// MFA setting, so whether SMS or email MFA disqualifies a medium for
	// them is not documented (R7).
	CaveatPoolMFARequired CaveatCode = "pool_mfa_required"
	// CaveatSESUnknown: the code goes by email through the pool's own SES
	// (EmailSendingAccount DEVELOPER) and SES was not asked whether the
	// account is out of the SES sandbox, its sending enabled and the
	// sending identity verified (R34, R35). WithSES removes the doubt.
	CaveatSESUnknown CaveatCode = "ses_state_unknown"
	// CaveatPasswordless: the pool's sign-in policy allows a first factor
	// other than PASSWORD (EMAIL_OTP, SMS_OTP, WEB_AUTHN), or a
	// DefineAuthChallenge trigger defines custom authentication: the reset takes
	// the password away, but whether it stops a sign-in by a one-time code
	// or a passkey is not documented, and a user who signs in that way may
	// never use the code (R71, R72).
	CaveatPasswordless CaveatCode = "passwordless_sign_in"
	// CaveatSMSProtect: the account has a default protect configuration in
	// AWS End User Messaging SMS, which applies to Cognito's SMS too and
	// can block, filter or monitor it by destination country; its rules
	// were not read (R67).
	CaveatSMSProtect CaveatCode = "sms_protect_configuration"
)

func caveat(code CaveatCode, rule, msg string) Caveat {
	return Caveat{Code: code, Rule: rule, Message: msg}
}
