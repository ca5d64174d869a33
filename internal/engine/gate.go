package engine

import (
	"context"

	"github.com/cognitoreset/cognitoreset/quota"
)

// opNames names each category's operation, for log lines and metrics; an
// action with its own request (Action.send) names its own (Action.wire).
var opNames = map[quota.Category]string{quota.CategoryUserAccountRecovery: "AdminResetUserPassword", quota.CategoryUserRead: "AdminGetUser",
	quota.CategoryUserList: "ListUsers", quota.CategoryUserPoolRead: "DescribeUserPool", quota.CategoryUserUpdate: "AdminUserGlobalSignOut"}

// Gate is the Limiter of an Engine or of a bulk run, with its adaptation
// type-asserted once. A nil *Gate paces nothing.
type Gate struct {
	l        quota.Limiter
	adaptive quota.AdaptiveLimiter // l, when it adapts; nil when not
}

// NewGate returns l's gate; nil when l is nil.
func NewGate(l quota.Limiter) *Gate {
	if l == nil {
		return nil
	}
	a, _ := l.(quota.AdaptiveLimiter)
	return &Gate{l: l, adaptive: a}
}

// Wrap returns a gate that waits at l and adapts as g does: a bulk run
// wraps its limiter so that a stop ends the waits.
func (g *Gate) Wrap(l quota.Limiter) *Gate {
	return &Gate{l: l, adaptive: g.adaptive}
}

// wait waits for the Limiter, if any.
func (g *Gate) wait(ctx context.Context, c quota.Category) error {
	if g == nil {
		return nil
	}
	return g.l.Wait(ctx, c)
}

// throttled tells an adaptive Limiter that a call in c was throttled.
func (g *Gate) throttled(c quota.Category) {
	if g != nil && g.adaptive != nil {
		g.adaptive.Throttled(c)
	}
}

// succeeded tells an adaptive Limiter that a call in c went through.
func (g *Gate) succeeded(c quota.Category) {
	if g != nil && g.adaptive != nil {
		g.adaptive.Succeeded(c)
	}
}
