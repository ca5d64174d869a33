package resetpw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
)

// The daily cap of Cognito's built-in email (docs/cognito-rules.md, R20,
// R36, R37): at most DefaultDailyEmailLimit emails a day for an AWS account
// and Region, across all its pools. The Resetter counts the codes it sends
// that way over a rolling 24 hours, per account and Region, in an
// EmailCounter, and refuses a code past the cap before sending it.

// EmailWindow is the window the daily email cap is counted over: a rolling
// 24 hours, which never counts fewer emails than a UTC day would (R36).
const EmailWindow = 24 * time.Hour

// EmailCounter counts the codes sent through Cognito's built-in email per
// AWS account and Region over the EmailWindow before now, so that the daily
// cap is shared by every pool of the account and by every Resetter, run and
// process that uses the same counter. Implementations must be safe for
// concurrent use, and TakeEmail must check and count atomically. A Resetter
// has an in-process one (NewLocalEmailCounter) unless WithEmailCounter, or
// a WithLimiter limiter that is also an EmailCounter (such as
// resetpw/redislimit's), gives another.
type EmailCounter interface {
	// TakeEmail counts one email for account and Region at now, when fewer
	// than limit were counted in the EmailWindow before now; ok is false,
	// and nothing is counted, when limit is reached. token names the email
	// for ReturnEmail.
	TakeEmail(ctx context.Context, account, region string, limit int, now time.Time) (token string, ok bool, err error)
	// ReturnEmail uncounts an email whose reset was refused or failed
	// without sending anything.
	ReturnEmail(ctx context.Context, account, region, token string) error
	// EmailsSent returns how many emails were counted for account and Region
	// in the EmailWindow before now.
	EmailsSent(ctx context.Context, account, region string, now time.Time) (int, error)
}

// LocalEmailCounter is an in-process EmailCounter. Share one among the
// Resetters of a process (WithEmailCounter) so that they share the cap; use
// resetpw/redislimit for processes.
type LocalEmailCounter struct {
	mu   sync.Mutex
	sent map[string][]localEmail // by account and Region, oldest first
}

type localEmail struct {
	at    time.Time
	token string
}

var _ EmailCounter = (*LocalEmailCounter)(nil)

// NewLocalEmailCounter returns an empty in-process EmailCounter.
func NewLocalEmailCounter() *LocalEmailCounter {
	return &LocalEmailCounter{sent: map[string][]localEmail{}}
}

func emailKey(account, region string) string { return account + "/" + region }

// prune drops the emails older than the window before now; c.mu is held.
func (c *LocalEmailCounter) prune(key string, now time.Time) []localEmail {
	list := c.sent[key]
	i := 0
	for i < len(list) && now.Sub(list[i].at) >= EmailWindow {
		i++
	}
	list = list[i:]
	c.sent[key] = list
	return list
}

// TakeEmail counts one email unless limit is reached.
func (c *LocalEmailCounter) TakeEmail(_ context.Context, account, region string, limit int, now time.Time) (string, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := emailKey(account, region)
	list := c.prune(key, now)
	if len(list) >= limit {
		return "", false, nil
	}
	token := newEmailToken()
	c.sent[key] = append(list, localEmail{now, token})
	return token, true, nil
}

// ReturnEmail uncounts the email of token.
func (c *LocalEmailCounter) ReturnEmail(_ context.Context, account, region, token string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := emailKey(account, region)
	list := c.sent[key]
	for i, e := range list {
		if e.token == token {
			c.sent[key] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	return nil
}

// EmailsSent counts the emails of the window before now.
func (c *LocalEmailCounter) EmailsSent(_ context.Context, account, region string, now time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.prune(emailKey(account, region), now)), nil
}

// newEmailToken returns a token no other email has, in any process.
func newEmailToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
// matches errEmailCap.
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
	return fmt.Sprintf("%s: %d of %d emails %s in the last 24 hours for account %s in %s", errEmailCap, e.sent, e.limit, what, e.account, e.region)
}

func (e *emailCapError) Is(target error) bool { return target == errEmailCap }

// emailTaken is an email an attempt counted, to return if nothing is sent.
type emailTaken struct {
	counter                EmailCounter
	account, region, token string
	limit                  int // the cap it was counted against
}

// emailTally counts a plan's emails per account and Region, on top of those
// the counter already has (read once per key).
type emailTally struct {
	mu      sync.Mutex
	counter EmailCounter
	base    map[string]int // EmailsSent at the first code of the key
	planned map[string]int
}

func newEmailTally(c EmailCounter) *emailTally {
	return &emailTally{counter: c, base: map[string]int{}, planned: map[string]int{}}
}

// emailCounterFor returns the counter of a bulk run whose own limiter is g:
// the Resetter's when WithEmailCounter named one (so that its single resets
// and its runs share the cap), else g when it counts emails, else the
// Resetter's.
func (r *Resetter) emailCounterFor(g Limiter) EmailCounter {
	if r.cfg.emails != nil {
		return r.emails
	}
	if c, ok := g.(EmailCounter); ok && g != nil {
		return c
	}
	return r.emails
}

// capEmail applies the daily email cap to an attempt whose code may go by
// Cognito's built-in email (byDefaultEmail): sending, it counts the email
// in c or refuses with an *emailCapError; not sending, it refuses when the
// emails counted, plus those tally planned before, reach limit. A limit
// below 0 is no cap. Other errors are the counter's.
func (a *attempt) capEmail(ctx context.Context, c EmailCounter, limit int, res *Result, send bool, tally *emailTally) error {
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
func (a *attempt) returnEmail() {
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
// email cap: LimitExceededException "Exceeded daily email limit ..." (R20).
func isDailyEmailLimit(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "LimitExceededException" &&
		strings.Contains(normalizeMessage(ae.ErrorMessage()), msgDailyEmailLimit)
}

// fillEmailCap keeps the attempt's email counted and counts more, up to the
// cap, after Cognito answered that the account's daily email limit is
// reached (R20): emails the library does not see (sign-up codes, the
// application's own ForgotPassword) spent it, and the count now says so, so
// that the next codes of the account are refused before anything is sent
// instead of each being sent to be refused (R36). The emails are counted
// at now, so they free up no earlier than Cognito's own would.
func (a *attempt) fillEmailCap() {
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
func (a *attempt) emailCapFailure(err error) *Error {
	if capped, ok := err.(*emailCapError); ok {
		return a.fail(OpPreflight, ErrDeliveryConfig, &refusal{ErrDeliveryConfig, capped.Error()})
	}
	return a.fail(OpPreflight, ErrUnavailable, err)
}
