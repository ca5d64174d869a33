package groundtruth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	eumstypes "github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// eumsCalls counts the Fake's End User Messaging reads.
func eumsCalls(f *resetpwtest.Fake) int {
	return f.Calls("DescribeAccountAttributes") + f.Calls("DescribeVerifiedDestinationNumbers")
}

// R67: with WithEndUserMessaging, End User Messaging's account tier and
// verified destination numbers decide the SMS sandbox, for a pool that
// sends through SNS (which hands SMS on to it) and for one that sends
// through it directly (no SNS role); answers are cached, and read only for
// SMS.
func TestWithEndUserMessaging_DecidesTheSMSSandbox(t *testing.T) {
	const number = "+442079460000"
	tests := []struct {
		name      string
		sandbox   bool
		verified  []string
		sms       *types.SmsConfigurationType
		email     bool
		want      error
		caveats   int
		eumsCalls int
	}{
		{name: "sandbox, number not verified", sandbox: true, sms: smsRole, want: resetpw.ErrSMSSandbox, eumsCalls: 2},
		{name: "sandbox, number verified on page two", sandbox: true, verified: []string{"+14155550100", "+14155550101", number}, sms: smsRole, eumsCalls: 3},
		{name: "production", sms: smsRole, eumsCalls: 1},
		{name: "email asks nothing", sandbox: true, sms: smsRole, email: true, eumsCalls: 0},
	}
	for _, target := range cognitoTargets {
		for _, tt := range tests {
			t.Run(target.name+"/"+tt.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				f.SetSMSSandbox(tt.sandbox)
				f.SetSandboxVerifiedNumbers(tt.verified...)
				pool := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number", "email"}, SmsConfiguration: tt.sms,
					EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
				u := resetpwtest.User("sam", "phone_number", number, "phone_number_verified", "true")
				if tt.email {
					u = resetpwtest.User("sam", "email", "sam@example.com", "email_verified", "true")
				}
				_, err := f.AddUser(pool, u)
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(f.SNS()), groundtruth.WithSES(f.SES()))
				require.NoError(t, err)
				req := resetpw.Request{UserPoolID: pool, Username: "sam"}
				for range 2 { // the second is answered from the cache
					res, err := r.Check(context.Background(), req)
					if tt.want != nil {
						require.ErrorIs(t, err, tt.want)
						assert.Contains(t, err.Error(), "End User Messaging")
						assert.NotContains(t, err.Error(), "2079460000")
						continue
					}
					require.NoError(t, err)
					for _, c := range res.Caveats {
						assert.NotEqual(t, resetpw.CaveatSMSSandboxUnknown, c.Code, "End User Messaging settles the sandbox")
					}
				}
				assert.Equal(t, tt.eumsCalls, eumsCalls(f))
				assert.Zero(t, f.Calls("GetSMSSandboxAccountStatus"))
				if tt.want != nil {
					_, err = r.Reset(context.Background(), req)
					require.ErrorIs(t, err, tt.want)
					assert.Zero(t, f.Calls("AdminResetUserPassword"), "refused before sending")
				}
			})
		}
	}
}

// stubEUMS answers a fixed account tier and no verified numbers.
type stubEUMS struct{ tier string }

func (s stubEUMS) DescribeAccountAttributes(context.Context, *pinpointsmsvoicev2.DescribeAccountAttributesInput, ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeAccountAttributesOutput, error) {
	out := &pinpointsmsvoicev2.DescribeAccountAttributesOutput{}
	if s.tier != "" {
		out.AccountAttributes = []eumstypes.AccountAttribute{{Name: eumstypes.AccountAttributeNameAccountTier, Value: aws.String(s.tier)}}
	}
	return out, nil
}

func (s stubEUMS) DescribeVerifiedDestinationNumbers(context.Context, *pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersInput, ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersOutput, error) {
	return &pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersOutput{}, nil
}

