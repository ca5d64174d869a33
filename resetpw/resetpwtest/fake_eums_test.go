package resetpwtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// R69: SNS's list of verified sandbox numbers and End User Messaging's are
// not documented to be one. When they disagree about the user's number, a
// pool that sends through SNS with both clients given gets neither a
// refusal nor a promise: the code carries CaveatSMSSandboxUnknown (R69),
// and the Fake delivers or drops it by the list of the path the pool sends
// through. When they agree, End User Messaging's refusal stands.
func TestEndUserMessaging_ListsThatDisagreeAreACaveatNotARefusal(t *testing.T) {
	const number = "+442079460000"
	role := &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms"), ExternalId: aws.String("x")}
	targets := []struct {
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
	for _, target := range targets {
		for _, tc := range []struct {
			name      string
			sns, eums []string
			want      error
			caveat    bool
			dropped   bool
		}{
			{name: "verified in SNS only", sns: []string{number}, caveat: true},
			{name: "verified in End User Messaging only", eums: []string{number}, caveat: true, dropped: true},
			{name: "verified in both", sns: []string{number}, eums: []string{number}},
			{name: "verified in neither", want: resetpw.ErrSMSSandbox},
		} {
			t.Run(target.name+"/"+tc.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				f.SetSMSSandbox(true)
				f.SetSandboxVerifiedNumbers(tc.sns...)
				resetpwtest.SetEUMSVerifiedNumbers(f, tc.eums...)
				id := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"phone_number"}, SmsConfiguration: role})
				_, err := f.AddUser(id, resetpwtest.User("sam", "phone_number", number, "phone_number_verified", "true"))
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), groundtruth.WithSNS(f.SNS()), groundtruth.WithEndUserMessaging(f.SNS()))
				require.NoError(t, err)
				req := resetpw.Request{UserPoolID: id, Username: "sam"}
				res, err := r.Check(context.Background(), req)
				if tc.want != nil {
					require.ErrorIs(t, err, tc.want, "both lists agree: refused")
					return
				}
				require.NoError(t, err)
				var rules []string
				for _, c := range res.Caveats {
					if c.Code == resetpw.CaveatSMSSandboxUnknown {
						rules = append(rules, c.Rule)
						assert.NotContains(t, c.Message, "2079460000")
					}
				}
				if tc.caveat {
					assert.Equal(t, []string{"R69"}, rules)
				} else {
					assert.Empty(t, rules)
				}
				_, err = r.Reset(context.Background(), req)
				require.NoError(t, err)
				d := f.Deliveries()
				require.Len(t, d, 1)
				assert.Equal(t, tc.dropped, d[0].Dropped, "the Fake drops SMS through SNS by SNS's list")
			})
		}
	}
}
