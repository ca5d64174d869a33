package resetpwtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

func TestMock(t *testing.T) {
	m := resetpwtest.NewMock(t)
	m.OnReset("us-west-2_aaaaaaaaa", "diego").Return(resetpwtest.Sent("us-west-2_aaaaaaaaa", "diego@example.com"), nil).Once()
	m.OnReset("us-west-2_aaaaaaaaa", "ghost").Return(nil, resetpwtest.Fail(resetpw.ErrUserNotFound)).Once()
	m.On("Reset", mock.Anything, resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}}).Return(nil, resetpwtest.Fail(resetpw.ErrThrottled))

	var r resetpw.PasswordResetter = m
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, "EMAIL", res.Delivery.Medium)
	assert.Equal(t, "d***@e***.com", res.Delivery.Destination)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "ghost"})
	assert.ErrorIs(t, err, resetpw.ErrUserNotFound)
	var e *resetpw.Error
	assert.ErrorAs(t, err, &e)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}})
	assert.ErrorIs(t, err, resetpw.ErrThrottled)
}

// fakeT records what NewMock reports at cleanup.
type fakeT struct {
	cleanups []func()
	errors   int
}

func (f *fakeT) Logf(string, ...any)   {}
func (f *fakeT) Errorf(string, ...any) { f.errors++ }
func (f *fakeT) FailNow()              {}
func (f *fakeT) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }

func TestNewMock_AssertsAtCleanup(t *testing.T) {
	ft := &fakeT{}
	m := resetpwtest.NewMock(ft)
	m.OnReset("p_1", "never-called").Return(nil, nil)
	require.Len(t, ft.cleanups, 1)
	ft.cleanups[0]()
	assert.Positive(t, ft.errors, "an unmet expectation fails the test")
}
