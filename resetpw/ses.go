package resetpw

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"golang.org/x/sync/singleflight"
)

// SESAPI is the part of *sesv2.Client that WithSES uses to learn the
// account's email sending state and which identities are verified; the SDK
// client satisfies it, and so does resetpwtest.Fake's SES().
type SESAPI interface {
	GetAccount(context.Context, *sesv2.GetAccountInput, ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error)
	GetEmailIdentity(context.Context, *sesv2.GetEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)
}

var _ SESAPI = (*sesv2.Client)(nil)

// WithSES asks Amazon SES, through client, about the email of pools whose
// EmailSendingAccount is DEVELOPER (docs/cognito-rules.md, R34, R35):
// whether the account is in the SES sandbox, whether its sending is enabled
// and how much of its 24-hour quota is left (GetAccount), whether the pool's
// sending identity (the identity of EmailConfiguration.SourceArn) is
// verified, and, in the sandbox, whether the recipient's address or domain
// is (GetEmailIdentity). The client must be for the account and Region of
// the SourceArn (CheckPool reports them as SESAccount and SESRegion): a
// client that says it is for another Region (as *sesv2.Client does) is not
// asked about that pool, whose codes carry CaveatSESUnknown as without
// WithSES; the account can't be checked, and a client for another account
// answers about that account's SES.
// Answers are cached for the pool cache TTL and read only when a code would
// go by email through SES. The SDK client's own retries apply: these calls
// are reads.
//
// Then a reset is refused before anything is sent: as ErrSESSandbox when the
// account is in the sandbox and the recipient is not verified there, as
// ErrDeliveryConfig when sending is paused, the sending identity is not
// verified, or the 24-hour quota is spent. When an SES read fails, the
// reset fails with the error's kind and nothing is sent. Without WithSES,
// such a code carries CaveatSESUnknown.
func WithSES(client SESAPI) Option {
	return func(c *config) error {
		if client == nil {
			return optionErr("WithSES", "nil SES client")
		}
		c.ses = client
		return nil
	}
}

// sesAccount is what SES says of the account's email sending (R35).
type sesAccount struct {
	production     bool    // ProductionAccessEnabled: out of the sandbox
	sendingEnabled bool    // SendingEnabled, and EnforcementStatus not SHUTDOWN
	max24h         float64 // SendQuota.Max24HourSend; -1 is unlimited
	sent24h        float64 // SendQuota.SentLast24Hours
}

// quotaSpent reports whether the 24-hour sending quota is spent.
func (a *sesAccount) quotaSpent() bool { return a.max24h >= 0 && a.sent24h >= a.max24h }

type sesEntry[T any] struct {
	val     T
	expires time.Time
}

// sesCache keeps SES's answers for the pool TTL and reads each once at a
// time, however many resets ask.
type sesCache struct {
	mu         sync.Mutex
	account    *sesEntry[*sesAccount]
	identities map[string]sesEntry[bool] // identity name, exactly as asked → verified for sending
	group      singleflight.Group
}

// sesAccount returns SES's view of the account, cached for the pool TTL.
func (r *Resetter) sesAccount(ctx context.Context) (*sesAccount, error) {
	c := &r.ses
	c.mu.Lock()
	if e := c.account; e != nil && r.now().Before(e.expires) {
		c.mu.Unlock()
		return e.val, nil
	}
	c.mu.Unlock()
	return shared(ctx, &c.group, "account", func() (*sesAccount, error) {
		out, err := r.cfg.ses.GetAccount(ctx, &sesv2.GetAccountInput{})
		if err != nil {
			return nil, err
		}
		// SHUTDOWN: "Your account's ability to send email is currently
		// paused" (GetAccountOutput.EnforcementStatus), whatever
		// SendingEnabled says.
		enabled := out.SendingEnabled && !strings.EqualFold(aws.ToString(out.EnforcementStatus), "SHUTDOWN")
		a := &sesAccount{production: out.ProductionAccessEnabled, sendingEnabled: enabled, max24h: -1}
		if q := out.SendQuota; q != nil {
			a.max24h, a.sent24h = q.Max24HourSend, q.SentLast24Hours
		}
		c.mu.Lock()
		c.account = &sesEntry[*sesAccount]{a, r.now().Add(r.cfg.poolTTL)}
		c.mu.Unlock()
		return a, nil
	})
}

