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
	m.OnReset("us-west-2_aaaaaaaaa", "diego").Return(resetpwtest.Sent("us-west-2_aaaaaaaaa", "diego", "diego@example.com"), nil).Once()
	m.OnReset("us-west-2_aaaaaaaaa", "ghost").Return(nil, resetpwtest.Fail(resetpw.ErrUserNotFound)).Once()
	m.On("Reset", mock.Anything, resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}}).Return(nil, resetpwtest.Fail(resetpw.ErrThrottled))

	var r resetpw.PasswordResetter = m
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, resetpw.MediumEmail, res.Delivery.Medium)
	assert.Equal(t, "d***@e***.com", res.Delivery.Destination)
	assert.Equal(t, "diego", res.Username)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "ghost"})
	assert.ErrorIs(t, err, resetpw.ErrUserNotFound)
	var e *resetpw.Error
	assert.ErrorAs(t, err, &e)

	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: "p_1", Username: "x", ClientMetadata: map[string]string{"k": "v"}})
	assert.ErrorIs(t, err, resetpw.ErrThrottled)
}

func TestMock_EveryEntryPoint(t *testing.T) {
	ctx := context.Background()
	const pool = "us-west-2_aaaaaaaaa"
	m := resetpwtest.NewMock(t)
	m.OnCheck(pool, "sam").Return(resetpwtest.Sent(pool, "sam", "+1 206 555 0100"), nil).Once()
	m.OnCheckPool(pool).Return(&resetpw.PoolReport{UserPoolID: pool, Resettable: true}, nil).Once()
	m.OnReset(pool, "a").Return(resetpwtest.Sent(pool, "a", "a@example.com"), nil).Once()
	unavailable := resetpwtest.Fail(resetpw.ErrUnavailable)
	unavailable.Username, unavailable.RequestID = "b", "req-b"
	m.OnReset(pool, "b").Return(nil, unavailable).Once()

	var checker resetpw.ResetChecker = m
	res, err := checker.Check(ctx, resetpw.Request{UserPoolID: pool, Username: "sam"})
	require.NoError(t, err)
	assert.Equal(t, resetpw.Delivery{Medium: "SMS", Destination: "+*******0100", Sender: "SNS"}, *res.Delivery)

	var pc resetpw.PoolChecker = m
	rep, err := pc.CheckPool(ctx, pool)
	require.NoError(t, err)
	assert.True(t, rep.Resettable)

	var bulk resetpw.BulkResetter = m
	var got []resetpw.Outcome
	reqs := func(yield func(resetpw.Request) bool) {
		for _, u := range []string{"a", "b"} {
			if !yield(resetpw.Request{UserPoolID: pool, Username: u}) {
				return
			}
		}
	}
	sum, err := bulk.Bulk(ctx, reqs, resetpw.BulkOptions{}, func(o resetpw.Outcome) { got = append(got, o) })
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, 0, got[0].Index)
	assert.NotNil(t, got[0].Result)
	assert.Equal(t, 1, got[1].Index)
	assert.ErrorIs(t, got[1].Err, resetpw.ErrUnavailable)
	assert.True(t, resetpw.MaybeSent(got[1].Err), "Fail's Op is OpReset")
	var e *resetpw.Error
	require.ErrorAs(t, got[1].Err, &e)
	assert.Equal(t, "req-b", e.RequestID)
	assert.Equal(t, 2, sum.Done)
	assert.Equal(t, 1, sum.Sent)
	assert.Equal(t, map[string]int{"unavailable": 1}, sum.ByKind)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	got = nil
	sum, err = bulk.Bulk(cancelled, reqs, resetpw.BulkOptions{}, func(o resetpw.Outcome) { got = append(got, o) })
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, resetpw.ErrRunStopped)
	assert.Zero(t, sum.Sent, "a cancelled run sends nothing")
	assert.Equal(t, 2, sum.Done, "and gives every input an outcome")
	assert.True(t, sum.ReadAll)
	require.Len(t, got, 2)
	for _, o := range got {
		assert.ErrorIs(t, o.Err, resetpw.ErrRunStopped)
		assert.ErrorIs(t, o.Err, context.Canceled)
	}
	sum, err = bulk.Bulk(cancelled, reqs, resetpw.BulkOptions{StopReading: true}, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, sum.Done, "StopReading: nothing read")
	assert.False(t, sum.ReadAll)
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
