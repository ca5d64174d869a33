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
// whose ARN is arn needs (R14, R60): in a pool whose
// LambdaConfig.CustomMessage is arn, check judges a copy of each request's
// ClientMetadata once the pool is read (PreflightFull, PreflightPool), and
// its error refuses the request as ErrInvalidInput for
// FieldClientMetadata, Op OpValidate, with nothing sent. Such a pool's
// results carry no CaveatCustomMessage; a pool whose trigger is another
// keeps it, with a message that says WithCustomMessage does not name it.
// arn must be a Lambda ARN as Cognito's LambdaConfigType takes it, and is
// compared whole. Given again for the same arn, the later check replaces
// the earlier.
func WithCustomMessage(arn string, check MessageCheck) Option {
	return func(c *Config) error {
		if len(arn) < 20 || len(arn) > 2048 || !lambdaARNPattern().MatchString(arn) {
			return optionErr("WithCustomMessage", "%q is not the ARN of a Lambda function (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", arn)
		}
		if check == nil {
			return optionErr("WithCustomMessage", "nil check")
		}
		t, _ := c.messages.(messageChecks)
		if t == nil {
			t = messageChecks{}
			c.messages = t
		}
		t[arn] = check
		return nil
	}
}

// lambdaARNPattern is the pattern of LambdaConfigType.CustomMessage (R60),
// compiled by the one option that needs it.
func lambdaARNPattern() *regexp.Regexp {
	return regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)
}

// messageTrigger is the preflight of the custom message triggers that
// WithCustomMessage describes. It is an interface that only the option
// fills, so that a program that doesn't use the option links none of it.
type messageTrigger interface {
	// check judges md for p's trigger: nil when it passes, or when the
	// option does not describe p's trigger.
	check(p *poolInfo, md map[string]string) error
	// caveat is the caveat of p's trigger, which has one.
	caveat(p *poolInfo) (Caveat, bool)
}

// messageChecks are WithCustomMessage's checks, by the trigger's ARN.
type messageChecks map[string]MessageCheck

func (t messageChecks) check(p *poolInfo, md map[string]string) error {
	check := t[p.customMsg]
	if p.customMsg == "" || check == nil {
		return nil
	}
	if err := check(maps.Clone(md)); err != nil {
		return fmt.Errorf("the pool's custom message trigger (WithCustomMessage) would not show the message whole: %w", err)
	}
	return nil
}

func (t messageChecks) caveat(p *poolInfo) (Caveat, bool) {
	if t[p.customMsg] != nil {
		return Caveat{}, false // its needs are checked instead (R60)
	}
	return caveat(CaveatCustomMessage, "R14",
		"a custom message Lambda that WithCustomMessage does not name builds the message; it can change or break the one with the code"), true
}

// messageCaveat is the caveat of p's custom message trigger, if it has
// one that WithCustomMessage does not describe (R14).
func (r *Engine) messageCaveat(p *poolInfo) (Caveat, bool) {
	switch {
	case p.customMsg == "":
		return Caveat{}, false
	case r.cfg.messages != nil:
		return r.cfg.messages.caveat(p)
	}
	return customMessageCaveat, true
}

var customMessageCaveat = caveat(CaveatCustomMessage, "R14",
	"a custom message Lambda builds the message; it can change or break the one with the code")

// checkMessage is the preflight of a pool whose custom message trigger
// WithCustomMessage describes: it refuses a request whose ClientMetadata
// the trigger's messages would show without their parts.
func (a *Attempt) checkMessage(p *poolInfo) error {
	if t := a.r.cfg.messages; t != nil {
		if err := t.check(p, a.req.ClientMetadata); err != nil {
			return a.invalid(FieldClientMetadata, err)
		}
	}
	return nil
}
