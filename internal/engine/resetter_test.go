package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"log/slog"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/metadata"
)

const testPool = "us-west-2_aaaaaaaaa"

func fastRetries() Option { return WithRetries(3, time.Millisecond, 2*time.Millisecond) }

func newTestResetter(t *testing.T, api API, opts ...Option) *Engine {
	t.Helper()
	r, err := New(api, append([]Option{fastRetries()}, opts...)...)
	require.NoError(t, err)
	return r
}

func TestNew_Options(t *testing.T) {
	stub := newStub()
	badPolicy := metadata.DefaultPolicy()
	badPolicy.MaxValueBytes = metadata.MaxLength + 1
	tests := []struct {
		name string
		api  API
		opts []Option
		ok   bool
	}{
		{"defaults", stub, nil, true},
		{"nil api", nil, nil, false},
		{"nil option", stub, []Option{nil}, false},
		{"policy ok", stub, []Option{WithMetadataPolicy(metadata.DefaultPolicy())}, true},
		{"policy above cap", stub, []Option{WithMetadataPolicy(badPolicy)}, false},
		{"preflight pool", stub, []Option{WithPreflight(PreflightPool.String())}, true},
		{"preflight unknown", stub, []Option{WithPreflight("partial")}, false},
		{"ttl ok", stub, []Option{WithPoolCacheTTL(time.Minute)}, true},
		{"ttl zero", stub, []Option{WithPoolCacheTTL(0)}, false},
		{"ttl huge", stub, []Option{WithPoolCacheTTL(48 * time.Hour)}, false},
		{"sandbox numbers ok", stub, []Option{WithSandboxVerifiedNumbers("+1 206 555 0100", "+442079460958")}, true},
		{"sandbox number bad", stub, []Option{WithSandboxVerifiedNumbers("2065550100")}, false},
		{"alias options ok", stub, []Option{WithAliasOptions(alias.Options{DefaultCountryCode: "44"})}, true},
		{"alias options bad", stub, []Option{WithAliasOptions(alias.Options{DefaultCountryCode: "x"})}, false},
		{"nil logger", stub, []Option{WithLogger(nil)}, false},
		{"retries ok", stub, []Option{WithRetries(0, 100*time.Millisecond, 2*time.Second)}, true},
		{"retries negative", stub, []Option{WithRetries(-1, 100*time.Millisecond, 2*time.Second)}, false},
		{"retries too many", stub, []Option{WithRetries(11, 100*time.Millisecond, 2*time.Second)}, false},
		{"backoff bad", stub, []Option{WithRetries(3, time.Second, time.Millisecond)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.api, tt.opts...)
			if tt.ok {
				require.NoError(t, err)
				assert.NotNil(t, r)
				return
			}
			assert.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, r)
		})
	}
}

func TestParsePreflight(t *testing.T) {
	for _, p := range []Preflight{PreflightFull, PreflightPool, PreflightOff} {
		got, err := ParsePreflight("WithPreflight", p.String())
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	_, err := ParsePreflight("WithPreflight", "partial")
	assert.Error(t, err)
	assert.Equal(t, "Preflight(9)", Preflight(9).String())
}

func TestReset_ValidationSendsNothing(t *testing.T) {
	tests := []struct {
		name string
		req  Request
		as   any
	}{
		{"empty pool", Request{UserPoolID: "", Username: "diego"}, nil},
		{"pool without underscore", Request{UserPoolID: "uswest2aaaa", Username: "diego"}, nil},
		{"pool 56 chars", Request{UserPoolID: "us-west-2_" + strings.Repeat("a", 46), Username: "diego"}, nil},
		{"pool bad char", Request{UserPoolID: "us-west-2_aa aa", Username: "diego"}, nil},
		{"pool invalid utf8", Request{UserPoolID: "us-west-2_\xff", Username: "diego"}, nil},
		{"empty username", Request{UserPoolID: testPool, Username: ""}, nil},
		{"username 129", Request{UserPoolID: testPool, Username: strings.Repeat("d", 129)}, nil},
		{"username control", Request{UserPoolID: testPool, Username: "die\x07go"}, nil},
		{"username invalid utf8", Request{UserPoolID: testPool, Username: "die\xffgo"}, nil},
		{"phone not e164", Request{UserPoolID: testPool, Username: "+1 206 555 0100 00000"}, nil},
		{"sensitive metadata", Request{UserPoolID: testPool, Username: "diego", ClientMetadata: map[string]string{"password": "x"}}, new(*metadata.ValidationError)},
		{"keys differing by case", Request{UserPoolID: testPool, Username: "diego", ClientMetadata: map[string]string{"Src": "a", "src": "b"}}, new(*metadata.ValidationError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []Preflight{PreflightFull, PreflightOff} {
				stub := newStub()
				r := newTestResetter(t, stub, WithPreflight(p.String()))
				res, err := r.Reset(context.Background(), tt.req)
				want := ErrInvalidInput
				if strings.HasPrefix(tt.name, "pool") || tt.name == "empty pool" {
					want = ErrConfig // the service's own configuration
				}
				require.ErrorIs(t, err, want)
				assert.Nil(t, res)
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, OpValidate, e.Op)
				if tt.as != nil {
					assert.ErrorAs(t, err, tt.as)
				}
				assert.Empty(t, stub.calls, "nothing may be sent")
			}
		})
	}
	t.Run("pool at 55 chars passes validation", func(t *testing.T) {
		stub := newStub()
		stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "d@example.com", "email_verified", "true")
		r := newTestResetter(t, stub)
		_, err := r.Reset(context.Background(), Request{UserPoolID: "us-west-2_" + strings.Repeat("a", 45), Username: "diego"})
		require.NoError(t, err)
	})
}

