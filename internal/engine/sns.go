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
	EUMS          *EUMSAccount    // End User Messaging's own answers; nil from SNS
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

// smsRegion is the Region whose SNS sends the pool's SMS: its
// SmsConfiguration.SnsRegion, or else the pool's own (R18).
func (p *poolInfo) smsRegion() string {
	if p.snsRegion != "" {
		return p.snsRegion
	}
	return p.region
}

// snsWrongRegion returns a CaveatSMSSandboxUnknown caveat when the WithSNS
// client says it is for another Region than the one the pool sends SMS
// from: SNS's sandbox state, its verified numbers and its origination
// numbers are per account and Region (R18), so that client's answers prove
// nothing for this pool and are not asked for.
func (r *Engine) snsWrongRegion(p *poolInfo) *Caveat {
	client, want := r.cfg.sms.Region(), p.smsRegion()
	if client == "" || want == "" || strings.EqualFold(client, want) {
		return nil
	}
	c := caveat(CaveatSMSSandboxUnknown, "R18", fmt.Sprintf(
		"the pool sends SMS through SNS in %s, but the WithSNS client is for %s, whose answers say nothing of %s; nothing proves the account is out of the SMS sandbox there", want, client, want))
	return &c
}