// R67, R69: given both, End User Messaging is the ground truth of the
// sandbox's status, over the pool's SmsConfigurationFailure; but where it
// and SNS judge the number differently (their lists of verified numbers,
// or their status) the code is neither refused nor promised, and carries
// CaveatSMSSandboxUnknown (R69). A tier that is missing or not recognised
// decides nothing: SNS decides, and the code carries the caveat naming
// the tier (R67). SNS still answers for US origination numbers (R19).
func TestWithEndUserMessaging_RefusesOnlyWhenSNSAgrees(t *testing.T) {
	for _, tc := range []struct {
		name       string
		snsSandbox bool
		poolField  string
		tier       string
		want       error
		rules      []string // the caveats' rules, in order
		report     string
	}{
		{name: "SNS says sandbox, End User Messaging production", snsSandbox: true, poolField: "SNSSandbox", tier: "PRODUCTION",
			rules: []string{"R69", "R19"}, report: "OUT_OF_SANDBOX"},
		{name: "SNS says out, End User Messaging sandbox", tier: "SANDBOX", rules: []string{"R69", "R19"}, report: "IN_SANDBOX"},
		{name: "both say sandbox", snsSandbox: true, tier: "SANDBOX", want: resetpw.ErrSMSSandbox},
		{name: "both say out", tier: "PRODUCTION", rules: []string{"R19"}, report: "OUT_OF_SANDBOX"},
		{name: "tier missing, SNS says out", rules: []string{"R67", "R19"}, report: "OUT_OF_SANDBOX"},
		{name: "tier unknown, SNS says out", tier: "SOMETHING_NEW", rules: []string{"R67", "R19"}, report: "OUT_OF_SANDBOX"},
		{name: "tier unknown, SNS says sandbox", snsSandbox: true, tier: "SOMETHING_NEW", want: resetpw.ErrSMSSandbox},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.SetSMSSandbox(tc.snsSandbox)
			pool := types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: smsRole}
			if tc.poolField != "" {
				pool.SmsConfigurationFailure = aws.String(tc.poolField)
			}
			id := f.AddPool(pool)
			_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(f, groundtruth.WithSNS(f.SNS()), groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{tc.tier}, "us-west-2"}))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				assert.NotContains(t, err.Error(), "2065550100")
				return
			}
			require.NoError(t, err)
			var rules []string
			for _, c := range res.Caveats {
				rules = append(rules, c.Rule)
				assert.NotContains(t, c.Message, "2065550100")
			}
			assert.Equal(t, tc.rules, rules)
			assert.Equal(t, resetpw.CaveatUSOrigination, res.Caveats[len(res.Caveats)-1].Code, "SNS lists no US number")
			assert.Contains(t, res.Caveats[len(res.Caveats)-1].Message, "SNS lists no")
			if tc.rules[0] != "R19" {
				assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code)
			}
			if tc.tier == "SOMETHING_NEW" {
				assert.Contains(t, res.Caveats[0].Message, `"SOMETHING_NEW"`, "the caveat quotes the tier read")
			}
			rep, err := r.CheckPool(context.Background(), id)
			require.NoError(t, err)
			assert.Equal(t, tc.report, rep.SMSSandbox)
		})
	}
}

// regionEUMS is an End User Messaging client that says which Region it is
// for, as *pinpointsmsvoicev2.Client does.
type regionEUMS struct {
	stubEUMS
	region string
}

func (c regionEUMS) Options() pinpointsmsvoicev2.Options {
	return pinpointsmsvoicev2.Options{Region: c.region}
}

// R67: a client for another Region than the pool's SMS Region proves
// nothing for the pool: it is not asked, and the code carries
// CaveatSMSSandboxUnknown naming both Regions; SNS, for the right Region,
// still decides as without WithEndUserMessaging.
// A pool whose SMS configuration names no SNS role sends through End User
// Messaging directly, from the Region its EumsSms names, which SDK v1.61.0
// does not read: neither client is asked, whatever its Region, and the code
// carries the caveat (R61, R67).
func TestWithEndUserMessaging_DirectPathIsNotAsked(t *testing.T) {
	for _, target := range cognitoTargets {
		for _, region := range []string{"us-west-2", "eu-west-1"} {
			t.Run(target.name+"/"+region, func(t *testing.T) {
				f := resetpwtest.NewFake()
				f.SetSMSSandbox(true)
				direct := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"},
					SmsConfiguration: &types.SmsConfigurationType{ExternalId: aws.String("eums")}})
				_, err := f.AddUser(direct, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"SANDBOX"}, region}),
					groundtruth.WithSNS(regionSNS{f.SNS(), region}))
				require.NoError(t, err)
				res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: direct, Username: "sam"})
				require.NoError(t, err, "asked, the sandboxed End User Messaging client would refuse it")
				require.Len(t, res.Caveats, 1)
				assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code)
				assert.Equal(t, "R61", res.Caveats[0].Rule)
				assert.Contains(t, res.Caveats[0].Message, "EumsSms")
				assert.Zero(t, f.Calls("GetSMSSandboxAccountStatus"))
				rep, err := r.CheckPool(context.Background(), direct)
				require.NoError(t, err)
				assert.Equal(t, "UNKNOWN", rep.SMSSandbox)
				var rules []string
				for _, c := range rep.Caveats {
					if c.Code == resetpw.CaveatSMSSandboxUnknown {
						rules = append(rules, c.Rule)
					}
				}
				assert.Equal(t, []string{"R61"}, rules, "the direct path's caveat, not a client's Region")
			})
		}
	}
}