func recovery(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
	s := &types.AccountRecoverySettingType{}
	for i, n := range names {
		s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
	}
	return s
}

const (
	email = types.RecoveryOptionNameTypeVerifiedEmail
	phone = types.RecoveryOptionNameTypeVerifiedPhoneNumber
)

func TestReset_Preflight(t *testing.T) {
	both := []string{"email", "diego@example.com", "email_verified", "true", "phone_number", "+12065550100", "phone_number_verified", "true"}
	emailOnly := []string{"email", "diego@example.com", "email_verified", "true"}
	phoneOnly := []string{"phone_number", "+12065550100", "phone_number_verified", "true"}
	unverified := []string{"email", "diego@example.com", "email_verified", "false", "phone_number", "+12065550100"}
	phoneUK := []string{"phone_number", "+442079460958", "phone_number_verified", "true"}
	autoBoth := []types.VerifiedAttributeType{"email", "phone_number"}
	ses := &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}
	const lambdaARN = "arn:aws:lambda:us-west-2:123456789012:function:sender"
	customSMS := &types.LambdaConfigType{CustomSMSSender: &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String(lambdaARN)}}

	tests := []struct {
		name     string
		pool     types.UserPoolType
		status   types.UserStatusType
		disabled bool
		attrs    []string
		smsMFA   bool
		mfa      []string // UserMFASettingList
		opts     []Option
		want     error
		medium   Medium
		dest     string
		sender   Sender
		caveats  []CaveatCode // when non-nil, exactly these caveat codes
		noRole   bool         // no SmsConfiguration (every other pool has an SMS role, R61)
	}{
		{name: "email first by priority", pool: types.UserPoolType{AccountRecoverySetting: recovery(email, phone)}, attrs: both, medium: "EMAIL", dest: "d***@e***.com"},
		{name: "phone first by priority", pool: types.UserPoolType{AccountRecoverySetting: recovery(phone, email)}, attrs: both, medium: "SMS", dest: "+*******0100"},
		{name: "priority field beats list order", pool: types.UserPoolType{AccountRecoverySetting: &types.AccountRecoverySettingType{RecoveryMechanisms: []types.RecoveryOptionType{
			{Name: email, Priority: aws.Int32(2)}, {Name: phone, Priority: aws.Int32(1)}}}}, attrs: both, medium: "SMS"},
		{name: "legacy order prefers SMS", attrs: both, medium: "SMS"},
		{name: "legacy order falls back to email", attrs: emailOnly, medium: "EMAIL"},
		{name: "second mechanism when first lacks", pool: types.UserPoolType{AccountRecoverySetting: recovery(email, phone)}, attrs: phoneOnly, medium: "SMS"},
		{name: "email only pool, phone only user", pool: types.UserPoolType{AccountRecoverySetting: recovery(email)}, attrs: phoneOnly, want: ErrNoVerifiedContact},
		{name: "nothing verified", attrs: unverified, want: ErrNoVerifiedContact},
		{name: "no attributes", want: ErrNoVerifiedContact},
		{name: "SMS MFA disqualifies SMS", pool: types.UserPoolType{AccountRecoverySetting: recovery(phone, email)}, attrs: both, smsMFA: true, medium: "EMAIL"},
		{name: "SMS MFA disqualifies nothing without a setting (legacy)", attrs: phoneOnly, smsMFA: true, medium: "SMS"},
		{name: "SMS MFA and phone only, with a setting", pool: types.UserPoolType{AccountRecoverySetting: recovery(phone, email)}, attrs: phoneOnly, smsMFA: true, want: ErrNoVerifiedContact},
		{name: "email MFA disqualifies email", pool: types.UserPoolType{AccountRecoverySetting: recovery(email, phone)}, attrs: both, mfa: []string{"EMAIL_OTP"}, medium: "SMS"},
		{name: "email MFA, email-only pool", pool: types.UserPoolType{AccountRecoverySetting: recovery(email)}, attrs: both, mfa: []string{"EMAIL_OTP"}, want: ErrNoVerifiedContact},
		{name: "email MFA disqualifies nothing without a setting", attrs: emailOnly, mfa: []string{"EMAIL_OTP"}, medium: "EMAIL"},
		{name: "TOTP disqualifies nothing", pool: types.UserPoolType{AccountRecoverySetting: recovery(phone)}, attrs: both, mfa: []string{"SOFTWARE_TOKEN_MFA"}, medium: "SMS"},
		{name: "SMS and email MFA, both media", pool: types.UserPoolType{AccountRecoverySetting: recovery(email, phone)}, attrs: both, mfa: []string{"SMS_MFA", "EMAIL_OTP"}, want: ErrNoVerifiedContact},
		{name: "admin only", pool: types.UserPoolType{AccountRecoverySetting: recovery(types.RecoveryOptionNameTypeAdminOnly)}, attrs: both, want: ErrRecoveryNotConfigured},
		{name: "sandbox refuses SMS", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox")}, attrs: phoneOnly, want: ErrSMSSandbox},
		{name: "sandbox with verified number", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox")}, attrs: phoneOnly,
			opts: []Option{WithSandboxVerifiedNumbers("+1 (206) 555-0100")}, medium: "SMS"},
		{name: "sandbox irrelevant for email", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox"), AccountRecoverySetting: recovery(email, phone)}, attrs: both, medium: "EMAIL"},
		{name: "other SMS failure", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("InvalidSmsRoleTrustRelationshipException")}, attrs: phoneOnly, want: ErrDeliveryConfig},
		{name: "sandbox and other SMS failure", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox, InvalidSmsRoleAccessPolicyException")}, attrs: phoneOnly,
			opts: []Option{WithSandboxVerifiedNumbers("+12065550100")}, want: ErrDeliveryConfig},
		{name: "deprecated email failure is a caveat", pool: types.UserPoolType{EmailConfigurationFailure: aws.String("SES not verified"), AutoVerifiedAttributes: autoBoth},
			attrs: emailOnly, medium: "EMAIL", sender: SenderCognitoDefault, caveats: []CaveatCode{CaveatCognitoDefaultEmail, CaveatEmailConfigurationFailure}},
		{name: "own SES without WithSES: SES unproven", pool: types.UserPoolType{EmailConfiguration: ses, AutoVerifiedAttributes: autoBoth}, attrs: emailOnly,
			medium: "EMAIL", sender: SenderSES, caveats: []CaveatCode{CaveatSESUnknown}},
		{name: "not auto-verified", pool: types.UserPoolType{EmailConfiguration: ses}, attrs: emailOnly, medium: "EMAIL", caveats: []CaveatCode{CaveatNotAutoVerified, CaveatSESUnknown}},
		{name: "custom message trigger", pool: types.UserPoolType{EmailConfiguration: ses, AutoVerifiedAttributes: autoBoth,
			LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(lambdaARN)}}, attrs: emailOnly, medium: "EMAIL", caveats: []CaveatCode{CaveatCustomMessage, CaveatSESUnknown}},
		{name: "custom email sender", pool: types.UserPoolType{AutoVerifiedAttributes: autoBoth, EmailConfigurationFailure: aws.String("x"),
			LambdaConfig: &types.LambdaConfigType{CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String(lambdaARN)}}},
			attrs: emailOnly, medium: "EMAIL", sender: SenderLambda, caveats: []CaveatCode{CaveatCustomSender}},
		{name: "custom SMS sender skips the sandbox", pool: types.UserPoolType{SmsConfigurationFailure: aws.String("SNSSandbox, InvalidSmsRoleAccessPolicyException"),
			AutoVerifiedAttributes: autoBoth, LambdaConfig: customSMS}, attrs: phoneOnly, medium: "SMS", sender: SenderLambda, caveats: []CaveatCode{CaveatCustomSender}},
		{name: "SMS with no proof of the sandbox", pool: types.UserPoolType{AutoVerifiedAttributes: autoBoth}, attrs: phoneUK, medium: "SMS", sender: SenderSNS,
			caveats: []CaveatCode{CaveatSMSSandboxUnknown}},
		{name: "SMS to +1 without SNS", pool: types.UserPoolType{AutoVerifiedAttributes: autoBoth}, attrs: phoneOnly, medium: "SMS",
			opts: []Option{WithSandboxVerifiedNumbers("+12065550100")}, caveats: []CaveatCode{CaveatUSOrigination}},
		{name: "pool requires MFA, user lists none", pool: types.UserPoolType{AccountRecoverySetting: recovery(email), MfaConfiguration: types.UserPoolMfaTypeOn,
			EmailConfiguration: ses, AutoVerifiedAttributes: autoBoth}, attrs: emailOnly, medium: "EMAIL", caveats: []CaveatCode{CaveatPoolMFARequired, CaveatSESUnknown}},
		{name: "disabled", disabled: true, attrs: both, want: ErrUserDisabled},
		{name: "force change password", status: types.UserStatusTypeForceChangePassword, attrs: both, want: ErrUserState},
		{name: "unconfirmed", status: types.UserStatusTypeUnconfirmed, attrs: both, want: ErrUserState},
		{name: "external provider", status: types.UserStatusTypeExternalProvider, attrs: both, want: ErrUserState},
		{name: "reset required may be reset", status: types.UserStatusTypeResetRequired, attrs: both, medium: "SMS"},
		{name: "no SMS role refuses SMS", noRole: true, attrs: phoneOnly, want: ErrDeliveryConfig},
		{name: "no SMS role refuses SMS first in the legacy order", noRole: true, attrs: both, want: ErrDeliveryConfig},
		{name: "no SMS role leaves email alone", noRole: true, pool: types.UserPoolType{AccountRecoverySetting: recovery(email, phone)}, attrs: both, medium: "EMAIL"},
		{name: "SMS configuration without an SNS role: End User Messaging, unproven", pool: types.UserPoolType{AutoVerifiedAttributes: autoBoth,
			SmsConfiguration: &types.SmsConfigurationType{ExternalId: aws.String("x")}}, attrs: phoneUK, medium: "SMS", caveats: []CaveatCode{CaveatSMSSandboxUnknown}},
		{name: "no SMS role, a custom SMS sender sends", noRole: true, pool: types.UserPoolType{AutoVerifiedAttributes: autoBoth, LambdaConfig: customSMS},
			attrs: phoneOnly, medium: "SMS", sender: SenderLambda, caveats: []CaveatCode{CaveatCustomSender}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub()
			if tt.pool.SmsConfiguration == nil && !tt.noRole {
				tt.pool.SmsConfiguration = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}
			}
			stub.pool = &tt.pool
			status := tt.status
			if status == "" {
				status = types.UserStatusTypeConfirmed
			}
			stub.addUser("diego", status, !tt.disabled, tt.attrs...)
			if tt.smsMFA {
				stub.users["diego"].UserMFASettingList = []string{"SMS_MFA"}
			}
			if tt.mfa != nil {
				stub.users["diego"].UserMFASettingList = tt.mfa
			}
			r := newTestResetter(t, stub, tt.opts...)
			res, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, OpPreflight, e.Op)
				assert.Zero(t, stub.count("AdminResetUserPassword"), "a failed preflight sends no reset")
				assert.NotContains(t, err.Error(), "diego@example.com")
				assert.NotContains(t, err.Error(), "2065550100")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, res.Delivery)
			assert.Equal(t, tt.medium, res.Delivery.Medium)
			if tt.dest != "" {
				assert.Equal(t, tt.dest, res.Delivery.Destination)
			}
			if tt.sender != "" {
				assert.Equal(t, tt.sender, res.Delivery.Sender)
			}
			if tt.caveats != nil {
				got := []CaveatCode{}
				for _, c := range res.Caveats {
					got = append(got, c.Code)
					assert.NotEmpty(t, c.Rule)
					assert.NotContains(t, c.Message, "2065550100")
				}
				assert.ElementsMatch(t, tt.caveats, got)
			}
			assert.Equal(t, 1, stub.count("AdminResetUserPassword"))
			assert.Equal(t, "req-reset-1", res.RequestID)
			assert.Equal(t, "diego", res.Username)
			assert.Equal(t, alias.Username, res.Input)
		})
	}
}

