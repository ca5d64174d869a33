// Package redisquota is a quota.Limiter whose budget lives in Redis, so
// that any number of processes share one: every replica of a helpdesk
// service and every bulk job of an account and Region draw on the same
// requests per second of each Cognito quota category, as Cognito counts them.
//
// The budget is kept with GCRA, the generic cell rate algorithm, through
// github.com/go-redis/redis_rate (a maintained implementation, atomic in one
// Redis script): calls of a category are spaced 1/rate apart across all
// processes, with a burst of at most a tenth of a second's calls (3 at
// most), under one key per account, Region and category.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DialTimeout: time.Second})
//	lim, err := redisquota.New(rdb, redisquota.Options{Account: "123456789012", Region: "us-west-2",
//		OnError: redisquota.FallBack, FallbackRates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 3}})
//	r, err := resetpw.New(client, resetpw.WithLimiter(lim), resetpw.WithEmailCap(0, lim))
//
// A Limiter is also a quota.EmailCounter: the daily cap of Cognito's
// built-in email (docs/cognito-rules.md, R20, R36) is counted in Redis next
// to the rate budget, as a sorted set per account and Region of the emails
// of the last 24 hours, checked and counted in one script, so that a
// helpdesk service and a bulk job share it, when each Resetter is given it
// with resetpw.WithEmailCap (WithLimiter alone paces, and counts nothing).
// When Redis can't be
// reached, the email count fails whatever OnError says (a local count would
// start from zero and could pass the cap): the reset is refused, nothing
// sent.
//
// When Redis can't be reached, a Limiter does what Options.OnError says:
// Refuse makes the call fail (resetpw.ErrUnavailable, nothing sent), and
// FallBack paces the call with a local limiter at FallbackRates, this
// process's share. It never lets a call go unpaced. Redis errors come as
// fast as the client's timeouts allow: give the client short ones.
package redisquota

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// OnError says what Wait does when Redis can't be reached.
type OnError int

const (
	// Refuse fails the call with an error matching ErrRedis: nothing is
	// sent, and the Resetter reports resetpw.ErrUnavailable.
	Refuse OnError = iota
	// FallBack paces the call with a local limiter at Options.FallbackRates.
	FallBack
)

// ErrRedis is matched by Wait's error when Redis can't be reached and
// OnError is Refuse.
var ErrRedis = errors.New("redisquota: Redis unavailable")

// Options configure a Limiter.
type Options struct {
	// Account and Region name the budget, as Cognito's quotas are per
	// account and Region: processes with the same ones share it. Required.
	Account, Region string
	// Rates are calls per second for all processes together, per category;
	// categories not named get quota.DefaultRates, the defaults of a bulk
	// run (UserAccountRecovery at half of its 30/s, left to the
	// application's users). Set them at or under the quotas (times any
	// increase the account has).
	Rates map[quota.Category]float64
	// OnError says what to do when Redis can't be reached; default Refuse.
	OnError OnError
	// FallbackRates are this process's rates when OnError is FallBack and
	// Redis is down: its share of the budget, since the other processes
	// fall back too. Required with FallBack, for every category of Rates
	// and quota.DefaultRates.
	FallbackRates map[quota.Category]float64
	// KeyPrefix starts every key; default "cognitoreset".
	KeyPrefix string
}

// Limiter is a quota.Limiter on Redis. It is safe for concurrent use. It
// is not a quota.AdaptiveLimiter: the shared budget does not change with
// Cognito's answers, so set Rates at or under the quotas; the Resetter still
// retries throttled calls.
type Limiter struct {
	client   redis.UniversalClient
	prefix   string
	rl       *redis_rate.Limiter
	limits   map[quota.Category]redis_rate.Limit
	keys     map[quota.Category]string
	onError  OnError
	fallback quota.Limiter
}

var (
	_ quota.Limiter      = (*Limiter)(nil)
	_ quota.EmailCounter = (*Limiter)(nil)
)

// New returns a Limiter on client. It fails with a *resetpw.Error matching
// resetpw.ErrConfig when the options are invalid; it does not contact Redis.
func New(client redis.UniversalClient, o Options) (*Limiter, error) {
	if client == nil {
		return nil, optionsErr("client", "nil Redis client")
	}
	if o.Account == "" || o.Region == "" {
		return nil, optionsErr("Options.Account", "Account and Region name the budget and are required")
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = "cognitoreset"
	}
	rates := quota.DefaultRates()
	for c, r := range o.Rates {
		rates[c] = r
	}
	l := &Limiter{client: client, prefix: o.KeyPrefix, rl: redis_rate.NewLimiter(client), limits: map[quota.Category]redis_rate.Limit{},
		keys: map[quota.Category]string{}, onError: o.OnError}
	for c, r := range rates {
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, optionsErr("Options.Rates", "rate %v for %s: want a positive number", r, c)
		}
		// GCRA spaces calls Period/Rate apart (a millisecond-fine Period
		// carries fractional rates). A burst of up to a tenth of a second's
		// calls, at most 3, lets a worker that wakes late use its slot
		// without the average ever passing the rate.
		burst := min(3, max(1, int(math.Ceil(r/10))))
		l.limits[c] = redis_rate.Limit{Rate: max(1, int(math.Round(r*1000))), Period: 1000 * time.Second, Burst: burst}
		l.keys[c] = fmt.Sprintf("%s:%s:%s:%s", o.KeyPrefix, o.Account, o.Region, c)
	}
	switch o.OnError {
	case Refuse:
	case FallBack:
		for c := range rates {
			if !(o.FallbackRates[c] > 0) {
				return nil, optionsErr("Options.FallbackRates", "FallBack needs a positive FallbackRates[%s]", c)
			}
		}
		l.fallback = quota.NewLocalLimiter(o.FallbackRates, nil)
	default:
		return nil, optionsErr("Options.OnError", "unknown OnError %d", o.OnError)
	}
	return l, nil
}

