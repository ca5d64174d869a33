package resetpw

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"golang.org/x/sync/singleflight"
)

// SNSAPI is the part of *sns.Client that WithSNS uses to learn the account's
// SMS sandbox state and its origination numbers; the SDK client satisfies
// it, and so does resetpwtest.Fake's SNS().
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
// pool's SmsConfigurationFailure, which is empty whenever the pool's creator
// lacked SNS permissions (docs/cognito-rules.md, R16, R18, R19). The client
// must be for the account and Region the pool sends SMS from (the pool's
// SmsConfiguration.SnsRegion; CheckPool reports it). Answers are cached for
// the pool cache TTL and read only when a code would go by SMS through SNS.
// The SDK client's own retries apply: these calls are reads.
//
// When the sandbox calls fail, the reset fails with the error's kind
// (nothing is sent); when only ListOriginationNumbers fails, an SMS to a +1
// number carries CaveatUSOrigination.
func WithSNS(client SNSAPI) Option {
	return func(c *config) error {
		if client == nil {
			return optionErr("WithSNS", "nil SNS client")
		}
		c.sns = client
		return nil
	}
}

// smsAccount is what SNS says of the account's SMS sending.
type smsAccount struct {
	inSandbox     bool
	verified      map[string]bool // sandbox numbers whose status is Verified
	usOrigination bool            // an active, SMS-capable US number exists
	originErr     error           // why usOrigination could not be read
}

// maxSNSPages bounds the pages read from one SNS listing.
const maxSNSPages = 50

type smsCache struct {
	mu      sync.Mutex
	account *smsAccount
	expires time.Time
	group   singleflight.Group
}

// smsAccount returns SNS's view of the account, cached for the pool TTL.
func (r *Resetter) smsAccount(ctx context.Context) (*smsAccount, error) {
	c := &r.sms
	c.mu.Lock()
	if c.account != nil && r.now().Before(c.expires) {
		a := c.account
		c.mu.Unlock()
		return a, nil
	}
	c.mu.Unlock()
	return shared(ctx, &c.group, "sns", func() (*smsAccount, error) {
		a, err := readSMSAccount(ctx, r.cfg.sns)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.account, c.expires = a, r.now().Add(r.cfg.poolTTL)
		c.mu.Unlock()
		return a, nil
	})
}

func readSMSAccount(ctx context.Context, api SNSAPI) (*smsAccount, error) {
	st, err := api.GetSMSSandboxAccountStatus(ctx, &sns.GetSMSSandboxAccountStatusInput{})
	if err != nil {
		return nil, err
	}
	a := &smsAccount{inSandbox: st.IsInSandbox, verified: map[string]bool{}}
	if a.inSandbox {
		in := &sns.ListSMSSandboxPhoneNumbersInput{}
		for page := 0; page < maxSNSPages; page++ {
			out, err := api.ListSMSSandboxPhoneNumbers(ctx, in)
			if err != nil {
				return nil, err
			}
			for _, n := range out.PhoneNumbers {
				if n.Status == snstypes.SMSSandboxPhoneNumberVerificationStatusVerified {
					a.verified[stripPlusSeparators(aws.ToString(n.PhoneNumber))] = true
				}
			}
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	a.usOrigination, a.originErr = hasUSOrigination(ctx, api)
	return a, nil
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