func TestCheck_SendsNothing(t *testing.T) {
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	r := newTestResetter(t, stub)
	res, err := r.Check(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, &Delivery{Medium: "EMAIL", Destination: "d***@e***.com", Sender: SenderCognitoDefault}, res.Delivery)
	assert.Empty(t, res.RequestID)
	assert.Zero(t, stub.count("AdminResetUserPassword"))
}

func TestReset_PreflightLevels(t *testing.T) {
	for _, tt := range []struct {
		p            Preflight
		describe     int
		getUser      int
		wantDelivery bool
	}{
		{PreflightFull, 1, 1, true},
		{PreflightPool, 1, 0, false},
		{PreflightOff, 0, 0, false},
	} {
		t.Run(tt.p.String(), func(t *testing.T) {
			stub := newStub()
			stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
			r := newTestResetter(t, stub, WithPreflight(tt.p.String()))
			res, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego", ClientMetadata: map[string]string{"source": "test"}})
			require.NoError(t, err)
			assert.Equal(t, tt.describe, stub.count("DescribeUserPool"))
			assert.Equal(t, tt.getUser, stub.count("AdminGetUser"))
			assert.Equal(t, tt.wantDelivery, res.Delivery != nil)
			require.Len(t, stub.resetIn, 1)
			assert.Equal(t, map[string]string{"source": "test"}, stub.resetIn[0].ClientMetadata)
			assert.Equal(t, "diego", aws.ToString(stub.resetIn[0].Username))
		})
	}
}

