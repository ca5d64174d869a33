package resetpwtest

import (
	"context"
	"maps"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/temppass"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// Mock is a testify mock of every method of a resetpw.Resetter: Reset,
// Check and CheckPool. Expect calls with On, or with OnReset, OnResetWith
// (which matches ClientMetadata too), OnCheck and OnCheckPool. (A bulk run
// takes a real Resetter: give it a Fake.)
type Mock struct {
	mock.Mock
}

// entryPoints are the methods of a resetpw.Resetter that the Mock stands in
// for, so that a caller's own narrow interface (resetpw.PasswordResetter, or
// one with Check or CheckPool) takes either: the assertions below keep
// the Mock's signatures the Resetter's.
type entryPoints interface {
	resetpw.PasswordResetter
	Check(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
	CheckPool(ctx context.Context, poolID string) (*resetpw.PoolReport, error)
}

// ways are the methods of a wayout.Ways the Mock stands in for.
type ways interface {
	InviteAgain(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
	SetTemporaryPassword(ctx context.Context, req resetpw.Request) (*resetpw.Result, error)
}

var (
	_ ways                     = (*Mock)(nil)
	_ ways                     = (*wayout.Ways)(nil)
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

// InviteAgain records the call and returns what the matching expectation
// says (m.On("InviteAgain", ctx, req)): it stands in for
// wayout.Ways.InviteAgain.
func (m *Mock) InviteAgain(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	return m.result("InviteAgain", ctx, req)
}

// SetTemporaryPassword records the call and returns what the matching
// expectation says (m.On("SetTemporaryPassword", ctx, req)): it stands in
// for wayout.Ways.SetTemporaryPassword.
func (m *Mock) SetTemporaryPassword(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	return m.result("SetTemporaryPassword", ctx, req)
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

// OnReset expects a reset of username in pool, with any context, any
// ClientMetadata and any SignOut: shorter than
// On("Reset", mock.Anything, mock.MatchedBy(...)). To match the metadata a
// handler passed as well, use OnResetWith.
func (m *Mock) OnReset(poolID, username string) *mock.Call {
	return m.On("Reset", mock.Anything, matchRequest(poolID, username))
}

// OnResetWith expects a reset of exactly req, with any context: the same
// UserPoolID, Username and SignOut, and the same ClientMetadata (keys and
// values; a nil map and an empty one are the same). A Reset whose request
// differs in any of them matches no OnResetWith, so testify fails the test
// and shows the closest expectation.
func (m *Mock) OnResetWith(req resetpw.Request) *mock.Call {
	return m.On("Reset", mock.Anything, mock.MatchedBy(func(r resetpw.Request) bool {
		return r.UserPoolID == req.UserPoolID && r.Username == req.Username && r.SignOut == req.SignOut &&
			maps.Equal(r.ClientMetadata, req.ClientMetadata)
	}))
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
// destination, an email address (by EMAIL, through Cognito's built-in
// email, as a Fake pool sends by default) or a phone number (by SMS,
// through SNS), masked as Cognito shows it, for Return.
func Sent(poolID, username, destination string) *resetpw.Result {
	d := &resetpw.Delivery{Medium: resetpw.MediumEmail, MaskedDestination: alias.Mask(destination), Sender: resetpw.SenderCognitoDefault}
	if alias.Classify(destination) == alias.Phone {
		d.Medium, d.Sender = resetpw.MediumSMS, resetpw.SenderSNS
	}
	return &resetpw.Result{UserPoolID: poolID, Username: username, Input: alias.Classify(username),
		Delivery: d, RequestID: "resetpwtest-mock"}
}

// TemporaryPasswordSet returns the *resetpw.Result of a temporary password
// set for username in pool (wayout.Ways.SetTemporaryPassword), holding
// password until expires, with the user signed out: for Return.
func TemporaryPasswordSet(poolID, username, password string, expires time.Time) *resetpw.Result {
	return &resetpw.Result{UserPoolID: poolID, Username: username, Input: alias.Classify(username), RequestID: "resetpwtest-mock",
		SignedOut: true, TemporaryPassword: temppass.Of(password), PasswordExpires: expires}
}

// Fail returns a *resetpw.Error of the given kind, for Return, with the Op
// and the Fate that a real Resetter (PreflightFull, the default) reports
// for the kind's most common cause, so that resetpw.MaybeSent and
// HTTPStatus read it as they would the real one (HTTPStatus is the README
// table's status):
//
//   - OpValidate, FateNotSent: ErrInvalidInput (local validation; Field
//     is left empty) and ErrConfig;
//   - OpResolve, FateNotSent: ErrAmbiguousAlias;
//   - OpPreflight, FateNotSent (a refusal, nothing sent): ErrUserDisabled,
//     ErrUserState, ErrRecoveryNotConfigured, ErrNoVerifiedContact,
//     ErrSMSSandbox, ErrSESSandbox, ErrDeliveryConfig;
//   - OpPreflight, FateAnswered (a preflight read that Cognito answered
//     with an error): ErrPoolNotFound, ErrUserNotFound, ErrAccessDenied,
//     ErrUnavailable, ErrNotEnabled;
//   - OpReset, FateAnswered (AdminResetUserPassword answered with an
//     error): ErrTrigger, ErrThrottled, ErrAttemptLimit, the last two with
//     the RetryAfter a Resetter with WithRetries' defaults gives them
//     (800ms, an hour: R73, R74);
//   - OpBulk, FateNotSent: ErrRunStopped.
//
// So resetpw.MaybeSent is true only for ErrTrigger: an ErrUnavailable from
// Fail is an outage met before the reset, the usual case, since every reset
// reads the user first. Set the fields for another case under test (Op,
// Fate, Field, Username, RequestID, Err): an email or phone number that
// resolves to nobody is ErrUserNotFound with OpResolve and FateNotSent;
// Cognito's own InvalidParameterException is ErrInvalidInput with OpReset
// and FateAnswered; a reset whose answer was lost (a cut connection, a
// timeout while waiting) is ErrUnavailable with OpReset and FateUnknown:
//
//	e := resetpwtest.Fail(resetpw.ErrUnavailable)
//	e.Op, e.Fate = resetpw.OpReset, resetpw.FateUnknown // resetpw.MaybeSent(e) is now true
//
// Fail names no way out and no user: a refusal the library makes after
// reading the user sets both (a FORCE_CHANGE_PASSWORD user's
// ErrUserState, say), and a way's own failure has Op "invite" or
// "set_password" (package wayout), which MaybeSent judges as OpReset:
//
//	e := resetpwtest.Fail(resetpw.ErrUserState)
//	e.WayOut, e.User = wayout.InviteAgain, "diego"
func Fail(kind resetpw.Kind) *resetpw.Error {
	e := &resetpw.Error{Kind: kind, Op: resetpw.OpPreflight, Fate: resetpw.FateAnswered}
	switch kind {
	case resetpw.ErrInvalidInput, resetpw.ErrConfig:
		e.Op, e.Fate = resetpw.OpValidate, resetpw.FateNotSent
	case resetpw.ErrAmbiguousAlias:
		e.Op, e.Fate = resetpw.OpResolve, resetpw.FateNotSent
	case resetpw.ErrUserDisabled, resetpw.ErrUserState, resetpw.ErrRecoveryNotConfigured, resetpw.ErrNoVerifiedContact,
		resetpw.ErrSMSSandbox, resetpw.ErrSESSandbox, resetpw.ErrDeliveryConfig:
		e.Fate = resetpw.FateNotSent
	case resetpw.ErrTrigger:
		e.Op = resetpw.OpReset
	case resetpw.ErrThrottled:
		e.Op, e.RetryAfter = resetpw.OpReset, engine.DefaultThrottleRetryAfter()
	case resetpw.ErrAttemptLimit:
		e.Op, e.RetryAfter = resetpw.OpReset, engine.AttemptLimitWindow
	case resetpw.ErrRunStopped:
		e.Op, e.Fate = resetpw.OpBulk, resetpw.FateNotSent
	}
	return e
}