// sesVerified reports whether SES has name (an email address or a domain)
// as an identity verified for sending (GetEmailIdentity's
// VerifiedForSendingStatus; NotFoundException: not an identity). Answers
// are cached under the name exactly as asked: SES has been seen to match
// identities case-sensitively (R34), so one case's answer says nothing of
// another's.
func (r *Resetter) sesVerified(ctx context.Context, name string) (bool, error) {
	key := name
	c := &r.ses
	c.mu.Lock()
	if e, ok := c.identities[key]; ok && r.now().Before(e.expires) {
		c.mu.Unlock()
		return e.val, nil
	}
	c.mu.Unlock()
	return shared(ctx, &c.group, "identity:"+key, func() (bool, error) {
		out, err := r.cfg.ses.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(name)})
		var nf *sestypes.NotFoundException
		verified := false
		switch {
		case errors.As(err, &nf):
		case err != nil:
			return false, err
		default:
			verified = out.VerifiedForSendingStatus
		}
		c.mu.Lock()
		if c.identities == nil {
			c.identities = map[string]sesEntry[bool]{}
		}
		c.identities[key] = sesEntry[bool]{verified, r.now().Add(r.cfg.poolTTL)}
		c.mu.Unlock()
		return verified, nil
	})
}

// sesAddressVerified reports whether an address may receive (in the
// sandbox) or send: the address itself, or its domain, is a verified
// identity (R34).
func (r *Resetter) sesAddressVerified(ctx context.Context, addr string) (bool, error) {
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

// sesClientRegion returns the Region of an SES client that tells it (as
// *sesv2.Client does, through Options), or "" when it doesn't.
func sesClientRegion(c SESAPI) string {
	if o, ok := c.(interface{ Options() sesv2.Options }); ok {
		return o.Options().Region
	}
	return ""
}

// sesWrongRegion returns a CaveatSESUnknown caveat when the WithSES client
// says it is for another Region than the one the pool sends from (the
// SourceArn's, or else the pool's own): SES's sandbox state, quota and
// identities are per Region (R34, R35), so that client's answers prove
// nothing for this pool and are not asked for.
func (r *Resetter) sesWrongRegion(p *poolInfo) *Caveat {
	client := sesClientRegion(r.cfg.ses)
	want := p.sesRegion
	if want == "" {
		want = p.region
	}
	if client == "" || want == "" || strings.EqualFold(client, want) {
		return nil
	}
	c := caveat(CaveatSESUnknown, "R35", fmt.Sprintf(
		"the pool sends email through SES in %s, but the WithSES client is for %s, whose answers say nothing of %s; nothing proves the account is out of the SES sandbox there, sending is enabled and the sending identity is verified", want, client, want))
	return &c
}

// predictSES refuses an email code through SES that SES would not deliver,
// when WithSES says so (R34, R35); without WithSES, or with a client for
// another Region, it adds CaveatSESUnknown.
func (r *Resetter) predictSES(ctx context.Context, p *poolInfo, pr *prediction) (*refusal, error) {
	if r.cfg.ses == nil {
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
			return &refusal{ErrDeliveryConfig, "SES says the pool's sending identity (EmailConfiguration.SourceArn) is not verified for sending"}, nil
		}
	}
	if !acct.production {
		ok, err := r.sesAddressVerified(ctx, pr.dest)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &refusal{ErrSESSandbox, "SES says the account is in the SES sandbox and the recipient is not a verified identity there"}, nil
		}
	}
	return nil, nil
}

func sesAccountRefusal(a *sesAccount) *refusal {
	switch {
	case !a.sendingEnabled:
		return &refusal{ErrDeliveryConfig, "SES says the account's email sending is paused (SendingEnabled false, or EnforcementStatus SHUTDOWN)"}
	case a.quotaSpent():
		return &refusal{ErrDeliveryConfig, fmt.Sprintf("SES says the account's 24-hour sending quota is spent (%.0f of %.0f)", a.sent24h, a.max24h)}
	}
	return nil
}

var sesUnknownCaveat = caveat(CaveatSESUnknown, "R34",
	"the pool sends email through its own SES; nothing proves the account is out of the SES sandbox, sending is enabled and the sending identity is verified (WithSES asks SES)")

// reportSES fills in the SES part of a report (R34, R35).
func (r *Resetter) reportSES(ctx context.Context, p *poolInfo, rep *PoolReport) error {
	rep.SESRegion, rep.SESAccount = p.sesRegion, p.sesAccount
	if r.cfg.ses == nil {
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
	if !acct.production {
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