func TestReset_AliasResolution(t *testing.T) {
	t.Run("email looked up in a plain pool", func(t *testing.T) {
		stub := newStub()
		stub.addUser("dramirez", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
		stub.list = []types.UserType{{Username: aws.String("dramirez"), Attributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("diego@example.com")}}}}
		r := newTestResetter(t, stub)
		res, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "Diego@Example.com"})
		require.NoError(t, err)
		assert.Equal(t, "dramirez", res.Username)
		assert.Equal(t, alias.Email, res.Input)
		assert.Equal(t, 1, stub.count("ListUsers"))
	})
	t.Run("ambiguous email", func(t *testing.T) {
		stub := newStub()
		u := func(n string) types.UserType {
			return types.UserType{Username: aws.String(n), Attributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("diego@example.com")}}}
		}
		stub.list = []types.UserType{u("a1"), u("b2")}
		r := newTestResetter(t, stub)
		_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego@example.com"})
		require.ErrorIs(t, err, ErrAmbiguousAlias)
		assert.ErrorIs(t, err, alias.ErrAmbiguous)
		assert.Zero(t, stub.count("AdminResetUserPassword"))
	})
	t.Run("unknown email", func(t *testing.T) {
		stub := newStub()
		r := newTestResetter(t, stub)
		_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "nobody@example.com"})
		require.ErrorIs(t, err, ErrUserNotFound)
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, OpResolve, e.Op)
	})
	t.Run("email sign-in pool sends the email, then the username", func(t *testing.T) {
		stub := newStub()
		stub.pool = &types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}}
		stub.users["diego@example.com"] = &cip.AdminGetUserOutput{Username: aws.String("8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b"), Enabled: true,
			UserStatus: types.UserStatusTypeConfirmed, UserAttributes: []types.AttributeType{
				{Name: aws.String("email"), Value: aws.String("diego@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}
		r := newTestResetter(t, stub)
		res, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego@example.com"})
		require.NoError(t, err)
		assert.Equal(t, alias.Email, res.Input)
		assert.Equal(t, "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b", res.Username)
		assert.Zero(t, stub.count("ListUsers"))
	})
	t.Run("preferred username is recognised", func(t *testing.T) {
		stub := newStub()
		stub.pool = &types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePreferredUsername}}
		out := &cip.AdminGetUserOutput{Username: aws.String("dramirez"), Enabled: true, UserStatus: types.UserStatusTypeConfirmed,
			UserAttributes: []types.AttributeType{{Name: aws.String("preferred_username"), Value: aws.String("diego")},
				{Name: aws.String("email"), Value: aws.String("diego@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}
		stub.users["diego"] = out
		r := newTestResetter(t, stub)
		res, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
		require.NoError(t, err)
		assert.Equal(t, alias.PreferredUsername, res.Input)
		assert.Equal(t, "dramirez", res.Username)
	})
}

func TestReset_PoolCacheSingleflight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := newStub()
		stub.block = make(chan struct{})
		stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
		r := newTestResetter(t, stub)
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
				errs <- err
			})
		}
		synctest.Wait() // every reset waits: one in DescribeUserPool, 49 on its answer
		assert.Equal(t, int32(1), stub.describes.Load())
		close(stub.block)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, int32(1), stub.describes.Load(), "one DescribeUserPool for 50 concurrent resets")
		assert.Equal(t, 50, stub.count("AdminResetUserPassword"))
	})
}

