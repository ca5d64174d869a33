package resetpwtest

import (
	"context"
	"iter"

	"github.com/stretchr/testify/mock"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Mock is a testify mock of every entry point of a resetpw.Resetter: Reset,
// Check, CheckPool and Bulk. Expect calls with On, or with OnReset, OnCheck
// and OnCheckPool; Bulk needs no expectation of its own (see Mock.Bulk).
type Mock struct {
	mock.Mock
}

// entryPoints are the methods of a resetpw.Resetter that the Mock stands in
// for, so that a caller's own narrow interface (resetpw.PasswordResetter, or
// one with Check, CheckPool or Bulk) takes either: the assertions below keep
// the Mock's signatures the Resetter's.
type entryPoints interface {
	resetpw.PasswordResetter
	Check(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
	CheckPool(ctx context.Context, poolID string) (*resetpw.PoolReport, error)
	Bulk(ctx context.Context, reqs iter.Seq[resetpw.Request], opts resetpw.BulkOptions, each func(resetpw.Outcome)) (resetpw.Summary, error)
}

var (
	_ resetpw.PasswordResetter = (*Mock)(nil)
	_ entryPoints              = (*Mock)(nil)
	_ entryPoints              = (*resetpw.Resetter)(nil)
)

// T is the part of *testing.T that NewMock uses.
type T interface {
	mock.TestingT
	Cleanup(func())
}

// NewMock returns a Mock whose expectations are asserted when t ends.
func NewMock(t T) *Mock {
	m := &Mock{}
	m.Test(t)
	t.Cleanup(func() { m.AssertExpectations(t) })
	return m
}

// Reset records the call and returns what the matching expectation says.
func (m *Mock) Reset(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	return m.result("Reset", ctx, req)
}

// Check records the call and returns what the matching expectation says.
func (m *Mock) Check(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	return m.result("Check", ctx, req)
}

func (m *Mock) result(method string, ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	args := m.MethodCalled(method, ctx, req)
	res, _ := args.Get(0).(*resetpw.Result)
	return res, args.Error(1)
}

// CheckPool records the call and returns what the matching expectation says.
func (m *Mock) CheckPool(ctx context.Context, poolID string) (*resetpw.PoolReport, error) {
	args := m.Called(ctx, poolID)
	rep, _ := args.Get(0).(*resetpw.PoolReport)
	return rep, args.Error(1)
}

// Bulk runs each request through the Mock's Reset, in order and one at a
// time, so that a test expects the users of a bulk run with OnReset as for
// single resets. Once ctx has ended it calls Reset no more and gives every
// further input an ErrRunStopped outcome that wraps the context's cause, or
// with opts.StopReading reads no more, as resetpw.Resetter.Bulk does.
// Outcomes and the Summary are built as Bulk builds them, except that the
// Mock sees no duplicates, ignores opts' rates and has no breaker.
func (m *Mock) Bulk(ctx context.Context, reqs iter.Seq[resetpw.Request], opts resetpw.BulkOptions, each func(resetpw.Outcome)) (resetpw.Summary, error) {
	var sum resetpw.Summary
	sum.ReadAll = true
	for req := range reqs {
		if ctx.Err() != nil && opts.StopReading {
			sum.ReadAll = false
			break
		}
		o := resetpw.Outcome{Index: sum.Read, Request: req}
		sum.Read++
		if ctx.Err() != nil {
			o.Err = &resetpw.Error{Kind: resetpw.ErrRunStopped, Op: resetpw.OpBulk, UserPoolID: req.UserPoolID,
				Username: req.Username, Err: context.Cause(ctx)}
		} else {
			o.Result, o.Err = m.Reset(ctx, req)
		}
		sum.Done++
		if o.Err != nil {
			sum.Failed++
			if sum.ByKind == nil {
				sum.ByKind = map[string]int{}
			}
			sum.ByKind[resetpw.KindOf(o.Err).Code()]++
		} else {
			sum.Sent++
		}
		if each != nil {
			each(o)
		}
		if opts.Progress != nil {
			opts.Progress(sum.Progress)
		}
	}
	if ctx.Err() != nil {
		return sum, &resetpw.Error{Kind: resetpw.ErrRunStopped, Op: resetpw.OpBulk, Err: context.Cause(ctx)}
	}
	return sum, nil
}

// OnReset expects a reset of username in pool, with any context and any
// metadata: shorter than On("Reset", mock.Anything, mock.MatchedBy(...)).
func (m *Mock) OnReset(poolID, username string) *mock.Call {
	return m.On("Reset", mock.Anything, matchRequest(poolID, username))
}

// OnCheck expects a dry run for username in pool, as OnReset does.
func (m *Mock) OnCheck(poolID, username string) *mock.Call {
	return m.On("Check", mock.Anything, matchRequest(poolID, username))
}

// OnCheckPool expects a check of pool, with any context.
func (m *Mock) OnCheckPool(poolID string) *mock.Call {
	return m.On("CheckPool", mock.Anything, poolID)
}

func matchRequest(poolID, username string) any {
	return mock.MatchedBy(func(r resetpw.Request) bool {
		return r.UserPoolID == poolID && r.Username == username
	})
}

// Sent returns the Result of a reset of username whose code went to
// destination, an email address (by EMAIL, through SES) or a phone number
// (by SMS, through SNS), masked as Cognito shows it, for Return.
func Sent(poolID, username, destination string) *resetpw.Result {
	d := &resetpw.Delivery{Medium: resetpw.MediumEmail, Destination: alias.Mask(destination), Sender: resetpw.SenderSES}
	if alias.Classify(destination) == alias.Phone {
		d.Medium, d.Sender = resetpw.MediumSMS, resetpw.SenderSNS
	}
	return &resetpw.Result{UserPoolID: poolID, Username: username, Input: alias.Classify(username),
		Delivery: d, RequestID: "resetpwtest-mock"}
}

// Fail returns a *resetpw.Error of the given kind, from the reset step
// (resetpw.OpReset), for Return. Set its other fields (Op, Username,
// RequestID, Field, Err) for the case under test:
//
//	e := resetpwtest.Fail(resetpw.ErrUnavailable)
//	e.RequestID = "req-1" // resetpw.MaybeSent(e) is true: Op is OpReset
func Fail(kind resetpw.Kind) *resetpw.Error {
	return &resetpw.Error{Kind: kind, Op: resetpw.OpReset}
}
