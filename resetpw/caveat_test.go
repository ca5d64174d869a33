package resetpw_test

import (
	"testing"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

func TestCaveatCode_String(t *testing.T) {
	assertCodes(t, []stringerCase{
		{resetpw.CaveatNotAutoVerified, "not_auto_verified"},
		{resetpw.CaveatCustomMessage, "custom_message_trigger"},
		{resetpw.CaveatCustomSender, "custom_sender_trigger"},
		{resetpw.CaveatCognitoDefaultEmail, "cognito_default_email"},
		{resetpw.CaveatEmailConfigurationFailure, "email_configuration_failure"},
		{resetpw.CaveatSMSSandboxUnknown, "sms_sandbox_unknown"},
		{resetpw.CaveatUSOrigination, "us_origination_number"},
		{resetpw.CaveatPoolMFARequired, "pool_mfa_required"},
		{resetpw.CaveatSESUnknown, "ses_state_unknown"},
	})
}
