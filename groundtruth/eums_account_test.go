package groundtruth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// eumsClient is the SDK's End User Messaging client for us-west-2 against a
// server whose DescribeAccountAttributes answers attrs (a JSON array) and
// which lists no verified destination number.
func eumsClient(t *testing.T, attrs string) *pinpointsmsvoicev2.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		switch target := r.Header.Get("X-Amz-Target"); {
		case strings.HasSuffix(target, ".DescribeAccountAttributes"):
			_, _ = w.Write([]byte(`{"AccountAttributes":` + attrs + `}`))
		case strings.HasSuffix(target, ".DescribeVerifiedDestinationNumbers"):
			_, _ = w.Write([]byte(`{"VerifiedDestinationNumbers":[]}`))
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	return pinpointsmsvoicev2.New(pinpointsmsvoicev2.Options{Region: "us-west-2", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}})
}

// R67: only the ACCOUNT_TIER values PRODUCTION and SANDBOX decide. Any other
// value, or none, leaves End User Messaging's sandbox unknown: a code to a
// number not verified there is not refused, and carries
// CaveatSMSSandboxUnknown quoting what was read, and SNS or the pool's
// field decide as without the option; SANDBOX still refuses.
func TestWithEndUserMessaging_UnrecognisedTierIsACaveatNotARefusal(t *testing.T) {
	for _, target := range cognitoTargets {
		for _, tc := range []struct {
			name, attrs, quoted string
			refused             bool
		}{
			{name: "tier unknown", attrs: `[{"Name":"ACCOUNT_TIER","Value":"PRODUCTION_PENDING"}]`, quoted: `"PRODUCTION_PENDING"`},
			{name: "no tier", attrs: `[]`, quoted: "no ACCOUNT_TIER"},
			{name: "tier in another spelling", attrs: `[{"Name":"ACCOUNT_TIER","Value":"Trial"}]`, quoted: `"Trial"`},
			{name: "sandbox", attrs: `[{"Name":"ACCOUNT_TIER","Value":"SANDBOX"}]`, refused: true},
		} {
			t.Run(target.name+"/"+tc.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				id := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: smsRole})
				_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(eumsClient(t, tc.attrs)))
				require.NoError(t, err)
				req := resetpw.Request{UserPoolID: id, Username: "sam"}
				res, err := r.Check(context.Background(), req)
				if tc.refused {
					require.ErrorIs(t, err, resetpw.ErrSMSSandbox)
					assert.Contains(t, err.Error(), "ACCOUNT_TIER SANDBOX", "the refusal names the tier read")
					return
				}
				require.NoError(t, err, "a tier not recognised refuses nothing")
				require.NotEmpty(t, res.Caveats)
				assert.Equal(t, resetpw.CaveatSMSSandboxUnknown, res.Caveats[0].Code)
				assert.Equal(t, "R67", res.Caveats[0].Rule)
				assert.Contains(t, res.Caveats[0].Message, tc.quoted)
				rep, err := r.CheckPool(context.Background(), id)
				require.NoError(t, err)
				assert.Equal(t, "UNKNOWN", rep.SMSSandbox)
				_, err = r.Reset(context.Background(), req)
				require.NoError(t, err)
				assert.Equal(t, 1, f.Calls("AdminResetUserPassword"))
			})
		}
	}
}

// R67: an account-default protect configuration applies to Cognito's SMS
// too, and its country rules are not read: every SMS code, and CheckPool,
// carry the caveat sms_protect_configuration naming it; an email code does
// not.
func TestWithEndUserMessaging_DefaultProtectConfigurationIsACaveat(t *testing.T) {
	const protect = resetpw.CaveatCode("sms_protect_configuration")
	attrs := `[{"Name":"ACCOUNT_TIER","Value":"PRODUCTION"},{"Name":"DEFAULT_PROTECT_CONFIGURATION_ID","Value":"protect-0123"}]`
	for _, target := range cognitoTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			id := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number", "email"}, SmsConfiguration: smsRole})
			_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", "+442079460000", "phone_number_verified", "true"))
			require.NoError(t, err)
			_, err = f.AddUser(id, resetpwtest.User("kim", "email", "kim@example.com", "email_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(target.api(t, f), groundtruth.WithEndUserMessaging(eumsClient(t, attrs)))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: id, Username: "sam"})
			require.NoError(t, err, "a protect configuration is a caveat, not a refusal")
			require.Len(t, res.Caveats, 1)
			assert.Equal(t, protect, res.Caveats[0].Code)
			assert.Equal(t, "R67", res.Caveats[0].Rule)
			assert.Contains(t, res.Caveats[0].Message, "protect-0123")
			res, err = r.Check(context.Background(), resetpw.Request{UserPoolID: id, Username: "kim"})
			require.NoError(t, err)
			for _, c := range res.Caveats {
				assert.NotEqual(t, protect, c.Code, "email does not go through End User Messaging")
			}
			rep, err := r.CheckPool(context.Background(), id)
			require.NoError(t, err)
			var codes []resetpw.CaveatCode
			for _, c := range rep.Caveats {
				codes = append(codes, c.Code)
			}
			assert.Contains(t, codes, protect)
			assert.Equal(t, "OUT_OF_SANDBOX", rep.SMSSandbox)
		})
	}
}
