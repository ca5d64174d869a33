package engine

import (
	"context"
	"strings"
)

// WithEUMSTruth makes t, which reads AWS End User Messaging SMS, the ground
// truth of the SMS sandbox and its verified destination numbers
// (groundtruth.WithEndUserMessaging, R67). Its SMSAccount's USOrigination
// is not read: origination numbers stay SNS's (R19).
func WithEUMSTruth(t SMSTruth) Option {
	return func(c *Config) error {
		if t == nil {
			return optionErr("WithEndUserMessaging", "nil End User Messaging client")
		}
		c.eums = t
		return nil
	}
}

// eumsAccount returns End User Messaging's view of the account in the
// pool's SMS Region, cached per Region for the pool TTL. Call it only when
// eumsWrongRegion finds nothing.
func (r *Engine) eumsAccount(ctx context.Context, p *poolInfo) (*SMSAccount, error) {
	return r.smsCache.get(ctx, "eums:"+p.smsRegion(), r.now, r.cfg.poolTTL, r.cfg.eums.ReadSMSAccount)
}

// eumsWrongRegion returns a CaveatSMSSandboxUnknown caveat unless the
// WithEndUserMessaging client says it is for the Region the pool sends SMS
// from, as snsWrongRegion: the account tier and the verified destination
// numbers are per Region (R67).
func (r *Engine) eumsWrongRegion(p *poolInfo) *Caveat {
	return wrongSMSRegion(p, r.cfg.eums.Region(), "AWS End User Messaging SMS", "WithEndUserMessaging", "R67")
}

// eumsState returns End User Messaging's view for the pool, or a caveat
// when there is no client for its Region, or neither without
// WithEndUserMessaging.
func (r *Engine) eumsState(ctx context.Context, p *poolInfo) (*SMSAccount, *Caveat, error) {
	if r.cfg.eums == nil {
		return nil, nil, nil
	}
	if c := r.eumsWrongRegion(p); c != nil {
		return nil, c, nil
	}
	acct, err := r.eumsAccount(ctx, p)
	return acct, nil, err
}

// predictEUMS refuses an SMS code that End User Messaging's sandbox would
// drop, from its own answer: the ground truth whether Cognito sends through
// SNS, which hands SMS on to it, or through it directly (R67). A +1 number
// keeps the origination caveat unless SNS, asked for its Region, lists a
// US number (R19).
func (r *Engine) predictEUMS(ctx context.Context, p *poolInfo, pr *prediction, acct *SMSAccount, number string) (*refusal, error) {
	if acct.InSandbox && !acct.Verified[number] {
		return &refusal{kind: ErrSMSSandbox, reason: "End User Messaging says the account is in the SMS sandbox and the number is not a verified destination number there"}, nil
	}
	if !strings.HasPrefix(number, "+1") {
		return nil, nil
	}
	if !p.smsRole || r.cfg.sms == nil || r.snsWrongRegion(p) != nil {
		pr.caveats = append(pr.caveats, usOriginationCaveat(nil))
		return nil, nil
	}
	sns, err := r.smsAccount(ctx, p)
	if err != nil {
		return nil, err
	}
	if !sns.USOrigination {
		pr.caveats = append(pr.caveats, usOriginationCaveat(sns))
	}
	return nil, nil
}
