package groundtruth

import (
	"context"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	eumstypes "github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// WithEndUserMessaging asks AWS End User Messaging SMS, through client (a
// *pinpointsmsvoicev2.Client, or any value with its DescribeAccountAttributes
// and DescribeVerifiedDestinationNumbers), whether the account is in the
// SMS sandbox (the ACCOUNT_TIER attribute) and, in the sandbox, which
// destination numbers are verified there. Since November 2024 SNS hands
// Cognito's SMS on to End User Messaging, and a pool may send through it
// directly; its sandbox is the one that applies, so with this option its
// ACCOUNT_TIER, when PRODUCTION or SANDBOX, decides the sandbox for every
// pool that sends SMS through SNS, whatever the pool's
// SmsConfigurationFailure says (R67). Any other tier, or none, decides
// nothing, and the code carries resetpw.CaveatSMSSandboxUnknown; so does a
// code that WithSNS judges otherwise, its list of verified numbers being
// SNS's own (R69). An account-default protect configuration, which also
// filters Cognito's SMS, adds the caveat "sms_protect_configuration". A pool that sends through it directly (no SNS role) sends from the
// Region its EumsSms names, which the SDK does not read: it is not asked
// for those, whose SMS codes carry resetpw.CaveatSMSSandboxUnknown (R61).
// SNS, when given, still says whether a US origination number exists (R19).
//
// The client must be for the pool's SMS Region, as for WithSNS: a client
// that is for another Region, or that does not say which (it needs
// *pinpointsmsvoicev2.Client's Options, or a Region() string method), is not asked
// about that pool, whose SMS codes carry resetpw.CaveatSMSSandboxUnknown.
// Answers are cached per Region for the pool cache TTL and read only when a
// code would go by SMS. A failed read fails the reset with the error's
// kind, and nothing is sent.
func WithEndUserMessaging(client endUserMessagingAPI) resetpw.Option {
	var t engine.SMSTruth
	if client != nil {
		t = eumsTruth{client}
	}
	return resetpw.Option(engine.WithEUMSTruth(t))
}

type eumsTruth struct{ api endUserMessagingAPI }

// ReadSMSAccount reads the account tier, the account's default protect
// configuration and, in the sandbox, the verified destination numbers.
// Only the tiers PRODUCTION (out of the sandbox) and SANDBOX (in it) are
// recognised; a tier that is missing or unknown leaves the sandbox unknown
// (R67), and the numbers are not read.
func (t eumsTruth) ReadSMSAccount(ctx context.Context) (*engine.SMSAccount, error) {
	a := &engine.SMSAccount{Verified: map[string]bool{}}
	in := &pinpointsmsvoicev2.DescribeAccountAttributesInput{}
	for page := 0; page < maxSNSPages; page++ {
		out, err := t.api.DescribeAccountAttributes(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, attr := range out.AccountAttributes {
			switch attr.Name {
			case eumstypes.AccountAttributeNameAccountTier:
				a.Tier = aws.ToString(attr.Value)
			case eumstypes.AccountAttributeNameDefaultProtectConfigurationId:
				a.Notes = append(a.Notes, engine.Caveat{Code: engine.CaveatSMSProtect, Rule: "R67", Message: "End User Messaging's account-default protect configuration " +
					strconv.Quote(aws.ToString(attr.Value)) + " also filters Cognito's SMS by destination country; its country rules were not read"})
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	switch {
	case strings.EqualFold(a.Tier, "PRODUCTION"):
		return a, nil
	case strings.EqualFold(a.Tier, "SANDBOX"): // assumed: no source lists the values (R67)
		a.InSandbox = true
	default:
		tier := "no ACCOUNT_TIER"
		if a.Tier != "" {
			tier = "the ACCOUNT_TIER " + strconv.Quote(a.Tier)
		}
		a.Undecided = true
		a.Notes = append(a.Notes, engine.Caveat{Code: engine.CaveatSMSSandboxUnknown, Rule: "R67", Message: "End User Messaging gave " + tier +
			", neither PRODUCTION nor SANDBOX: whether the account is in its SMS sandbox is unknown"})
		return a, nil
	}
	vin := &pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersInput{}
	for page := 0; page < maxSNSPages; page++ {
		out, err := t.api.DescribeVerifiedDestinationNumbers(ctx, vin)
		if err != nil {
			return nil, err
		}
		for _, n := range out.VerifiedDestinationNumbers {
			if n.Status == eumstypes.VerificationStatusVerified {
				a.Verified[e164(aws.ToString(n.DestinationPhoneNumber))] = true
			}
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		vin.NextToken = out.NextToken
	}
	return a, nil
}

// Region returns the Region of a client that tells it, through a Region
// method (as resetpwtest.Fake's SNS does) or Options (as
// *pinpointsmsvoicev2.Client does), or "": such a client is trusted for no
// pool (R67).
func (t eumsTruth) Region() string {
	switch c := t.api.(type) {
	case interface{ Region() string }:
		return c.Region()
	case interface {
		Options() pinpointsmsvoicev2.Options
	}:
		return c.Options().Region
	}
	return ""
}
