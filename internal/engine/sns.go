package engine

import "context"

// SMSTruth tells what SNS says of the account's SMS sending
// (groundtruth.WithSNS): the engine asks it only when a code would go by
// SMS through SNS, and caches its answer for the pool cache TTL.
type SMSTruth interface {
	ReadSMSAccount(ctx context.Context) (*SMSAccount, error)
}

// SMSAccount is what SNS says of the account's SMS sending.
type SMSAccount struct {
	InSandbox     bool
	Verified      map[string]bool // sandbox numbers (E.164) whose status is Verified
	USOrigination bool            // an active, SMS-capable US number exists
	OriginErr     error           // why USOrigination could not be read
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

// smsAccount returns SNS's view of the account, cached for the pool TTL.
func (r *Engine) smsAccount(ctx context.Context) (*SMSAccount, error) {
	return r.smsCache.get(ctx, "sns", r.now, r.cfg.poolTTL, r.cfg.sms.ReadSMSAccount)
}
