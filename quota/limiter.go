package quota

import (
	"context"
	"log/slog"
	"maps"
	"sync"

	"golang.org/x/time/rate"
)

// Category is a Cognito quota category, as Cognito's quotas page names it
// (docs/cognito-rules.md, R28): the budget a call draws on, shared by every
// caller in the account and Region.
type Category string

// The categories of the calls a Resetter makes.
const (
	CategoryUserAccountRecovery Category = "UserAccountRecovery" // AdminResetUserPassword, AdminSetUserPassword: 30/s (R28, R49)
	CategoryUserRead            Category = "UserRead"            // AdminGetUser: 120/s
	CategoryUserList            Category = "UserList"            // ListUsers: 30/s
	CategoryUserPoolRead        Category = "UserPoolRead"        // DescribeUserPool: 15/s
	CategoryUserUpdate          Category = "UserUpdate"          // AdminUserGlobalSignOut: 25/s (R31)
	CategoryUserCreation        Category = "UserCreation"        // AdminCreateUser, RESEND included: 50/s (R49)
)

// Quota returns Cognito's account-wide quota of category c, requests per
// second in each Region (docs/cognito-rules.md, R28), and false for a name
// that is no category. A bulk run's rates are checked against it.
func Quota(c Category) (float64, bool) {
	q, ok := quotas[c]
	return q, ok
}

var quotas = map[Category]float64{
	CategoryUserAccountRecovery: 30, // not adjustable
	CategoryUserRead:            120,
	CategoryUserList:            30,
	CategoryUserPoolRead:        15,
	CategoryUserUpdate:          25, // R31
	CategoryUserCreation:        50, // R49
}

// defaultRates are the paces of DefaultRates: each under its quota, and
// UserAccountRecovery at half of its 30, which the application's own
// ForgotPassword and ConfirmForgotPassword share. A run during an incident,
// when users reset their own passwords, leaves them the other half.
var defaultRates = map[Category]float64{
	CategoryUserAccountRecovery: 15,
	CategoryUserRead:            100,
	CategoryUserList:            25,
	CategoryUserPoolRead:        12,
	CategoryUserUpdate:          20,
	CategoryUserCreation:        25, // half: the application's own SignUp shares it
}

// DefaultRates returns the default pace of each category, calls a second,
// in a new map the caller may change: UserAccountRecovery 15 (half of its
// quota of 30, leaving the other half to the application's own
// ForgotPassword), UserRead 100, UserList 25, UserPoolRead 12,
// UserUpdate 20 and UserCreation 25 (half of its 50, which the
// application's own SignUp shares), each under its quota. Bulk runs (bulk.Options.Rates),
// NewLocalLimiter and quota/redisquota take a category's rate from here
// when they are given none.
func DefaultRates() map[Category]float64 {
	return maps.Clone(defaultRates)
}

// WithDefaults returns rates with every category it does not name, or names
// with a rate of 0, at its DefaultRates pace: a new map.
func WithDefaults(rates map[Category]float64) map[Category]float64 {
	out := DefaultRates()
	for c, r := range rates {
		if r != 0 {
			out[c] = r
		}
	}
	return out
}

// Limiter paces the Cognito calls of a Resetter (resetpw.WithLimiter) or of a bulk
// run (bulk.Options.Limiter): Wait is called before every call.
// Implementations must be safe for concurrent use. A Limiter that is also an
// AdaptiveLimiter is told how each call went. NewLocalLimiter is the
// in-process one that bulk runs use by default; package quota/redisquota
// shares one budget among processes.
type Limiter interface {
	// Wait blocks until a call in category c may go out. An error sends
	// nothing: the call fails with it (ErrUnavailable unless the context
	// ended).
	Wait(ctx context.Context, c Category) error
}

// AdaptiveLimiter is a Limiter that changes its pace with Cognito's
// answers: the Resetter calls Throttled after each call Cognito throttled
// and Succeeded after each that went through (other failures say nothing of
// the pace). A Resetter, and each bulk run, asks once whether its Limiter
// is one. NewLocalLimiter's limiter is; quota/redisquota's, whose budget
// is fixed, is not.
type AdaptiveLimiter interface {
	Limiter
	// Throttled says Cognito answered a call in c with throttling: the
	// limiter slows down.
	Throttled(c Category)
	// Succeeded says a call in c went through: the limiter recovers.
	Succeeded(c Category)
}

// NewLocalLimiter returns an in-process AdaptiveLimiter: a token bucket per
// category at rates, calls a second (a category rates does not name, or
// names with 0, goes at its DefaultRates pace; one with a negative rate is
// not paced), that slows down when throttled (×0.7, down to a tenth) and
// recovers as calls succeed (+2% of its rate each). Share one among the
// Resetters and runs of a process to give them one budget; across processes,
// see package quota/redisquota.
func NewLocalLimiter(rates map[Category]float64, logger *slog.Logger) AdaptiveLimiter {
	return newPacer(WithDefaults(rates), logger)
}

// pacer is the local limiter. Every change of pace is logged at Debug.
type pacer struct {
	mu      sync.Mutex
	lims    map[Category]*rate.Limiter
	configs map[Category]rate.Limit
	logger  *slog.Logger
}

var _ AdaptiveLimiter = (*pacer)(nil)

// newPacer returns a pacer at rates as given: a category without a
// positive rate is not paced.
func newPacer(rates map[Category]float64, logger *slog.Logger) *pacer {
	p := &pacer{logger: logger, lims: map[Category]*rate.Limiter{}, configs: map[Category]rate.Limit{}}
	for c, r := range rates {
		if r > 0 {
			p.configs[c] = rate.Limit(r)
			p.lims[c] = rate.NewLimiter(rate.Limit(r), 1)
		}
	}
	return p
}

// Wait waits for c's bucket; a category without one goes at once. Its
// error is the context's, or golang.org/x/time/rate's when the context
// would end before the bucket allows the call: the call is not sent.
func (p *pacer) Wait(ctx context.Context, c Category) error {
	p.mu.Lock()
	l := p.lims[c]
	p.mu.Unlock()
	err := ctx.Err()
	if l != nil && err == nil {
		err = l.Wait(ctx)
	}
	return err
}

// Throttled slows c down.
func (p *pacer) Throttled(c Category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.lims[c]; l != nil {
		p.set(c, max(l.Limit()*0.7, p.configs[c]/10), "bulk pace slowed: throttled")
	}
}

// Succeeded lets c recover towards its rate.
func (p *pacer) Succeeded(c Category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.lims[c]; l != nil && l.Limit() < p.configs[c] {
		p.set(c, min(l.Limit()+p.configs[c]/50, p.configs[c]), "bulk pace recovering")
	}
}

// set changes a category's rate and logs the change; p.mu is held.
func (p *pacer) set(c Category, r rate.Limit, msg string) {
	l := p.lims[c]
	if r == l.Limit() {
		return
	}
	l.SetLimit(r)
	if p.logger != nil && p.logger.Enabled(context.Background(), slog.LevelDebug) {
		p.logger.LogAttrs(context.Background(), slog.LevelDebug, msg, slog.String("category", string(c)),
			slog.Float64("rate", float64(r)), slog.Float64("configured", float64(p.configs[c])))
	}
}
