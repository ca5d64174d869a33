package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/cognitoreset/cognitoreset/quota"
)

// The daily cap of Cognito's built-in email (docs/cognito-rules.md, R20,
// R36, R37): at most DefaultDailyEmailLimit emails a day for an AWS account
// and Region, across all its pools. The Resetter counts the codes it sends
// that way over a rolling 24 hours, per account and Region, in an
// EmailCounter, and refuses a code past the cap before sending it.

// unknownAccount stands for the account of a pool whose ARN Cognito did not
// give: all such pools share one cap, which counts more, never fewer (R37).
const unknownAccount = "unknown"

// poolAccountOf returns the AWS account and Region of a pool, from its ARN
// (arn:PARTITION:cognito-idp:REGION:ACCOUNT:userpool/ID), or, without one,
// unknownAccount and the Region that prefixes the pool ID (R37).
func poolAccountOf(arn, id string) (account, region string) {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[0] == "arn" && parts[2] == "cognito-idp" && parts[4] != "" {
		return parts[4], parts[3]
	}
	region, _, _ = strings.Cut(id, "_")
	return unknownAccount, region
}

// emailCapError is the cause of a refusal past the daily email cap; it
// matches ErrEmailCap.
type emailCapError struct {
	limit, sent     int
	account, region string
	planned         bool
}

func (e *emailCapError) Error() string {
	what := "sent"
	if e.planned {
		what = "sent or planned"
	}
	return fmt.Sprintf("%s: %d of %d emails %s in the last 24 hours for account %s in %s", ErrEmailCap, e.sent, e.limit, what, e.account, e.region)
}

func (e *emailCapError) Is(target error) bool { return target == ErrEmailCap }

// emailTaken is an email an attempt counted, to return if nothing is sent.
type emailTaken struct {
	counter                quota.EmailCounter
	account, region, token string
	limit                  int // the cap it was counted against
}

// EmailTally counts a plan's emails per account and Region, on top of those
// the counter already has (read once per key).
type EmailTally struct {
	mu      sync.Mutex
	counter quota.EmailCounter
	base    map[string]int // EmailsSent at the first code of the key
	planned map[string]int
}

func NewEmailTally(c quota.EmailCounter) *EmailTally {
	return &EmailTally{counter: c, base: map[string]int{}, planned: map[string]int{}}
}

// CapEmail applies the daily email cap to an attempt whose code may go by
// Cognito's built-in email (byDefaultEmail): sending, it counts the email
// in c or refuses with an *emailCapError; not sending, it refuses when the
// emails counted, plus those tally planned before, reach limit. A limit
// below 0 is no cap. Other errors are the counter's.
func (a *Attempt) CapEmail(ctx context.Context, c quota.EmailCounter, limit int, res *Result, send bool, tally *EmailTally) error {
	if limit < 0 || a.email != nil || !byDefaultEmail(a.pool, res) {
		return nil
	}
	account, region := a.pool.account, a.pool.region
	now := a.r.now()
	if send {
		token, ok, err := c.TakeEmail(ctx, account, region, limit, now)
		if err != nil {
			return err
		}
		if !ok {
			n, _ := c.EmailsSent(ctx, account, region, now)
			return &emailCapError{limit: limit, sent: n, account: account, region: region}
		}
		a.email = &emailTaken{c, account, region, token, limit}
		return nil
	}
	if tally == nil {
		n, err := c.EmailsSent(ctx, account, region, now)
		if err != nil {
			return err
		}
		if n >= limit {
			return &emailCapError{limit: limit, sent: n, account: account, region: region}
		}
		return nil
	}
	key := emailKey(account, region)
	tally.mu.Lock()
	base, known := tally.base[key]
	tally.mu.Unlock()
	if !known {
		n, err := tally.counter.EmailsSent(ctx, account, region, now)
		if err != nil {
			return err
		}
		tally.mu.Lock()
		if b, ok := tally.base[key]; ok {
			n = b
		}
		tally.base[key], base = n, n
		tally.mu.Unlock()
	}
	tally.mu.Lock()
	defer tally.mu.Unlock()
	if base+tally.planned[key] >= limit {
		return &emailCapError{limit: limit, sent: base + tally.planned[key], account: account, region: region, planned: true}
	}
	tally.planned[key]++
	return nil
}

// returnEmail uncounts the attempt's email after a reset that sent nothing.
// It uses a context of its own: the attempt's may be what ended it.
func (a *Attempt) returnEmail() {
	if a.email == nil {
		return
	}
	e := a.email
	a.email = nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(context.Background()), 2*time.Second)
	defer cancel()
	_ = e.counter.ReturnEmail(ctx, e.account, e.region, e.token)
}

// isDailyEmailLimit reports whether err is Cognito's answer past the daily
// email cap: a LimitExceededException that the classifier reads as the
// account's quota (ErrDeliveryConfig) in any of its observed wordings
// (R20), not the user's attempt limit.
func isDailyEmailLimit(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "LimitExceededException" {
		return false
	}
	k, ok := classifyAPI(ae.ErrorCode(), ae.ErrorMessage())
	return ok && k == ErrDeliveryConfig
}

// fillEmailCap keeps the attempt's email counted and counts more, up to the
// cap, after Cognito answered that the account's daily email limit is
// reached (R20): emails the library does not see (sign-up codes, the
// application's own ForgotPassword) spent it, and the count now says so, so
// that the next codes of the account are refused before anything is sent
// instead of each being sent to be refused (R36). The emails are counted
// at now, so they free up no earlier than Cognito's own would.
func (a *Attempt) fillEmailCap() {
	e := a.email
	if e == nil {
		return
	}
	a.email = nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(context.Background()), 2*time.Second)
	defer cancel()
	now := a.r.now()
	for i := 0; i < e.limit && ctx.Err() == nil; i++ {
		if _, ok, err := e.counter.TakeEmail(ctx, e.account, e.region, e.limit, now); err != nil || !ok {
			return
		}
	}
}

// emailCapFailure is the *Error of a single Reset or Check that capEmail
// stopped: past the cap, a refusal of kind ErrDeliveryConfig (the account's
// quota, as Cognito's own answer past it is; R20); a counter that failed,
// ErrUnavailable. Nothing was sent either way.
func (a *Attempt) emailCapFailure(err error) *Error {
	if capped, ok := err.(*emailCapError); ok {
		return a.Fail(OpPreflight, ErrDeliveryConfig, &refusal{ErrDeliveryConfig, capped.Error()})
	}
	return a.Fail(OpPreflight, ErrUnavailable, err)
}

// ErrEmailCap is matched by the error of a code refused past the daily
// email cap.
var ErrEmailCap = errors.New("the account's daily email cap is reached (Cognito's built-in email; docs/cognito-rules.md, R20, R36)")

// byDefaultEmail reports whether the code of res may go by Cognito's
// built-in email: predicted so, or, without a prediction, when the pool may
// send email that way at all.
func byDefaultEmail(p *poolInfo, res *Result) bool {
	if res.Delivery != nil {
		return res.Delivery.Sender == SenderCognitoDefault
	}
	if p == nil {
		return false // PreflightOff: the pool is not read, nothing is known
	}
	return p.emailSender() == SenderCognitoDefault && slices.Contains(p.mechanisms, types.RecoveryOptionNameTypeVerifiedEmail)
}

// IsEmailCapped reports whether err is a refusal past the daily email cap,
// and returns the Result a dry run keeps for it.
func IsEmailCapped(err error) bool { return errors.Is(err, ErrEmailCap) }

func emailKey(account, region string) string { return account + "/" + region }
