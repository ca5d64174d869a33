package groundtruth_test

import (
	"context"
	"slices"
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
			pool := types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email", "phone_number"}, SmsConfiguration: smsRole,
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
		id := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole})
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

// regionSNS is an SNS client that says which Region it is for, as
// *sns.Client does.
type regionSNS struct {
	groundtruth.SNSAPI
	region string
}

func (c regionSNS) Options() sns.Options { return sns.Options{Region: c.region} }

// cognitoTargets are the Cognito APIs a Resetter is tried on: the Fake
// itself, and the Server in front of it through the real SDK client.
var cognitoTargets = []struct {
	name string
	api  func(t *testing.T, f *resetpwtest.Fake) resetpw.API
}{
	{"fake", func(_ *testing.T, f *resetpwtest.Fake) resetpw.API { return f }},
	{"server", func(t *testing.T, f *resetpwtest.Fake) resetpw.API {
		srv := resetpwtest.NewServer(f)
		t.Cleanup(srv.Close)
		return srv.Client()
	}},
}

// R18: SNS's sandbox state is "for the calling AWS account in the target
// AWS Region". A WithSNS client for another Region than the pool's SMS
// Region (SmsConfiguration.SnsRegion) proves nothing for the pool: it is
// not asked, and the SMS code carries CaveatSMSSandboxUnknown naming both
// Regions, never a prediction of delivery; a client for the pool's SMS
// Region is asked.
func TestWithSNS_ClientForAnotherRegion(t *testing.T) {
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake() // SNS out of the sandbox, as the us-west-2 client would say
			pool := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"},
				SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: smsRole.SnsCallerArn, SnsRegion: aws.String("us-east-1")}})
			_, err := f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "sam"}

			r, err := resetpw.New(target.api(t, f), groundtruth.WithSNS(regionSNS{f.SNS(), "us-west-2"}))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), req)
			require.NoError(t, err)
			require.Len(t, res.Caveats, 1)
			assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code)
			assert.Equal(t, "R18", res.Caveats[0].Rule)
			assert.Contains(t, res.Caveats[0].Message, "us-east-1")
			assert.Contains(t, res.Caveats[0].Message, "us-west-2")
			rep, err := r.CheckPool(context.Background(), pool)
			require.NoError(t, err)
			assert.Equal(t, "UNKNOWN", rep.SMSSandbox)
			assert.Equal(t, "us-east-1", rep.SNSRegion)
			assert.Zero(t, f.Calls("GetSMSSandboxAccountStatus"), "the other Region's SNS is not asked")

			r, err = resetpw.New(target.api(t, f), groundtruth.WithSNS(regionSNS{f.SNS(), "us-east-1"}))
			require.NoError(t, err)
			res, err = r.Check(context.Background(), req)
			require.NoError(t, err)
			assert.Empty(t, res.Caveats)
			assert.Equal(t, 1, f.Calls("GetSMSSandboxAccountStatus"))
		})
	}
}

// R18: one Resetter asks SNS once for its client's Region, and answers a
// pool of another SMS Region from no Region's cached state, with the
// caveat.
func TestWithSNS_CachedPerRegion(t *testing.T) {
	f := resetpwtest.NewFake()
	var pools []string
	for _, region := range []string{"us-west-2", "eu-west-1", "us-west-2"} {
		pool := f.AddPool(types.UserPoolType{
			SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: smsRole.SnsCallerArn, SnsRegion: aws.String(region)}})
		_, err := f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
		require.NoError(t, err)
		pools = append(pools, pool)
	}
	r, err := resetpw.New(f, groundtruth.WithSNS(f.SNS())) // the Fake's SNS is for us-west-2
	require.NoError(t, err)
	for i, pool := range pools {
		res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "sam"})
		require.NoError(t, err)
		assert.Equal(t, i == 1, slices.ContainsFunc(res.Caveats, func(c resetpw.Caveat) bool { return c.Code == resetpw.CaveatSMSSandboxUnknown }), pool)
	}
	assert.Equal(t, 1, f.Calls("GetSMSSandboxAccountStatus"), "one read, for the client's Region")
}

// R18: a WithSNS or WithEndUserMessaging client that does not say which
// Region it is for (a wrapper that hides *sns.Client's Options) proves
// nothing for any pool: it is not asked, and an SMS code carries
// CaveatSMSSandboxUnknown, never a prediction of delivery. The Fake's SNS
// says it is for the Fake's Region.
func TestWithSNS_ClientThatNamesNoRegionIsNotTrusted(t *testing.T) {
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake() // out of the sandbox
			pool := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: smsRole})
			_, err := f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "sam"}
			for _, tc := range []struct {
				name   string
				option resetpw.Option
			}{
				{"WithSNS", groundtruth.WithSNS(wrappedSNS{f.SNS()})},
				{"WithEndUserMessaging", groundtruth.WithEndUserMessaging(stubEUMS{"PRODUCTION"})},
			} {
				r, err := resetpw.New(target.api(t, f), tc.option)
				require.NoError(t, err)
				res, err := r.Check(context.Background(), req)
				require.NoError(t, err, tc.name)
				require.Len(t, res.Caveats, 1, tc.name)
				assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code, tc.name)
				assert.Contains(t, res.Caveats[0].Message, "does not say which Region", tc.name)
				rep, err := r.CheckPool(context.Background(), pool)
				require.NoError(t, err)
				assert.Equal(t, "UNKNOWN", rep.SMSSandbox, tc.name)
			}
			assert.Zero(t, f.Calls("GetSMSSandboxAccountStatus"), "a client of no known Region is not asked")

			r, err := resetpw.New(target.api(t, f), groundtruth.WithSNS(f.SNS()))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), req)
			require.NoError(t, err)
			assert.Empty(t, res.Caveats, "the Fake's SNS says it is for us-west-2, the pool's Region")
		})
	}
}