func TestReset_PoolCacheTTL(t *testing.T) {
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	r := newTestResetter(t, stub, WithPoolCacheTTL(time.Minute))
	now := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	r.now = func() time.Time { return now }
	req := Request{UserPoolID: testPool, Username: "diego"}
	for _, step := range []struct {
		advance time.Duration
		want    int
	}{{0, 1}, {30 * time.Second, 1}, {29 * time.Second, 1}, {2 * time.Second, 2}, {time.Second, 2}} {
		now = now.Add(step.advance)
		_, err := r.Reset(context.Background(), req)
		require.NoError(t, err)
		assert.Equal(t, step.want, stub.count("DescribeUserPool"))
	}
	// A change of pool settings is seen once the entry expires.
	stub.pool = &types.UserPoolType{AccountRecoverySetting: recovery(types.RecoveryOptionNameTypeAdminOnly)}
	now = now.Add(2 * time.Minute)
	_, err := r.Reset(context.Background(), req)
	assert.ErrorIs(t, err, ErrRecoveryNotConfigured)
}

func TestReset_CanceledLeaderDoesNotFailFollowers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stub := newStub()
		stub.block = make(chan struct{})
		stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
		r := newTestResetter(t, stub)
		leaderCtx, cancel := context.WithCancel(context.Background())
		leaderErr := make(chan error)
		go func() {
			_, err := r.Reset(leaderCtx, Request{UserPoolID: testPool, Username: "diego"})
			leaderErr <- err
		}()
		synctest.Wait() // the leader is in DescribeUserPool
		followerErr := make(chan error)
		go func() {
			_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
			followerErr <- err
		}()
		synctest.Wait() // the follower waits for the leader's answer
		assert.Equal(t, int32(1), stub.describes.Load())
		cancel()
		err := <-leaderErr
		require.ErrorIs(t, err, context.Canceled)
		assert.ErrorIs(t, err, ErrUnavailable)
		close(stub.block)
		assert.NoError(t, <-followerErr)
		assert.Equal(t, int32(2), stub.describes.Load(), "the follower read the pool under its own context")
	})
}

