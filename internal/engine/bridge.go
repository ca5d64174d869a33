package engine

import (
	"errors"
	"log/slog"

	"github.com/cognitoreset/cognitoreset/quota"
)

// The public packages' values are their own types (resetpw.Error,
// resetpw.Result...), converted from the engine's where they leave it.
// Package resetpw sets these in its init, so that package bulk, which
// imports it, converts as resetpw does and reaches a Resetter's Engine.
var (
	// EngineOf returns the Engine of a *resetpw.Resetter.
	EngineOf func(resetter any) *Engine
	// PublicError converts an *Error, and an error wrapping one at its
	// top, to a *resetpw.Error; other errors are returned as they are.
	PublicError func(err error) error
	// PublicResult converts a Result to a *resetpw.Result.
	PublicResult func(res *Result) any
	// PublicKind returns the kind of a resetpw error in err's chain.
	PublicKind func(err error) (Kind, bool)
	// PublicFields returns the Op, Fate and request ID of a
	// *resetpw.Error in err's chain.
	PublicFields func(err error) (op, fate, requestID string)
)

// API is what the engine calls (a bulk run's ways read it).
func (r *Engine) API() API { return r.api }

// Tel is the engine's telemetry.
func (r *Engine) Tel() Observer { return r.tel }

// Logger is WithLogger's logger, with WithLogAttrs'.
func (r *Engine) Logger() *slog.Logger { return r.cfg.logger }

// Limiter is WithLimiter's limiter, or nil.
func (r *Engine) Limiter() quota.Limiter { return r.cfg.limiter }

// EmailCap returns the daily email cap's counter and limit (WithEmailCap).
func (r *Engine) EmailCap() (quota.EmailCounter, int) { return r.emails, r.cfg.dailyEmail }

// Preflight is WithPreflight's level.
func (r *Engine) Preflight() Preflight { return r.cfg.preflight }

// CheckPoolID checks the form of a pool ID.
func CheckPoolID(id string) error { return checkPoolID(id) }

// ErrorOf builds the *Error of a failed call outside an attempt (a bulk
// run's ListUsers): its kind (the cause's when kind is the zero Kind), Op,
// pool, request ID and fate.
func ErrorOf(op Op, kind Kind, poolID string, cause error) *Error {
	if kind == (Kind{}) {
		kind = classify(cause)
	}
	return &Error{Kind: kind, Op: op, UserPoolID: poolID, RequestID: requestIDOf(cause), Fate: fateOrNotSent(cause), RetryAfter: retryAfter(op, kind, cause), Err: cause}
}

// IsRefusal reports whether err is a refusal of the library's (validation
// or the preflight): nothing was sent.
func IsRefusal(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Op == OpValidate || errors.As(e.Err, new(*refusal)))
}
