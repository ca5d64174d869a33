package groundtruth_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// WithSNS makes SNS the ground truth for the sandbox, whatever the pool's
// SmsConfigurationFailure says, caches it, and asks only for SMS (R16, R18,
// R19).
func TestWithSNS(t *testing.T) {
	const number = "+12065550100"
	phoneUser := resetpwtest.User("sam", "phone_number", number, "phone_number_verified", "true")
	emailUser := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
	usNumber := snstypes.PhoneNumberInformation{PhoneNumber: aws.String("+12065550199"), Iso2CountryCode: aws.String("US"),
		Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{snstypes.NumberCapabilitySms}}
	tests := []struct {
		name        string
		inSandbox   bool
		verified    bool
		poolField   string
		origination []snstypes.PhoneNumberInformation
		user        types.UserType
		want        error
		caveats     []resetpw.CaveatCode
		snsCalls    int
	}{
		{name: "empty pool field, SNS says sandbox", inSandbox: true, user: phoneUser, want: resetpw.ErrSMSSandbox, snsCalls: 3},
		{name: "sandbox, number verified there", inSandbox: true, verified: true, user: phoneUser, origination: []snstypes.PhoneNumberInformation{usNumber},
			caveats: []resetpw.CaveatCode{}, snsCalls: 3},
		{name: "stale pool field, SNS says out", poolField: "SNSSandbox", user: phoneUser, origination: []snstypes.PhoneNumberInformation{usNumber},
			caveats: []resetpw.CaveatCode{}, snsCalls: 2},
		{name: "no US origination number", user: phoneUser, caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}, snsCalls: 2},
		{name: "inactive or non-SMS US numbers don't count", user: phoneUser, caveats: []resetpw.CaveatCode{resetpw.CaveatUSOrigination}, snsCalls: 3,
			origination: []snstypes.PhoneNumberInformation{
				{Iso2CountryCode: aws.String("US"), Status: aws.String("PENDING"), NumberCapabilities: []snstypes.NumberCapability{"SMS"}},
				{Iso2CountryCode: aws.String("US"), Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{"VOICE"}},
				{Iso2CountryCode: aws.String("CA"), Status: aws.String("ACTIVE"), NumberCapabilities: []snstypes.NumberCapability{"SMS"}},
			}},
		{name: "US number on page two", user: phoneUser, caveats: []resetpw.CaveatCode{}, snsCalls: 3, // SNS's fake pages two numbers
			origination: []snstypes.PhoneNumberInformation{{Iso2CountryCode: aws.String("CA")}, {Iso2CountryCode: aws.String("GB")}, usNumber}},
		{name: "email asks SNS nothing", inSandbox: true, user: emailUser, caveats: []resetpw.CaveatCode{}, snsCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.SetSMSSandbox(tt.inSandbox)
			if tt.verified {
				f.SetSandboxVerifiedNumbers(number)
			}
			for _, n := range tt.origination {
				f.AddOriginationNumber(n)
			}
			pool := types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"},
				EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}}
			if tt.poolField != "" {
				pool.SmsConfigurationFailure = aws.String(tt.poolField)
			}
			id := f.AddPool(pool)
			_, err := f.AddUser(id, tt.user)
			require.NoError(t, err)
			r, err := resetpw.New(f, groundtruth.WithSNS(f.SNS()), groundtruth.WithSES(f.SES()))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: id, Username: aws.ToString(tt.user.Username)}
			for range 2 { // the second Check is answered from the cache
				res, err := r.Check(context.Background(), req)
				if tt.want != nil {
					require.ErrorIs(t, err, tt.want)
					assert.NotContains(t, err.Error(), "2065550100")
					continue
				}
				require.NoError(t, err)
				got := []resetpw.CaveatCode{}
				for _, c := range res.Caveats {
					got = append(got, c.Code)
				}
				assert.ElementsMatch(t, tt.caveats, got)
			}
			calls := f.Calls("GetSMSSandboxAccountStatus") + f.Calls("ListSMSSandboxPhoneNumbers") + f.Calls("ListOriginationNumbers")
			assert.Equal(t, tt.snsCalls, calls)
		})
	}
}

func TestWithSNS_Failures(t *testing.T) {
	setUp := func() (*resetpwtest.Fake, string) {
		f := resetpwtest.NewFake()
		id := f.AddPool(types.UserPoolType{})
		_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
		require.NoError(t, err)
		return f, id
	}
	denied := &smithy.GenericAPIError{Code: "AuthorizationError", Message: "not authorized to perform SNS:GetSMSSandboxAccountStatus"}

	f, id := setUp()
	f.FailNext("GetSMSSandboxAccountStatus", 1, denied)
	r, err := resetpw.New(f, groundtruth.WithSNS(f.SNS()))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
	require.ErrorIs(t, err, resetpw.ErrAccessDenied, "the sandbox can't be proved: nothing is sent")
	assert.Zero(t, f.Calls("AdminResetUserPassword"))

	f, id = setUp()
	f.FailNext("ListOriginationNumbers", 1, denied)
	r, err = resetpw.New(f, groundtruth.WithSNS(f.SNS()))
	require.NoError(t, err)
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
	require.NoError(t, err, "origination numbers are a caveat, never a refusal")
	require.Len(t, res.Caveats, 2)
	var us resetpw.Caveat
	for _, c := range res.Caveats {
		if c.Code == resetpw.CaveatUSOrigination {
			us = c
		}
	}
	assert.Contains(t, us.Message, "failed")

	_, err = resetpw.New(f, groundtruth.WithSNS(nil))
	assert.ErrorIs(t, err, resetpw.ErrConfig)
}

// WithSNS takes an SNSAPI: the SDK's client and the Fake's SNS both are one.
func TestSNSAPI_Implementations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client any
	}{
		{"*sns.Client", sns.New(sns.Options{Region: "us-west-2"})},
		{"*resetpwtest.FakeSNS", resetpwtest.NewFake().SNS()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Implements(t, (*groundtruth.SNSAPI)(nil), tc.client)
			_, err := resetpw.New(resetpwtest.NewFake(), groundtruth.WithSNS(tc.client.(groundtruth.SNSAPI)))
			assert.NoError(t, err)
		})
	}
}
