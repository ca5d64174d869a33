package resetpwtest

import (
	"context"

	"github.com/stretchr/testify/mock"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Mock is a testify mock of resetpw.PasswordResetter.
type Mock struct {
	mock.Mock
}

var _ resetpw.PasswordResetter = (*Mock)(nil)

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
	args := m.Called(ctx, req)
	res, _ := args.Get(0).(*resetpw.Result)
	return res, args.Error(1)
}

// OnReset expects a reset of username in pool, with any context and any
// metadata: shorter than On("Reset", mock.Anything, mock.MatchedBy(...)).
func (m *Mock) OnReset(poolID, username string) *mock.Call {
	return m.On("Reset", mock.Anything, mock.MatchedBy(func(r resetpw.Request) bool {
		return r.UserPoolID == poolID && r.Username == username
	}))
}

// Sent returns the Result of a reset whose code went by email to a masked
// destination, for Return.
func Sent(poolID, username string) *resetpw.Result {
	return &resetpw.Result{UserPoolID: poolID, Username: username, Input: alias.Classify(username),
		Delivery: &resetpw.Delivery{Medium: resetpw.MediumEmail, Destination: alias.Mask(username)}, RequestID: "resetpwtest-mock"}
}

// Fail returns a *resetpw.Error of the given kind (resetpw.ErrUserNotFound,
// ...), for Return.
func Fail(kind error) error {
	return &resetpw.Error{Kind: kind, Op: resetpw.OpReset}
}
