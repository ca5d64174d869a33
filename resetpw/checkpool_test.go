package resetpw_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestCheckPool(t *testing.T) {
	lambda := aws.String("arn:aws:lambda:us-west-2:123456789012:function:x")
	recovery := func(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
		s := &types.AccountRecoverySettingType{}
		for i, n := range names {
			s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
		}
		return s
	}
	tests := []struct {
		name    string
		pool    types.UserPoolType
		sns     bool
		want    resetpw.PoolReport // UserPoolID and Caveats are not compared
		caveats []resetpw.CaveatCode
	}{
		{name: "legacy pool, nothing proved", pool: types.UserPoolType{},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_phone_number", "verified_email"}, LegacyRecovery: true,
				EmailSender: resetpw.SenderCognitoDefault, DailyEmailLimit: quota.DefaultDailyEmailLimit, SMSSender: resetpw.SenderSNS, SMSSandbox: "UNKNOWN"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCognitoDefaultEmail, resetpw.CaveatSMSSandboxUnknown, resetpw.CaveatUSOrigination,
				resetpw.CaveatNotAutoVerified, resetpw.CaveatNotAutoVerified}},
		{name: "admin only", pool: types.UserPoolType{AccountRecoverySetting: recovery("admin_only")},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: false, RecoveryOrder: []string{"admin_only"}, SMSSandbox: "NOT_USED"}, caveats: []resetpw.CaveatCode{}},
		{name: "email only on own SES, MFA on", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_email"), MfaConfiguration: "ON",
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
			EmailConfiguration:     &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}},
			want:    resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "UNKNOWN", Resettable: true, RecoveryOrder: []string{"verified_email"}, MFA: "ON", EmailSender: resetpw.SenderSES, SMSSandbox: "NOT_USED"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatPoolMFARequired, resetpw.CaveatSESUnknown}},
		{name: "custom senders and message", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number", "verified_email"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
			LambdaConfig: &types.LambdaConfigType{CustomMessage: lambda, CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: lambda},
				CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: lambda}}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_phone_number", "verified_email"}, CustomSMSSender: true,
				CustomEmailSender: true, CustomMessage: true, EmailSender: resetpw.SenderLambda, SMSSender: resetpw.SenderLambda, SMSSandbox: "NOT_USED"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCustomMessage, resetpw.CaveatCustomSender, resetpw.CaveatCustomSender}},
		{name: "SNS ground truth", sns: true, pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: smsRole().SnsCallerArn, SnsRegion: aws.String("us-west-2")}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_phone_number"}, SMSSender: resetpw.SenderSNS,
				SNSRegion: "us-west-2", SMSSandbox: "IN_SANDBOX", SandboxVerifiedNumbers: 1},
			caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}},
		// R61: no SNS role, so perhaps End User Messaging: SNS is not asked.
		{name: "SMS configuration without an SNS role", sns: true, pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: &types.SmsConfigurationType{ExternalId: aws.String("x")}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_phone_number"}, SMSSender: resetpw.SenderSNS,
				SMSSandbox: "UNKNOWN"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatSMSSandboxUnknown}},
		{name: "pool field says sandbox", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_phone_number"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfigurationFailure: aws.String("SNSSandbox")},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_phone_number"}, SMSSender: resetpw.SenderSNS,
				SMSSandbox: "IN_SANDBOX", SMSConfigurationFailure: "SNSSandbox"},
			caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}},
		// R71, R72: the feature plan and the first factors, and what a reset
		// can't stop.
		{name: "passwordless first factors on Essentials", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_email"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}, UserPoolTier: types.UserPoolTierTypeEssentials,
			Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD", "EMAIL_OTP", "WEB_AUTHN"}}}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_email"},
				EmailSender: resetpw.SenderCognitoDefault, DailyEmailLimit: quota.DefaultDailyEmailLimit, SMSSandbox: "NOT_USED",
				FeaturePlan: "ESSENTIALS", FirstFactors: []string{"PASSWORD", "EMAIL_OTP", "WEB_AUTHN"}},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCognitoDefaultEmail, passwordlessSignIn}},
		{name: "password only on Lite", pool: types.UserPoolType{AccountRecoverySetting: recovery("verified_email"),
			AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}, UserPoolTier: types.UserPoolTierTypeLite,
			Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{"PASSWORD"}}}},
			want: resetpw.PoolReport{Account: resetpwtest.DefaultAccount, Region: "us-west-2", SESState: "NOT_USED", Resettable: true, RecoveryOrder: []string{"verified_email"},
				EmailSender: resetpw.SenderCognitoDefault, DailyEmailLimit: quota.DefaultDailyEmailLimit, SMSSandbox: "NOT_USED",
				FeaturePlan: "LITE", FirstFactors: []string{"PASSWORD"}},
			caveats: []resetpw.CaveatCode{resetpw.CaveatCognitoDefaultEmail}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.SetSMSSandbox(true)
			f.SetSandboxVerifiedNumbers("+12065550100")
			id := f.AddPool(tt.pool)
			var logs bytes.Buffer
			opts := []resetpw.Option{resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
			if tt.sns {
				opts = append(opts, groundtruth.WithSNS(f.SNS()))
			}
			r, err := resetpw.New(f, opts...)
			require.NoError(t, err)
			rep, err := r.CheckPool(context.Background(), id)
			require.NoError(t, err)
			got := []resetpw.CaveatCode{}
			for _, c := range rep.Caveats {
				got = append(got, c.Code)
				assert.NotEmpty(t, c.Rule)
			}
			assert.ElementsMatch(t, tt.caveats, got)
			assert.Equal(t, id, rep.UserPoolID)
			assert.Equal(t, "PRIMARY", rep.Replica, "a pool in its own Region is its primary (R68)")
			rep.UserPoolID, rep.Caveats, rep.Replica = "", nil, ""
			assert.Equal(t, tt.want, *rep)
			assert.Equal(t, 1, f.Calls("DescribeUserPool"))
			assert.Zero(t, f.Calls("AdminGetUser")+f.Calls("AdminResetUserPassword")+f.Calls("ListUsers"))
			assert.Empty(t, logs.String(), "CheckPool logs nothing")
		})
	}
}

