package groundtruth

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// SNSAPI is the part of *sns.Client that WithSNS uses to learn the
// account's SMS sandbox state and its origination numbers; the SDK client
// satisfies it, and so does resetpwtest.Fake's SNS().
type SNSAPI interface {
	GetSMSSandboxAccountStatus(context.Context, *sns.GetSMSSandboxAccountStatusInput, ...func(*sns.Options)) (*sns.GetSMSSandboxAccountStatusOutput, error)
	ListSMSSandboxPhoneNumbers(context.Context, *sns.ListSMSSandboxPhoneNumbersInput, ...func(*sns.Options)) (*sns.ListSMSSandboxPhoneNumbersOutput, error)
	ListOriginationNumbers(context.Context, *sns.ListOriginationNumbersInput, ...func(*sns.Options)) (*sns.ListOriginationNumbersOutput, error)
}

var _ SNSAPI = (*sns.Client)(nil)

// WithSNS asks SNS, through client, whether the account is in the SMS
// sandbox (GetSMSSandboxAccountStatus), which numbers are verified there
// (ListSMSSandboxPhoneNumbers) and whether it has an active, SMS-capable US
// origination number (ListOriginationNumbers), instead of trusting the
// pool's SmsConfigurationFailure (R16, R18, R19). The client must be for
// the account and Region the pool sends SMS from: the pool's
// SmsConfiguration.SnsRegion (CheckPool's SNSRegion), or else the pool's
// own Region, except that a Seoul pool sends from Tokyo and a pool in
// us-east-2, ap-south-1, ca-central-1, eu-central-1 or eu-west-2, which
// Cognito may reroute, is proved by no client. A client that is for
// another Region, or that does not say which (it needs *sns.Client's
// Options, or a Region() string method, which a wrapper must forward), is not asked
// about that pool, whose SMS codes carry resetpw.CaveatSMSSandboxUnknown as
// without WithSNS; the account can't be checked. Answers are cached per
// Region for the pool cache TTL and read only when a code would go by SMS
// through SNS. The SDK client's own retries apply: these calls are reads.
//
// When the sandbox calls fail, the reset fails with the error's kind
// (nothing is sent); when only ListOriginationNumbers fails, an SMS to a +1
// number carries resetpw.CaveatUSOrigination.
func WithSNS(client SNSAPI) resetpw.Option {
	var t engine.SMSTruth
	if client != nil {
		t = snsTruth{client}
	}
	return resetpw.Option(engine.WithSMSTruth(t))
}

// WithSandboxNumbers lists the phone numbers verified in the SNS SMS
// sandbox, for a Resetter that can't ask SNS: codes to them are not refused
// as resetpw.ErrSMSSandbox. Numbers must be E.164, separators allowed.
func WithSandboxNumbers(numbers ...string) resetpw.Option {
	return resetpw.Option(engine.WithSandboxVerifiedNumbers(numbers...))
}

// maxSNSPages bounds the pages read from one SNS listing.
const maxSNSPages = 50

type snsTruth struct{ api SNSAPI }

// ReadSMSAccount reads the sandbox state, the numbers verified there and
// whether a US origination number exists.
func (t snsTruth) ReadSMSAccount(ctx context.Context) (*engine.SMSAccount, error) {
	api := t.api
	st, err := api.GetSMSSandboxAccountStatus(ctx, &sns.GetSMSSandboxAccountStatusInput{})
	if err != nil {
		return nil, err
	}
	a := &engine.SMSAccount{InSandbox: st.IsInSandbox, Verified: map[string]bool{}}
	if a.InSandbox {
		in := &sns.ListSMSSandboxPhoneNumbersInput{}
		for page := 0; page < maxSNSPages; page++ {
			out, err := api.ListSMSSandboxPhoneNumbers(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, n := range out.PhoneNumbers {
				if n.Status == snstypes.SMSSandboxPhoneNumberVerificationStatusVerified {
					a.Verified[e164(aws.ToString(n.PhoneNumber))] = true
				}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	a.USOrigination, a.OriginErr = hasUSOrigination(ctx, api)
	return a, nil
}

// Region returns the Region of a client that tells it, through a Region
// method (as resetpwtest.Fake's SNS does) or Options (as *sns.Client
// does), or "": such a client is trusted for no pool (R18).
func (t snsTruth) Region() string {
	switch c := t.api.(type) {
	case interface{ Region() string }:
		return c.Region()
	case interface{ Options() sns.Options }:
		return c.Options().Region
	}
	return ""
}

// e164 is a phone number without its separators, or p when it is none.
func e164(p string) string {
	n, err := alias.Normalize(p, alias.Phone, alias.PoolConfig{CaseSensitive: true}, alias.Options{})
	if err != nil {
		return p
	}
	return n
}

// hasUSOrigination reports whether the account has an active, SMS-capable
// US origination number (R19).
func hasUSOrigination(ctx context.Context, api SNSAPI) (bool, error) {
	in := &sns.ListOriginationNumbersInput{}
	for page := 0; page < maxSNSPages; page++ {
		out, err := api.ListOriginationNumbers(ctx, in)
		if err != nil {
			return false, err
		}
		for _, n := range out.PhoneNumbers {
			if strings.EqualFold(aws.ToString(n.Iso2CountryCode), "US") && strings.EqualFold(aws.ToString(n.Status), "ACTIVE") &&
				containsCapability(n.NumberCapabilities, snstypes.NumberCapabilitySms) {
				return true, nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return false, nil
		}
		in.NextToken = out.NextToken
	}
	return false, nil
}

func containsCapability(cs []snstypes.NumberCapability, c snstypes.NumberCapability) bool {
	for _, x := range cs {
		if strings.EqualFold(string(x), string(c)) {
			return true
		}
	}
	return false
}
