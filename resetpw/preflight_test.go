package resetpw_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// The decision table of docs/cognito-rules.md: every combination of the
// recovery setting, verified email, verified phone, the user's MFA, the SMS
// path, the email path and the user's state, with the SMS sandbox known from
// SNS (WithSNS) or from the pool's SmsConfigurationFailure (the SES state
// always from WithSES). In each cell, what Check predicts must be what the
// Fake, which models the same rules in code of its own, then does on a
// Reset sent without preflight: the same medium and sender and an arriving
// code; or a code that Cognito accepts and drops (ErrSMSSandbox,
// ErrSESSandbox, ErrDeliveryConfig); or the same refusal (the daily email
// cap's included: Cognito's LimitExceededException; a pool without an SMS
// configuration, R61); or, where nothing proves the SMS sandbox (a WithSNS
// client for another Region than the pool's SMS Region, R18; an empty pool
// field, R16; an SMS configuration without an SNS role and no
// WithEndUserMessaging, R61), a code predicted with CaveatSMSSandboxUnknown
// that the sandbox may drop.
func TestDecisionTable(t *testing.T) {
	recoveries := []struct {
		name string
		set  []types.RecoveryOptionNameType // nil: no AccountRecoverySetting
	}{
		{"none", nil},
		{"email", []types.RecoveryOptionNameType{"verified_email"}},
		{"phone", []types.RecoveryOptionNameType{"verified_phone_number"}},
		{"email>phone", []types.RecoveryOptionNameType{"verified_email", "verified_phone_number"}},
		{"phone>email", []types.RecoveryOptionNameType{"verified_phone_number", "verified_email"}},
		{"admin_only", []types.RecoveryOptionNameType{"admin_only"}},
	}
	mfas := []struct {
		name     string
		settings []string
	}{
		{"none", nil}, {"SMS", []string{"SMS_MFA"}}, {"EMAIL_OTP", []string{"EMAIL_OTP"}},
		{"TOTP", []string{"SOFTWARE_TOKEN_MFA"}}, {"SMS+EMAIL_OTP", []string{"SMS_MFA", "EMAIL_OTP"}},
	}
	smsPaths := []string{"out of sandbox", "sandbox", "sandbox, number verified", "custom SMS sender", "no SMS configuration", "sandbox, SNS client for another Region",
		"no SNS role (End User Messaging direct), sandbox", "End User Messaging sandbox", "End User Messaging direct, sandbox", "End User Messaging direct, sandbox, number verified"}
	emailPaths := []string{"built-in, under cap", "built-in, over cap", "SES, production", "SES sandbox, recipient verified",
		"SES sandbox, recipient not verified", "custom email sender"}
	states := []string{"CONFIRMED", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD", "disabled"}

	outcomes := map[string]int{}
	cells := 0
	for _, source := range []string{"SNS", "pool field"} {
		for _, replica := range []string{"primary", "secondary"} {
			for _, rec := range recoveries {
				for _, email := range []bool{true, false} {
					for _, phone := range []bool{true, false} {
						for _, mfa := range mfas {
							for _, path := range smsPaths {
								for _, epath := range emailPaths {
									for _, state := range states {
										name := fmt.Sprintf("%s/%s/recovery=%s/email=%v/phone=%v/mfa=%s/%s/%s/%s", source, replica, rec.name, email, phone, mfa.name, path, epath, state)
										cells++
										c := cell{source: source, replica: replica, set: rec.set, email: email, phone: phone, mfa: mfa.settings, path: path, epath: epath, state: state}
										outcomes[decide(t, name, c)]++
									}
								}
							}
						}
					}
				}
			}
		}
	}
	assert.Equal(t, 2*2*6*2*2*5*10*6*4, cells) // 115,200
	t.Logf("%d cells: %v", cells, outcomes)
	// Every kind of outcome occurs, so no branch of the table is vacuous.
	for _, o := range []string{"EMAIL", "SMS", "dropped:sms_sandbox", "dropped:ses_sandbox", "email_cap", "no_verified_contact", "recovery_not_configured", "user_disabled", "user_state",
		"no_sms_configuration", "caveated:dropped", "not_enabled"} {
		assert.Positive(t, outcomes[o], o)
	}
}

// decide runs one cell and returns its outcome: the medium, "dropped:KIND"
// or the refusal's kind.
func decide(t *testing.T, name string, c cell) string {
	t.Helper()
	source, set, email, phone, mfa, path, epath, state := c.source, c.set, c.email, c.phone, c.mfa, c.path, c.epath, c.state
	const number = "+12065550100"
	const sesSource = "arn:aws:ses:us-west-2:123456789012:identity/example.net"
	f := resetpwtest.NewFake()
	pool := types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"}, MfaConfiguration: types.UserPoolMfaTypeOptional}
	if set != nil {
		pool.AccountRecoverySetting = &types.AccountRecoverySettingType{}
		for i, n := range set {
			pool.AccountRecoverySetting.RecoveryMechanisms = append(pool.AccountRecoverySetting.RecoveryMechanisms,
				types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
		}
	}
	opts := []resetpw.Option{groundtruth.WithSNS(f.SNS())}
	pool.SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}
	switch path {
	case "no SMS configuration":
		pool.SmsConfiguration = nil
	case "no SNS role (End User Messaging direct), sandbox":
		// An SMS configuration without SnsCallerArn, and End User
		// Messaging not asked: nothing proves its sandbox (R61).
		f.SetSMSSandbox(true)
		pool.SmsConfiguration = &types.SmsConfigurationType{ExternalId: aws.String("eums")}
	case "sandbox, SNS client for another Region":
		f.SetSMSSandbox(true)
		opts = []resetpw.Option{groundtruth.WithSNS(regionSNS{f.SNS(), "eu-west-1"})}
	case "custom SMS sender":
		f.SetSMSSandbox(true)
		pool.LambdaConfig = &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{
			LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:sms"), LambdaVersion: "V1_0"}}
	case "sandbox", "sandbox, number verified":
		f.SetSMSSandbox(true)
		if path == "sandbox, number verified" {
			f.SetSandboxVerifiedNumbers(number)
		}
	case "End User Messaging sandbox", "End User Messaging direct, sandbox", "End User Messaging direct, sandbox, number verified":
		// End User Messaging's sandbox decides (R67); a pool without an
		// SNS role sends through it directly.
		f.SetSMSSandbox(true)
		if path != "End User Messaging sandbox" {
			pool.SmsConfiguration = &types.SmsConfigurationType{ExternalId: aws.String("eums")}
		}
		if strings.HasSuffix(path, "number verified") {
			f.SetSandboxVerifiedNumbers(number)
		}
	}
	if c.replica == "secondary" {
		// A secondary replica in the Fake's Region of a pool whose primary
		// is in us-east-1 (R68).
		pool.Id, pool.Arn = aws.String("us-east-1_Replica01"), aws.String("arn:aws:cognito-idp:us-west-2:"+resetpwtest.DefaultAccount+":userpool/us-east-1_Replica01")
	}
	ctx := context.Background()
	emails := quota.NewLocalEmailCounter()
	f.SetDailyEmailLimit(quota.DefaultDailyEmailLimit)
	switch epath {
	case "built-in, over cap":
		// One email already went out today from another pool of the
		// account: the Fake and the Resetter's counter both know it.
		f.SetDailyEmailLimit(1)
		other := f.AddPool(types.UserPoolType{})
		_, err := f.AddUser(other, resetpwtest.User("earlier", "email", "earlier@example.com", "email_verified", "true"))
		require.NoError(t, err)
		_, err = f.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &other, Username: aws.String("earlier")})
		require.NoError(t, err)
		_, ok, err := emails.TakeEmail(ctx, resetpwtest.DefaultAccount, "us-west-2", 1, time.Now())
		require.True(t, ok)
		require.NoError(t, err)
	case "SES, production", "SES sandbox, recipient verified", "SES sandbox, recipient not verified":
		pool.EmailConfiguration = &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper, SourceArn: aws.String(sesSource)}
		f.VerifySESIdentities("example.net")
		f.SetSESSandbox(epath != "SES, production")
		if epath == "SES sandbox, recipient verified" {
			f.VerifySESIdentities("diego@example.com")
		}
	case "custom email sender":
		if pool.LambdaConfig == nil {
			pool.LambdaConfig = &types.LambdaConfigType{}
		}
		pool.LambdaConfig.CustomEmailSender = &types.CustomEmailLambdaVersionConfigType{
			LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:email"), LambdaVersion: "V1_0"}
	}
	emailOpts := []resetpw.Option{groundtruth.WithSES(f.SES()), resetpw.WithEmailCap(0, emails)}
	if epath == "built-in, over cap" {
		emailOpts = append(emailOpts, resetpw.WithEmailCap(1, emails))
	}
	eums := strings.HasPrefix(path, "End User Messaging")
	if source == "pool field" {
		opts = nil
		if path == "sandbox" || path == "sandbox, number verified" {
			pool.SmsConfigurationFailure = aws.String("SNSSandbox")
		}
		if path == "sandbox, number verified" {
			opts = append(opts, groundtruth.WithSandboxNumbers(number))
		}
	}
	if eums {
		opts = append(opts, groundtruth.WithEndUserMessaging(f.SNS()))
	}
	id := f.AddPool(pool)
	u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", fmt.Sprint(email),
		"phone_number", number, "phone_number_verified", fmt.Sprint(phone))
	switch state {
	case "disabled":
		u.Enabled = false
	default:
		u.UserStatus = types.UserStatusType(state)
	}
	_, err := f.AddUser(id, u)
	require.NoError(t, err, name)
	if mfa != nil {
		require.NoError(t, f.SetUserMFA(id, "diego", mfa, ""), name)
	}

	check, err := resetpw.New(f, append(opts, emailOpts...)...)
	require.NoError(t, err)
	off, err := resetpw.New(f, resetpw.WithPreflight(resetpw.PreflightOff), resetpw.WithRetries(0, 100*time.Millisecond, 2*time.Second))
	require.NoError(t, err)
	req := resetpw.Request{UserPoolID: id, Username: "diego"}

	before := f.Calls("AdminResetUserPassword")
	predicted, perr := check.Check(ctx, req)
	require.Equal(t, before, f.Calls("AdminResetUserPassword"), name)
	_, rerr := off.Reset(ctx, req)
	var deliveries []resetpwtest.Delivery
	for _, d := range f.Deliveries() {
		if d.UserPoolID == id {
			deliveries = append(deliveries, d)
		}
	}

	if perr == nil {
		require.NoError(t, rerr, name)
		require.Len(t, deliveries, 1, name)
		d := deliveries[0]
		if d.Dropped && slices.ContainsFunc(predicted.Caveats, func(c resetpw.Caveat) bool { return c.Code == resetpw.CaveatSMSSandboxUnknown }) {
			// Predicted, with the caveat that nothing proves the sandbox.
			assert.Equal(t, resetpw.MediumSMS, d.Medium, name)
			return "caveated:dropped"
		}
		assert.Equal(t, predicted.Delivery.Medium, d.Medium, name)
		assert.Equal(t, predicted.Delivery.Sender, d.Sender, name)
		assert.False(t, d.Dropped, "%s: predicted %s, but the Fake dropped it: %s", name, d.Medium, d.DropReason)
		return string(d.Medium)
	}
	kind := resetpw.KindOf(perr)
	var e *resetpw.Error
	require.True(t, errors.As(perr, &e), name)
	assert.Equal(t, resetpw.OpPreflight, e.Op, name)
	switch {
	case kind == resetpw.ErrDeliveryConfig && epath == "built-in, over cap" && rerr != nil:
		// The daily email cap: Cognito refuses too (R20, R36).
		assert.ErrorIs(t, rerr, resetpw.ErrDeliveryConfig, name)
		assert.Empty(t, deliveries, name)
		return "email_cap"
	case kind == resetpw.ErrDeliveryConfig && path == "no SMS configuration" && rerr != nil:
		// No SMS configuration: Cognito can't send the SMS and says so (R61).
		assert.ErrorIs(t, rerr, resetpw.ErrDeliveryConfig, name)
		assert.Empty(t, deliveries, name)
		return "no_sms_configuration"
	}
	switch kind {
	case resetpw.ErrSMSSandbox, resetpw.ErrSESSandbox, resetpw.ErrDeliveryConfig:
		// Cognito answers success and the code never arrives.
		require.NoError(t, rerr, name)
		require.Len(t, deliveries, 1, name)
		assert.True(t, deliveries[0].Dropped, "%s: preflight refused with %v, the Fake delivered", name, kind)
		return "dropped:" + kind.Code()
	case resetpw.ErrRecoveryNotConfigured:
		// The preflight reads the pool before the user; Cognito checks the
		// user's state first (docs/cognito-rules.md, R1).
		assert.Empty(t, deliveries, name)
		want := resetpw.ErrRecoveryNotConfigured
		switch state {
		case "disabled":
			want = resetpw.ErrUserDisabled
		case "FORCE_CHANGE_PASSWORD":
			want = resetpw.ErrUserState
		}
		assert.ErrorIs(t, rerr, want, name)
		return kind.Code()
	}
	assert.ErrorIs(t, rerr, kind, name)
	assert.Empty(t, deliveries, name)
	return kind.Code()
}

// cell is one combination of the decision table.
type cell struct {
	source, replica    string
	set                []types.RecoveryOptionNameType
	email, phone       bool
	mfa                []string
	path, epath, state string
}

// regionSNS is an SNS client that says which Region it is for, as
// *sns.Client does.
type regionSNS struct {
	groundtruth.SNSAPI
	region string
}

func (c regionSNS) Options() sns.Options { return sns.Options{Region: c.region} }
