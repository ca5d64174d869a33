package engine

import (
	"fmt"
	"maps"
	"regexp"
)

// MessageCheck is what WithCustomMessage is told of a custom message
// trigger: whether a reset's ClientMetadata gives its messages what they
// show (custommessage.Handler.CheckMetadata). Its error names keys, never
// values.
type MessageCheck = func(metadata map[string]string) error

// WithCustomMessage tells the preflight what the custom message trigger
// whose ARN is arn needs (R14, R60): in a pool whose LambdaConfig.CustomMessage
// is arn, check judges each request's ClientMetadata once the pool is read,
// and a refusal is ErrInvalidInput for FieldClientMetadata with nothing
// sent. arn must be a Lambda ARN as Cognito's LambdaConfigType takes it,
// and is compared whole. Given again for the same arn, the later check
// replaces the earlier.
func WithCustomMessage(arn string, check MessageCheck) Option {
	return func(c *Config) error {
		if len(arn) < 20 || len(arn) > 2048 || !lambdaARNPattern().MatchString(arn) {
			return optionErr("WithCustomMessage", "%q is not the ARN of a Lambda function (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", arn)
		}
		if check == nil {
			return optionErr("WithCustomMessage", "nil check")
		}
		if c.messageChecks == nil {
			c.messageChecks = map[string]MessageCheck{}
		}
		c.messageChecks[arn] = check
		return nil
	}
}

// lambdaARNPattern is the pattern of LambdaConfigType.CustomMessage (R60),
// compiled by the one option that needs it.
func lambdaARNPattern() *regexp.Regexp {
	return regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)
}

// messageCheck returns the check WithCustomMessage gave for p's custom
// message trigger, or nil: the pool has none, or one the Engine was not
// told about.
func (r *Engine) messageCheck(p *poolInfo) MessageCheck {
	if p.customMsg == "" {
		return nil
	}
	return r.cfg.messageChecks[p.customMsg]
}

// messageCaveat is the caveat of p's custom message trigger: none when the
// pool has no trigger or one that WithCustomMessage describes, whose needs
// the preflight checks instead (R14, R60).
func (r *Engine) messageCaveat(p *poolInfo) (Caveat, bool) {
	switch {
	case p.customMsg == "" || r.messageCheck(p) != nil:
		return Caveat{}, false
	case len(r.cfg.messageChecks) > 0:
		return otherMessageCaveat, true
	}
	return customMessageCaveat, true
}

var (
	customMessageCaveat = caveat(CaveatCustomMessage, "R14",
		"a custom message Lambda builds the message; it can change or break the one with the code")
	otherMessageCaveat = caveat(CaveatCustomMessage, "R14",
		"a custom message Lambda that WithCustomMessage does not name builds the message; it can change or break the one with the code")
)

// checkMessage is the preflight of a pool whose custom message trigger
// WithCustomMessage describes: it refuses a request whose ClientMetadata
// the trigger's messages would show without their parts. The check gets a
// copy of the map.
func (a *Attempt) checkMessage(p *poolInfo) error {
	check := a.r.messageCheck(p)
	if check == nil {
		return nil
	}
	if err := check(maps.Clone(a.req.ClientMetadata)); err != nil {
		return a.invalid(FieldClientMetadata, fmt.Errorf("the pool's custom message trigger (WithCustomMessage) would not show the message whole: %w", err))
	}
	return nil
}
