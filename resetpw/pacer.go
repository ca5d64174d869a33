package resetpw

import (
	"context"
	"log/slog"
	"sync"

	"golang.org/x/time/rate"
)

// pacer is the gate of a bulk run: a token bucket per quota category that
// slows down when throttled (×0.7, down to a tenth) and recovers as
// requests succeed (+2% of the configured rate each). Every change of pace
// is logged at Debug.
type pacer struct {
	mu      sync.Mutex
	lims    [numCategories]*rate.Limiter
	configs [numCategories]rate.Limit
	logger  *slog.Logger
}

func newPacer(o BulkOptions, logger *slog.Logger) *pacer {
	p := &pacer{logger: logger}
	for c, r := range map[category]float64{catRecovery: o.ResetRate, catUserRead: o.UserReadRate,
		catUserList: o.UserListRate, catPoolRead: o.PoolReadRate} {
		p.configs[c] = rate.Limit(r)
		p.lims[c] = rate.NewLimiter(rate.Limit(r), 1)
	}
	return p
}

func (p *pacer) wait(ctx context.Context, c category) error { return p.lims[c].Wait(ctx) }

func (p *pacer) throttled(c category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lims[c]
	p.set(c, max(l.Limit()*0.7, p.configs[c]/10), "bulk pace slowed: throttled")
}

func (p *pacer) ok(c category) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if cur := p.lims[c].Limit(); cur < p.configs[c] {
		p.set(c, min(cur+p.configs[c]/50, p.configs[c]), "bulk pace recovering")
	}
}

// set changes a category's rate and logs the change; p.mu is held.
func (p *pacer) set(c category, r rate.Limit, msg string) {
	l := p.lims[c]
	if r == l.Limit() {
		return
	}
	l.SetLimit(r)
	if p.logger != nil && p.logger.Enabled(context.Background(), slog.LevelDebug) {
		p.logger.LogAttrs(context.Background(), slog.LevelDebug, msg, slog.String("category", c.String()),
			slog.Float64("rate", float64(r)), slog.Float64("configured", float64(p.configs[c])))
	}
}
