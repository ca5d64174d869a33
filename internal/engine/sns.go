package engine

import (
	"context"
	"fmt"
	"strings"
)

// SMSTruth tells what SNS says of the account's SMS sending
// (groundtruth.WithSNS): the engine asks it only when a code would go by
// SMS through SNS, and caches its answer for the pool cache TTL.
type SMSTruth interface {
	ReadSMSAccount(ctx context.Context) (*SMSAccount, error)
	// Region is the Region the client is for, "" when it does not say.
	Region() string
}

// SMSAccount is what SNS says of the account's SMS sending.
type SMSAccount struct {
	InSandbox     bool
	Verified      map[string]bool // sandbox numbers (E.164) whose status is Verified
	USOrigination bool            // an active, SMS-capable US number exists
	OriginErr     error           // why USOrigination could not be read
	// End User Messaging's only (R67): its ACCOUNT_TIER, for a refusal's
	// text; Undecided when the tier is not recognised, so that its sandbox
	// decides nothing; and the caveats its answer gives every SMS code.
	Tier      string
	Undecided bool
	Notes     []Caveat
}

// WithSMSTruth makes t the ground truth of the SMS sandbox and US
// origination numbers (groundtruth.WithSNS).
func WithSMSTruth(t SMSTruth) Option {
	return func(c *Config) error {
		if t == nil {
			return optionErr("WithSNS", "nil SNS client")
		}
		c.sms = t
		return nil
	}
}

// smsAccount returns SNS's view of the account in the pool's SMS Region,
// cached per Region for the pool TTL. Call it only when snsWrongRegion
// finds nothing.
func (r *Engine) smsAccount(ctx context.Context, p *poolInfo) (*SMSAccount, error) {
	return r.smsCache.get(ctx, "sns:"+p.smsRegion(), r.now, r.cfg.poolTTL, r.cfg.sms.ReadSMSAccount)
}

// legacySMSRegions maps the Regions whose SMS Cognito reroutes through SNS
// in another Region to that Region (R18).
var legacySMSRegions = map[string]string{"us-east-2": "us-east-1", "ap-south-1": "ap-southeast-1",
	"ap-northeast-2": "ap-northeast-1", "ca-central-1": "us-east-1", "eu-central-1": "eu-west-1", "eu-west-2": "eu-west-1"}

// smsRegion is the Region whose SNS sends the pool's SMS (R18): its
// SmsConfiguration.SnsRegion; else Tokyo for a Seoul pool, which must use
// it; else "" (not known) for a pool in another rerouted Region, which may
// send from its own Region or the rerouted one; else the pool's own.
func (p *poolInfo) smsRegion() string {
	alt := legacySMSRegions[p.region]
	switch {
	case p.snsRegion != "":
		return p.snsRegion
	case p.region == "ap-northeast-2":
		return alt
	case alt != "":
		return ""
	}
	return p.region
}

// snsWrongRegion returns a CaveatSMSSandboxUnknown caveat unless the
// WithSNS client says it is for the Region the pool sends SMS from: SNS's
// sandbox state, its verified numbers and its origination numbers are per
// account and Region (R18), so a client for another Region, or one that
// does not say, proves nothing for this pool and is not asked.
func (r *Engine) snsWrongRegion(p *poolInfo) *Caveat {
	return wrongSMSRegion(p, r.cfg.sms.Region(), "SNS", "WithSNS", "R18")
}

// wrongSMSRegion is snsWrongRegion for any SMS ground truth: client is the
// Region its client says it is for, via names the service, option the
// option that gave it.
func wrongSMSRegion(p *poolInfo, client, via, option, rule string) *Caveat {
	want := p.smsRegion()
	var msg string
	switch {
	case client == "":
		msg = fmt.Sprintf("the %s client does not say which Region it is for (no Region or Options method), so it proves nothing for the pool's SMS Region", option)
	case want == "" && legacySMSRegions[p.region] != "":
		msg = fmt.Sprintf("the pool in %s names no SnsRegion, and Cognito may send its SMS through %s in %s or in %s, where it reroutes that Region's SMS; the %s client for %s proves neither", p.region, via, p.region, legacySMSRegions[p.region], option, client)
	case want == "":
		msg = fmt.Sprintf("the pool's Region is not known, so nor is the Region it sends SMS from; the %s client is for %s", option, client)
	case strings.EqualFold(client, want):
		return nil
	default:
		msg = fmt.Sprintf("the pool sends SMS through %s in %s, but the %s client is for %s, whose answers say nothing of %s; nothing proves the account is out of the SMS sandbox there", via, want, option, client, want)
	}
	c := caveat(CaveatSMSSandboxUnknown, rule, msg)
	return &c
}