// wrappedSNS wraps an SNS client and, like a tracing decorator, hides its
// Region.
type wrappedSNS struct{ groundtruth.SNSAPI }

// R18: a pool without SnsRegion sends SMS from its own Region, except where
// Cognito reroutes it. A Seoul pool must use Tokyo: a client for Seoul is
// not asked, one for Tokyo is. A pool in another rerouted Region (here
// Frankfurt, rerouted to Ireland) may send from either, so no client
// proves its sandbox. End User Messaging is held to the same SMS Region.
func TestWithSNS_ReroutedRegionWithoutSnsRegion(t *testing.T) {
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake() // out of the sandbox
			poolIn := func(region string) string {
				id := region + "_Rerouted1"
				f.AddPool(types.UserPoolType{Id: aws.String(id), Arn: aws.String("arn:aws:cognito-idp:" + region + ":" + resetpwtest.DefaultAccount + ":userpool/" + id),
					AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: smsRole})
				_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
				require.NoError(t, err)
				return id
			}
			seoul, frankfurt := poolIn("ap-northeast-2"), poolIn("eu-central-1")
			for _, tc := range []struct {
				name, pool string
				option     resetpw.Option
				trusted    bool
				mentions   []string
			}{
				{"Seoul, SNS for Seoul", seoul, groundtruth.WithSNS(regionSNS{f.SNS(), "ap-northeast-2"}), false, []string{"ap-northeast-1", "ap-northeast-2"}},
				{"Seoul, SNS for Tokyo", seoul, groundtruth.WithSNS(regionSNS{f.SNS(), "ap-northeast-1"}), true, nil},
				{"Seoul, End User Messaging for Seoul", seoul, groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"PRODUCTION"}, "ap-northeast-2"}), false, []string{"ap-northeast-1"}},
				{"Seoul, End User Messaging for Tokyo", seoul, groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"PRODUCTION"}, "ap-northeast-1"}), true, nil},
				{"Frankfurt, SNS for Frankfurt", frankfurt, groundtruth.WithSNS(regionSNS{f.SNS(), "eu-central-1"}), false, []string{"eu-central-1", "eu-west-1"}},
				{"Frankfurt, SNS for Ireland", frankfurt, groundtruth.WithSNS(regionSNS{f.SNS(), "eu-west-1"}), false, []string{"eu-central-1", "eu-west-1"}},
				{"Frankfurt, End User Messaging for Ireland", frankfurt, groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"PRODUCTION"}, "eu-west-1"}), false, []string{"eu-west-1"}},
			} {
				asked := f.Calls("GetSMSSandboxAccountStatus")
				r, err := resetpw.New(target.api(t, f), tc.option)
				require.NoError(t, err)
				res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: tc.pool, Username: "sam"})
				require.NoError(t, err, tc.name)
				rep, err := r.CheckPool(context.Background(), tc.pool)
				require.NoError(t, err, tc.name)
				i := slices.IndexFunc(res.Caveats, func(c resetpw.Caveat) bool { return c.Code == resetpw.CaveatSMSSandboxUnknown })
				if tc.trusted {
					assert.Equal(t, -1, i, tc.name)
					assert.Equal(t, "OUT_OF_SANDBOX", rep.SMSSandbox, tc.name)
					continue
				}
				require.NotEqual(t, -1, i, "%s: predicted a delivery nothing proves", tc.name)
				for _, region := range tc.mentions {
					assert.Contains(t, res.Caveats[i].Message, region, tc.name)
				}
				assert.Equal(t, "UNKNOWN", rep.SMSSandbox, tc.name)
				assert.Equal(t, asked, f.Calls("GetSMSSandboxAccountStatus"), "%s: the wrong Region's SNS is not asked", tc.name)
			}
		})
	}
}

// smsRole is the SmsConfiguration of a pool that can send SMS through SNS:
// without an SMS role, Cognito sends none (R61).
var smsRole = &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}

// R61: a pool whose SmsConfiguration names no SNS role may send through
// AWS End User Messaging directly, whose sandbox SNS does not answer for:
// WithSNS is not asked, and the SMS code carries CaveatSMSSandboxUnknown,
// never a prediction of delivery; a pool with no SmsConfiguration at all is
// refused before sending.
func TestWithSNS_NotAskedForAPoolWithoutAnSNSRole(t *testing.T) {
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			eums := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"},
				SmsConfiguration: &types.SmsConfigurationType{ExternalId: aws.String("x")}})
			none := f.AddPool(types.UserPoolType{})
			for _, pool := range []string{eums, none} {
				_, err := f.AddUser(pool, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
				require.NoError(t, err)
			}
			r, err := resetpw.New(target.api(t, f), groundtruth.WithSNS(f.SNS()))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: eums, Username: "sam"})
			require.NoError(t, err)
			require.Len(t, res.Caveats, 1)
			assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code)
			assert.Equal(t, "R61", res.Caveats[0].Rule)
			rep, err := r.CheckPool(context.Background(), eums)
			require.NoError(t, err)
			assert.Equal(t, "UNKNOWN", rep.SMSSandbox)

			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: none, Username: "sam"})
			require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
			assert.Zero(t, f.Calls("AdminResetUserPassword"), "refused before sending")
			assert.Zero(t, f.Calls("GetSMSSandboxAccountStatus"), "SNS is not asked")
		})
	}
}
