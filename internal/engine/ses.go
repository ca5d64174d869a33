package engine

import (
	"context"
	"fmt"
	"strings"
)

// EmailTruth tells what Amazon SES says of the account's email sending
// (groundtruth.WithSES): the engine asks it only when a code would go by
// email through a DEVELOPER pool's SES, and caches its answers for the pool
// cache TTL.
type EmailTruth interface {
	// ReadEmailAccount reads the account's sending state (GetAccount).
	ReadEmailAccount(ctx context.Context) (*EmailAccount, error)
	// IdentityVerified reports whether name (an address or a domain) is an
	// identity verified for sending (GetEmailIdentity).
	IdentityVerified(ctx context.Context, name string) (bool, error)
	// Region is the Region the client is for, "" when it does not say.
	Region() string
}

// EmailAccount is what SES says of the account's email sending (R35).
type EmailAccount struct {
	Production     bool    // ProductionAccessEnabled: out of the sandbox
	SendingEnabled bool    // SendingEnabled, and EnforcementStatus not SHUTDOWN
	Max24h         float64 // SendQuota.Max24HourSend; -1 is unlimited
	Sent24h        float64 // SendQuota.SentLast24Hours
}

// quotaSpent reports whether the 24-hour sending quota is spent.
func (a *EmailAccount) quotaSpent() bool { return a.Max24h >= 0 && a.Sent24h >= a.Max24h }

// WithEmailTruth makes t the ground truth of a DEVELOPER pool's email
// (groundtruth.WithSES).
func WithEmailTruth(t EmailTruth) Option {
	return func(c *Config) error {
		if t == nil {
			return optionErr("WithSES", "nil SES client")
		}
		c.email = t
		return nil
	}
}

// sesAccount returns SES's view of the account, cached for the pool TTL.
func (r *Engine) sesAccount(ctx context.Context) (*EmailAccount, error) {
	return r.sesAccounts.get(ctx, "account", r.now, r.cfg.poolTTL, r.cfg.email.ReadEmailAccount)
}

// sesVerified reports whether SES has name as an identity verified for
// sending. Answers are cached under the name exactly as asked: SES has been
// seen to match identities case-sensitively (R34), so one case's answer
// says nothing of another's.
func (r *Engine) sesVerified(ctx context.Context, name string) (bool, error) {
	return r.sesIdentities.get(ctx, name, r.now, r.cfg.poolTTL, func(ctx context.Context) (bool, error) {
		return r.cfg.email.IdentityVerified(ctx, name)
	})
}

// sesAddressVerified reports whether an address may receive (in the
// sandbox) or send: the address itself, or its domain, is a verified
// identity (R34).
func (r *Engine) sesAddressVerified(ctx context.Context, addr string) (bool, error) {
	ok, err := r.sesVerified(ctx, addr)
	if err != nil || ok {
		return ok, err
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || at == len(addr)-1 {
		return false, nil
	}
	return r.sesVerified(ctx, addr[at+1:])
}

// sesIdentityOf returns the identity that an SES identity ARN names
// (arn:aws:ses:REGION:ACCOUNT:identity/NAME), with the ARN's account and
// Region; ok is false when arn is not of that form.
func sesIdentityOf(arn string) (name, account, region string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ses" {
		return "", "", "", false
	}
	name, found := strings.CutPrefix(parts[5], "identity/")
	if !found || name == "" {
		return "", "", "", false
	}
	return name, parts[4], parts[3], true
}

// sesWrongRegion returns a CaveatSESUnknown caveat unless the WithSES
// client says it is for the Region the pool sends from (the SourceArn's,
// or else the pool's own): SES's sandbox state, quota and identities are
// per Region (R34, R35), so the answers of a client for another Region, or
// of one that does not say, prove nothing for this pool and are not asked
// for.
func (r *Engine) sesWrongRegion(p *poolInfo) *Caveat {
	client := r.cfg.email.Region()
	want := p.sesRegion
	if want == "" {
		want = p.region
	}
	if client != "" && strings.EqualFold(client, want) {
		return nil
	}
	client = "is for " + client
	if client == "is for " {
		client = "does not say its Region"
	}
	c := caveat(CaveatSESUnknown, "R35", fmt.Sprintf(
		"the pool sends email through SES in %s, but the WithSES client %s, so its answers say nothing of %s; nothing proves the account is out of the SES sandbox there, sending is enabled and the sending identity is verified", want, client, want))
	return &c
}

// predictSES refuses an email code through SES that SES would not deliver,
// when WithSES says so (R34, R35); without WithSES, or with a client for
// another Region, it adds CaveatSESUnknown.
func (r *Engine) predictSES(ctx context.Context, p *poolInfo, pr *prediction) (*refusal, error) {
	if r.cfg.email == nil {
		pr.caveats = append(pr.caveats, sesUnknownCaveat)
		return nil, nil
	}
	if c := r.sesWrongRegion(p); c != nil {
		pr.caveats = append(pr.caveats, *c)
		return nil, nil
	}
	acct, err := r.sesAccount(ctx)
	if err != nil {
		return nil, err
	}
	if f := sesAccountRefusal(acct); f != nil {
		return f, nil
	}
	if p.sesIdentity != "" {
		ok, err := r.sesAddressVerified(ctx, p.sesIdentity)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &refusal{kind: ErrDeliveryConfig, reason: "SES says the pool's sending identity (EmailConfiguration.SourceArn) is not verified for sending"}, nil
		}
	}
	if !acct.Production {
		ok, err := r.sesAddressVerified(ctx, pr.dest)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &refusal{kind: ErrSESSandbox, reason: "SES says the account is in the SES sandbox and the recipient is not a verified identity there"}, nil
		}
	}
	return nil, nil
}

func sesAccountRefusal(a *EmailAccount) *refusal {
	switch {
	case !a.SendingEnabled:
		return &refusal{kind: ErrDeliveryConfig, reason: "SES says the account's email sending is paused (SendingEnabled false, or EnforcementStatus SHUTDOWN)"}
	case a.quotaSpent():
		return &refusal{kind: ErrDeliveryConfig, reason: fmt.Sprintf("SES says the account's 24-hour sending quota is spent (%.0f of %.0f)", a.Sent24h, a.Max24h)}
	}
	return nil
}

var sesUnknownCaveat = caveat(CaveatSESUnknown, "R34",
	"the pool sends email through its own SES; nothing proves the account is out of the SES sandbox, sending is enabled and the sending identity is verified (WithSES asks SES)")

// reportSES fills in the SES part of a report (R34, R35).
func (r *Engine) reportSES(ctx context.Context, p *poolInfo, rep *PoolReport) error {
	rep.SESRegion, rep.SESAccount = p.sesRegion, p.sesAccount
	if r.cfg.email == nil {
		rep.SESState = SESUnknown
		rep.Caveats = append(rep.Caveats, sesUnknownCaveat)
		return nil
	}
	if c := r.sesWrongRegion(p); c != nil {
		rep.SESState = SESUnknown
		rep.Caveats = append(rep.Caveats, *c)
		return nil
	}
	acct, err := r.sesAccount(ctx)
	if err != nil {
		return err
	}
	rep.SESState = SESProduction
	if !acct.Production {
		rep.SESState = SESSandbox
	}
	if sesAccountRefusal(acct) != nil {
		rep.SESState = SESPaused
	}
	if p.sesIdentity != "" {
		ok, err := r.sesAddressVerified(ctx, p.sesIdentity)
		if err != nil {
			return err
		}
		if !ok {
			rep.SESState = SESPaused
		}
	}
	return nil
}