func TestCheckPool_Errors(t *testing.T) {
	f := resetpwtest.NewFake()
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.CheckPool(context.Background(), "diego@example.com")
	require.ErrorIs(t, err, resetpw.ErrConfig, "a malformed pool ID is the service's configuration")
	assert.NotContains(t, err.Error(), "diego@example.com")
	assert.Zero(t, f.Calls("DescribeUserPool"))
	_, err = r.CheckPool(context.Background(), "us-west-2_nosuchpool")
	require.ErrorIs(t, err, resetpw.ErrPoolNotFound)
	var e *resetpw.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, resetpw.OpPreflight, e.Op)
}

// CheckPool refreshes the pool cache: a reset right after it reads no pool.
func TestCheckPool_WarmsTheCache(t *testing.T) {
	f := resetpwtest.NewFake()
	id := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(id, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	_, err = r.CheckPool(context.Background(), id)
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, 1, f.Calls("DescribeUserPool"))
}

func TestSandboxState_String(t *testing.T) {
	assertCodes(t, []stringerCase{
		{"IN_SANDBOX", "IN_SANDBOX"}, {"OUT_OF_SANDBOX", "OUT_OF_SANDBOX"},
		{"UNKNOWN", "UNKNOWN"}, {"NOT_USED", "NOT_USED"},
	})
}

func TestSESState_String(t *testing.T) {
	assertCodes(t, []stringerCase{
		{"PRODUCTION", "PRODUCTION"}, {"SANDBOX", "SANDBOX"}, {"PAUSED", "PAUSED"},
		{"UNKNOWN", "UNKNOWN"}, {"NOT_USED", "NOT_USED"},
	})
}
