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

// eumsState returns End User Messaging's view for a pool that sends
// through SNS when it can decide the sandbox, or else the caveat that
// stands in for it (a client for another Region), or neither without
// WithEndUserMessaging. The caveats its answer gives every SMS code (a
// tier not recognised, which leaves the sandbox to SNS; the account's
// default protect configuration) are appended to notes.
func (r *Engine) eumsState(ctx context.Context, p *poolInfo, notes *[]Caveat) (*SMSAccount, *Caveat, error) {
	if r.cfg.eums == nil {
		return nil, nil, nil
	}
	if c := r.eumsWrongRegion(p); c != nil {
		return nil, c, nil
	}
	acct, err := r.eumsAccount(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	*notes = append(*notes, acct.Notes...)
	if acct.Undecided {
		return nil, nil, nil
	}
	return acct, nil, nil
}

// predictEUMS refuses an SMS code that End User Messaging's sandbox would
// drop, from its own answer: the ground truth of the sandbox whether
// Cognito sends through SNS, which hands SMS on to it, or through it
// directly (R67). When SNS is asked too, for a pool that sends through it,
// and the two disagree about whether the number can receive SMS (their
// lists of verified numbers are not documented to be one, R69), the code
// is neither refused nor promised: it carries CaveatSMSSandboxUnknown. A
// +1 number keeps the origination caveat unless SNS, asked for its Region,
// lists a US number (R19).
func (r *Engine) predictEUMS(ctx context.Context, p *poolInfo, pr *prediction, acct *SMSAccount, number string) (*refusal, error) {
	var sns *SMSAccount
	if p.smsRole && r.cfg.sms != nil && r.snsWrongRegion(p) == nil {
		var err error
		if sns, err = r.smsAccount(ctx, p); err != nil {
			return nil, err
		}
	}
	drops := acct.InSandbox && !acct.Verified[number]
	switch {
	case sns != nil && drops != (sns.InSandbox && !sns.Verified[number]):
		pr.caveats = append(pr.caveats, eumsDisagreeCaveat)
	case drops:
		return &refusal{kind: ErrSMSSandbox, reason: "End User Messaging says the account is in the SMS sandbox (ACCOUNT_TIER " +
			acct.Tier + ") and the number is not a verified destination number there"}, nil
	}
	if strings.HasPrefix(number, "+1") && (sns == nil || !sns.USOrigination) {
		pr.caveats = append(pr.caveats, usOriginationCaveat(sns))
	}
	return nil, nil
}

// eumsDisagreeCaveat qualifies an SMS code that SNS and End User Messaging
// judge differently: one would deliver it, the other drop it (R69).
var eumsDisagreeCaveat = caveat(CaveatSMSSandboxUnknown, "R69",
	"SNS and End User Messaging disagree about the number in the SMS sandbox; which list Cognito goes by is not documented")