func TestWithEndUserMessaging_ClientForAnotherRegion(t *testing.T) {
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			auto := []types.VerifiedAttributeType{"phone_number"}
			viaSNS := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: auto, SmsConfiguration: smsRole})
			_, err := f.AddUser(viaSNS, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"SANDBOX"}, "eu-west-1"}),
				groundtruth.WithSNS(regionSNS{f.SNS(), "us-west-2"}))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: viaSNS, Username: "sam"})
			require.NoError(t, err)
			assert.Empty(t, res.Caveats, "SNS, for the pool's Region, says out of the sandbox")

			r, err = resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(regionEUMS{stubEUMS{"SANDBOX"}, "eu-west-1"}))
			require.NoError(t, err)
			res, err = r.Check(context.Background(), resetpw.Request{UserPoolID: viaSNS, Username: "sam"})
			require.NoError(t, err)
			require.Len(t, res.Caveats, 1, "without SNS, nothing proves the sandbox")
			assert.Equal(t, "R67", res.Caveats[0].Rule, "the caveat names the client's Region")
			rep, err := r.CheckPool(context.Background(), viaSNS)
			require.NoError(t, err)
			assert.Equal(t, "UNKNOWN", rep.SMSSandbox)
		})
	}
}

func TestWithEndUserMessaging_Failures(t *testing.T) {
	f := resetpwtest.NewFake()
	id := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole})
	_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"))
	require.NoError(t, err)
	f.FailNext("DescribeAccountAttributes", 1, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized to perform sms-voice:DescribeAccountAttributes"})
	r, err := resetpw.New(f, groundtruth.WithEndUserMessaging(f.SNS()))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
	require.ErrorIs(t, err, resetpw.ErrAccessDenied, "the sandbox can't be proved: nothing is sent")
	assert.Zero(t, f.Calls("AdminResetUserPassword"))

	_, err = resetpw.New(f, groundtruth.WithEndUserMessaging(nil))
	assert.ErrorIs(t, err, resetpw.ErrConfig)
}

// The SDK's End User Messaging client, on the wire: WithEndUserMessaging
// reads ACCOUNT_TIER across pages and only VERIFIED destination numbers,
// through the real client's JSON protocol and its Region.
func TestWithEndUserMessaging_RealSDKClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ NextToken string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch target := r.Header.Get("X-Amz-Target"); {
		case strings.HasSuffix(target, ".DescribeAccountAttributes") && in.NextToken == "":
			_, _ = w.Write([]byte(`{"AccountAttributes":[{"Name":"DEFAULT_PROTECT_CONFIGURATION_ID","Value":"x"}],"NextToken":"p2"}`))
		case strings.HasSuffix(target, ".DescribeAccountAttributes"):
			_, _ = w.Write([]byte(`{"AccountAttributes":[{"Name":"ACCOUNT_TIER","Value":"SANDBOX"}]}`))
		case strings.HasSuffix(target, ".DescribeVerifiedDestinationNumbers"):
			_, _ = w.Write([]byte(`{"VerifiedDestinationNumbers":[` +
				`{"CreatedTimestamp":1700000000,"DestinationPhoneNumber":"+12065550100","Status":"PENDING","VerifiedDestinationNumberArn":"a","VerifiedDestinationNumberId":"1"},` +
				`{"CreatedTimestamp":1700000000,"DestinationPhoneNumber":"+12065550101","Status":"VERIFIED","VerifiedDestinationNumberArn":"b","VerifiedDestinationNumberId":"2"}]}`))
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	client := pinpointsmsvoicev2.New(pinpointsmsvoicev2.Options{Region: "us-west-2", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}})

	f := resetpwtest.NewFake()
	id := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole})
	for _, u := range []string{"pending:+12065550100", "verified:+12065550101"} {
		name, phone, _ := strings.Cut(u, ":")
		_, err := f.AddUser(id, resetpwtest.User(name, "phone_number", phone, "phone_number_verified", "true"))
		require.NoError(t, err)
	}
	r, err := resetpw.New(f, groundtruth.WithEndUserMessaging(client))
	require.NoError(t, err)
	_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: id, Username: "pending"})
	require.ErrorIs(t, err, resetpw.ErrSMSSandbox, "a PENDING number is not verified")
	_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: id, Username: "verified"})
	require.NoError(t, err)
}

// WithEndUserMessaging takes the SDK's client and the Fake's SMS side.
func TestEndUserMessagingAPI_Implementations(t *testing.T) {
	_, err := resetpw.New(resetpwtest.NewFake(), groundtruth.WithEndUserMessaging(pinpointsmsvoicev2.New(pinpointsmsvoicev2.Options{Region: "us-west-2"})))
	assert.NoError(t, err)
	_, err = resetpw.New(resetpwtest.NewFake(), groundtruth.WithEndUserMessaging(resetpwtest.NewFake().SNS()))
	assert.NoError(t, err)
	var _ groundtruth.SNSAPI = resetpwtest.NewFake().SNS()
	_ = sns.Options{}
}