// optionsErr is New's error for an invalid option: a *resetpw.Error of
// kind ErrConfig whose text names the option.
func optionsErr(field, format string, a ...any) error {
	return &resetpw.Error{Kind: resetpw.ErrConfig, Op: resetpw.OpValidate, Fate: resetpw.FateNotSent,
		Err: fmt.Errorf("redisquota: "+field+": "+format, a...)}
}

// paceErr is the error of a Limiter method that failed: a *resetpw.Error
// of kind ErrUnavailable at OpPace, with nothing sent, wrapping the cause
// (ErrRedis, an unknown category or the context's error).
func paceErr(cause error) error {
	return &resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpPace, Fate: resetpw.FateNotSent, Err: cause}
}

// Wait blocks until the shared budget of c allows one more call, or ctx
// ends. When Redis fails, it refuses or falls back as Options.OnError says.
func (l *Limiter) Wait(ctx context.Context, c quota.Category) error {
	lim, ok := l.limits[c]
	if !ok {
		return paceErr(fmt.Errorf("no rate for category %s", c))
	}
	for {
		res, err := l.rl.Allow(ctx, l.keys[c], lim)
		if err != nil {
			if ctx.Err() != nil {
				return paceErr(ctx.Err())
			}
			if l.onError == FallBack {
				return l.fallback.Wait(ctx, c)
			}
			return paceErr(fmt.Errorf("%w: %v", ErrRedis, err))
		}
		if res.Allowed > 0 {
			return nil
		}
		t := time.NewTimer(res.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return paceErr(ctx.Err())
		case <-t.C:
		}
	}
}

// emailKey is the sorted set of an account's and Region's emails: members
// are tokens, scores the milliseconds they were sent at.
func (l *Limiter) emailKey(account, region string) string {
	return fmt.Sprintf("%s:%s:%s:email24h", l.prefix, account, region)
}

// takeEmail drops the emails older than the window, and adds one unless
// the limit is reached, atomically. KEYS[1] the set; ARGV: now (ms), window
// (ms), limit, token. It returns {1, count} when added, {0, count} when not.
var takeEmail = redis.NewScript(`
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  return {0, n}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
return {1, n + 1}
`)

// TakeEmail counts one email of account and Region at now in Redis, unless
// limit emails were counted in the 24 hours before now (quota.EmailWindow).
func (l *Limiter) TakeEmail(ctx context.Context, account, region string, limit int, now time.Time) (string, bool, error) {
	token := fmt.Sprintf("%d-%s", now.UnixNano(), randomToken())
	res, err := takeEmail.Run(ctx, l.client, []string{l.emailKey(account, region)},
		now.UnixMilli(), quota.EmailWindow.Milliseconds(), limit, token).Int64Slice()
	if err != nil {
		return "", false, paceErr(fmt.Errorf("%w: email count: %v", ErrRedis, err))
	}
	if len(res) != 2 {
		return "", false, paceErr(fmt.Errorf("%w: email count: unexpected answer %v", ErrRedis, res))
	}
	return token, res[0] == 1, nil
}

// ReturnEmail uncounts the email of token.
func (l *Limiter) ReturnEmail(ctx context.Context, account, region, token string) error {
	if err := l.client.ZRem(ctx, l.emailKey(account, region), token).Err(); err != nil {
		return paceErr(fmt.Errorf("%w: email count: %v", ErrRedis, err))
	}
	return nil
}

// EmailsSent returns how many emails of account and Region were counted in
// the 24 hours before now.
func (l *Limiter) EmailsSent(ctx context.Context, account, region string, now time.Time) (int, error) {
	n, err := l.client.ZCount(ctx, l.emailKey(account, region),
		fmt.Sprintf("(%d", now.UnixMilli()-quota.EmailWindow.Milliseconds()), "+inf").Result()
	if err != nil {
		return 0, paceErr(fmt.Errorf("%w: email count: %v", ErrRedis, err))
	}
	return int(n), nil
}

func randomToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
