package resetpwtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// A service that takes the ways out depends on its own interface of
// wayout.Ways' methods; the Mock stands in for it.
func TestMock_Ways(t *testing.T) {
	const pool = "us-west-2_aaaaaaaaa"
	var ways interface {
		InviteAgain(context.Context, resetpw.Request) (*resetpw.Result, error)
		SetTemporaryPassword(context.Context, resetpw.Request) (*resetpw.Result, error)
	}
	m := resetpwtest.NewMock(t)
	ways = m
	invited := resetpwtest.Sent(pool, "maria", "maria@example.com")
	m.On("InviteAgain", mock.Anything, resetpw.Request{UserPoolID: pool, Username: "maria"}).Return(invited, nil).Once()
	refused := resetpwtest.Fail(resetpw.ErrUserDisabled)
	m.On("SetTemporaryPassword", mock.Anything, mock.Anything).Return(nil, refused).Once()

	res, err := ways.InviteAgain(t.Context(), resetpw.Request{UserPoolID: pool, Username: "maria"})
	require.NoError(t, err)
	assert.Equal(t, "maria", res.Username)
	_, err = ways.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "frank"})
	assert.ErrorIs(t, err, resetpw.ErrUserDisabled)

	expires := time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)
	set := resetpwtest.TemporaryPasswordSet(pool, "nico", "Correct-Horse-42-Battery", expires)
	m.On("SetTemporaryPassword", mock.Anything, resetpw.Request{UserPoolID: pool, Username: "nico"}).Return(set, nil).Once()
	res, err = ways.SetTemporaryPassword(t.Context(), resetpw.Request{UserPoolID: pool, Username: "nico"})
	require.NoError(t, err)
	assert.Equal(t, "Correct-Horse-42-Battery", res.TemporaryPassword.Reveal())
	assert.Equal(t, expires, res.PasswordExpires)
	assert.True(t, res.SignedOut, "a temporary password signs the user out, as the real Ways does")
	assert.NotContains(t, fmt.Sprintf("%+v %#v", res, res), "Correct-Horse", "the Mock's password prints as the real one: not at all")
}