func TestReset_Logging(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	stub := newStub()
	stub.addUser("diego.ramirez", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	stub.addUser("locked.user", types.UserStatusTypeConfirmed, false)
	r := newTestResetter(t, stub, WithLogger(logger))
	md := map[string]string{"note": "MARKER-VALUE-123"}
	_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego.ramirez", ClientMetadata: md})
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "locked.user", ClientMetadata: md})
	require.ErrorIs(t, err, ErrUserDisabled)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"level":"INFO"`)
	assert.Contains(t, lines[0], `"msg":"password reset sent"`)
	assert.Contains(t, lines[0], `"destination":"d***@e***.com"`)
	assert.Contains(t, lines[1], `"level":"WARN"`)
	assert.Contains(t, lines[1], `"kind":"user_disabled"`)
	for _, secret := range []string{"diego.ramirez", "locked.user", "diego@example.com", "MARKER-VALUE-123"} {
		assert.NotContains(t, buf.String(), secret)
	}
}

func TestError_Format(t *testing.T) {
	e := &Error{Kind: ErrUserNotFound, Op: OpReset, UserPoolID: testPool, Username: "diego@example.com", RequestID: "abc-123",
		Err: errors.New("UserNotFoundException: no user diego@example.com")}
	assert.Equal(t, "resetpw: reset: user not found (pool us-west-2_aaaaaaaaa, user d***@e***.com, request abc-123): UserNotFoundException: no user d***@e***.com", e.Error())
	assert.True(t, errors.Is(e, ErrUserNotFound))
	assert.False(t, errors.Is(e, ErrUserDisabled))
	assert.Equal(t, ErrUserNotFound, KindOf(e))
	assert.Equal(t, "user_not_found", KindOf(e).Code())
	assert.Equal(t, ErrUnavailable, KindOf(errors.New("other")), "never the zero Kind for an error")
	assert.Equal(t, ErrUserState, KindOf(fmt.Errorf("wrapped: %w", ErrUserState)), "a Kind in the chain is its own kind")

	long := &Error{Kind: ErrInvalidInput, Op: OpValidate, UserPoolID: strings.Repeat("p", 1000), Username: "x"}
	assert.Less(t, len(long.Error()), 200)
}

func TestKindsHaveCodes(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Kinds() {
		c := k.Code()
		require.NotEmpty(t, c, k.Error())
		require.False(t, seen[c])
		seen[c] = true
		assert.True(t, strings.HasPrefix(k.Error(), "resetpw: "))
		assert.GreaterOrEqual(t, k.Status(), 400)
		assert.Less(t, k.Status(), 600)
		assert.True(t, errors.Is(&Error{Kind: k}, k))
	}
	assert.Len(t, seen, 19)
	ks := Kinds()
	ks[0] = ErrTrigger
	assert.Equal(t, ErrInvalidInput, Kinds()[0], "Kinds returns a copy")
	assert.False(t, errors.Is(&Error{}, Kind{}), "the zero Kind matches nothing")
}

// Local validation names the field, so a handler can tell the caller's bad
// input from its own configuration and from Cognito's
// InvalidParameterException.
func TestError_Field(t *testing.T) {
	tests := []struct {
		name  string
		req   Request
		field Field
	}{
		{"pool ID", Request{UserPoolID: "not a pool", Username: "diego"}, FieldUserPoolID},
		{"username", Request{UserPoolID: testPool, Username: "diego ramirez"}, FieldUsername},
		{"metadata", Request{UserPoolID: testPool, Username: "diego", ClientMetadata: map[string]string{"password": "x"}}, FieldClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := newStub()
			r := newTestResetter(t, stub)
			_, err := r.Reset(context.Background(), tt.req)
			var e *Error
			require.ErrorAs(t, err, &e)
			want := ErrInvalidInput
			if tt.field == FieldUserPoolID {
				want = ErrConfig // a malformed pool ID is the service's configuration
			}
			assert.Equal(t, want, e.Kind)
			assert.Equal(t, OpValidate, e.Op)
			assert.Equal(t, tt.field, e.Field)
			assert.Zero(t, stub.count("AdminResetUserPassword")+stub.count("DescribeUserPool")+stub.count("AdminGetUser"), "nothing is sent")
		})
	}
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	stub.errs["AdminResetUserPassword"] = []error{&types.InvalidParameterException{Message: aws.String("something Cognito did not like")}}
	r := newTestResetter(t, stub)
	_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ErrInvalidInput, e.Kind)
	assert.Equal(t, OpReset, e.Op, "Cognito's own InvalidParameterException")
	assert.Empty(t, e.Field)
}

type ctxKey struct{}

// ctxHandler adds the request ID of the caller's context to every record,
// as a service's slog handler would.
type ctxHandler struct{ slog.Handler }

func (h ctxHandler) Handle(ctx context.Context, r slog.Record) error {
	if id, ok := ctx.Value(ctxKey{}).(string); ok {
		r.AddAttrs(slog.String("http_request", id))
	}
	return h.Handler.Handle(ctx, r)
}

// Log lines use one set of keys, carry the caller's context, mark dry runs,
// and show retries at Debug.
func TestLogging_KeysContextDryRunRetries(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(ctxHandler{slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})})
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	stub.addUser("locked", types.UserStatusTypeConfirmed, false)
	stub.errs["AdminGetUser"] = []error{&types.TooManyRequestsException{Message: aws.String("Rate exceeded")}, nil} // once
	r := newTestResetter(t, stub, WithLogger(logger))
	ctx := context.WithValue(context.Background(), ctxKey{}, "http-42")
	_, err := r.Check(ctx, Request{UserPoolID: testPool, Username: "diego"})
	require.NoError(t, err)
	_, err = r.Check(ctx, Request{UserPoolID: testPool, Username: "locked"})
	require.ErrorIs(t, err, ErrUserDisabled)
	_, err = r.Reset(ctx, Request{UserPoolID: testPool, Username: "locked"})
	require.ErrorIs(t, err, ErrUserDisabled)

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		lines = append(lines, m)
	}
	require.Len(t, lines, 4)
	assert.Equal(t, "cognito call retried", lines[0]["msg"])
	assert.Equal(t, "AdminGetUser", lines[0]["operation"])
	assert.Equal(t, "throttled", lines[0]["kind"])
	assert.Equal(t, "password reset checked", lines[1]["msg"])
	assert.Equal(t, true, lines[1]["dry_run"])
	assert.Nil(t, lines[1]["cognito_request_id"], "a dry run has no request ID")
	assert.Equal(t, "password reset refused", lines[2]["msg"])
	assert.Equal(t, true, lines[2]["dry_run"])
	assert.Equal(t, "password reset refused", lines[3]["msg"])
	assert.Equal(t, false, lines[3]["dry_run"])
	for _, l := range lines {
		assert.Equal(t, "http-42", l["http_request"], "the caller's context reaches the handler")
		assert.Nil(t, l["reason"], "the error text is always under error")
	}
	assert.Equal(t, lines[2]["error"], lines[3]["error"])
	assert.NotContains(t, buf.String(), "diego@example.com")
}

// WithClientOptions applies to every call, before the SDK's retries are
// turned off; invalid ones are refused.
func TestWithClientOptions(t *testing.T) {
	stub := newStub()
	stub.addUser("diego", types.UserStatusTypeConfirmed, true, "email", "diego@example.com", "email_verified", "true")
	var seen []string
	rec := &optionRecorder{API: stub, seen: &seen}
	r := newTestResetter(t, rec, WithClientOptions(func(o *cip.Options) { o.Region = "eu-west-1" }))
	_, err := r.Reset(context.Background(), Request{UserPoolID: testPool, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, []string{"DescribeUserPool eu-west-1 1", "AdminGetUser eu-west-1 1", "AdminResetUserPassword eu-west-1 1"}, seen)
	_, err = New(stub, WithClientOptions(nil))
	assert.ErrorIs(t, err, ErrConfig)
}

// optionRecorder applies each call's option functions to a fresh Options and
// records the region and the retryer's attempts they leave.
type optionRecorder struct {
	API
	seen *[]string
}

func (o *optionRecorder) record(op string, fns []func(*cip.Options)) {
	opts := cip.Options{Region: "us-west-2"}
	for _, f := range fns {
		f(&opts)
	}
	*o.seen = append(*o.seen, fmt.Sprintf("%s %s %d", op, opts.Region, opts.Retryer.MaxAttempts()))
}

func (o *optionRecorder) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, fns ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	o.record("DescribeUserPool", fns)
	return o.API.DescribeUserPool(ctx, in, fns...)
}

func (o *optionRecorder) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, fns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	o.record("AdminGetUser", fns)
	return o.API.AdminGetUser(ctx, in, fns...)
}

func (o *optionRecorder) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, fns ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	o.record("AdminResetUserPassword", fns)
	return o.API.AdminResetUserPassword(ctx, in, fns...)
}
