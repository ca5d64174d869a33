package resetpw

import (
	"context"
	"log/slog"
	"sync"

	"golang.org/x/time/rate"
)

// NewLocalLimiter returns an in-process Limiter: a token bucket per
// category at rates (calls a second; a category without a rate is not
// paced) that slows down when throttled (×0.7, down to a tenth) and
// recovers as calls succeed (+2% of its rate each). Share one among the
// Resetters and runs of a process to give them one budget; across processes,
// see package resetpw/redislimit.
func NewLocalLimiter(rates map[Category]float64) Limiter {
	return newPacer(rates, nil)
}

// pacer is the local limiter. Every change of pace is logged at Debug.
type pacer struct {
	mu      sync.Mutex
	lims    map[Category]*rate.Limiter
	configs map[Category]rate.Limit
	logger  *slog.Logger
}

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
// error (the context ended, or would before the bucket allows the call) is
// a *Error of kind ErrUnavailable, Op OpPace: nothing is sent.
func (p *pacer) Wait(ctx context.Context, c Category) error {
	p.mu.Lock()
	l := p.lims[c]
	p.mu.Unlock()
	err := ctx.Err()
	if l != nil && err == nil {
		err = l.Wait(ctx)
	}
	if err != nil {
		return &Error{Kind: ErrUnavailable, Op: OpPace, Fate: FateNotSent, Err: err}
	}
	return nil
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
