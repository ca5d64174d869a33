package quota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// DefaultDailyEmailLimit is the number of emails that Cognito's built-in
// email (EmailSendingAccount COGNITO_DEFAULT) sends a day for an AWS
// account, across all its pools, as Cognito's quotas page documents
// (docs/cognito-rules.md, R20). The cap is counted per account and Region
// over a rolling 24 hours (R36).
const DefaultDailyEmailLimit = 50

// EmailWindow is the window the daily email cap is counted over: a rolling
// 24 hours, which never counts fewer emails than a UTC day would (R36).
const EmailWindow = 24 * time.Hour

// EmailCounter counts the codes sent through Cognito's built-in email per
// AWS account and Region over the EmailWindow before now, so that the daily
// cap is shared by every pool of the account and by every Resetter, run and
// process that uses the same counter. Implementations must be safe for
// concurrent use, and TakeEmail must check and count atomically. A Resetter
// has an in-process one (NewLocalEmailCounter) unless resetpw.WithEmailCap
// gives another, such as quota/redisquota's Limiter.
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

// localEmailCounter is NewLocalEmailCounter's.
type localEmailCounter struct {
	mu   sync.Mutex
	sent map[string][]localEmail // by account and Region, oldest first
}

type localEmail struct {
	at    time.Time
	token string
}

var _ EmailCounter = (*localEmailCounter)(nil)

// NewLocalEmailCounter returns an empty in-process EmailCounter. Give the
// Resetters of one process the same one (resetpw.WithEmailCap) so that they
// share the cap; across processes, see package quota/redisquota.
func NewLocalEmailCounter() EmailCounter {
	return &localEmailCounter{sent: map[string][]localEmail{}}
}

func emailKey(account, region string) string { return account + "/" + region }

// prune drops the emails older than the window before now; c.mu is held.
func (c *localEmailCounter) prune(key string, now time.Time) []localEmail {
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
func (c *localEmailCounter) TakeEmail(_ context.Context, account, region string, limit int, now time.Time) (string, bool, error) {
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
func (c *localEmailCounter) ReturnEmail(_ context.Context, account, region, token string) error {
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
func (c *localEmailCounter) EmailsSent(_ context.Context, account, region string, now time.Time) (int, error) {
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
