package followup_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// unmovedDates is the Fake with every UserLastModifiedDate that ListUsers
// and AdminGetUser answer fixed at at: moto_server's model, in which
// neither AdminResetUserPassword nor ConfirmForgotPassword moves it (R66).
type unmovedDates struct {
	*resetpwtest.Fake
	at time.Time
}

func (m *unmovedDates) ListUsers(ctx context.Context, in *cip.ListUsersInput, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	out, err := m.Fake.ListUsers(ctx, in, o...)
	if out != nil {
		for i := range out.Users {
			out.Users[i].UserLastModifiedDate = aws.Time(m.at)
		}
	}
	return out, err
}

func (m *unmovedDates) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	out, err := m.Fake.AdminGetUser(ctx, in, o...)
	if out != nil {
		out.UserLastModifiedDate = aws.Time(m.at)
	}
	return out, err
}

// unmovedWorld is a pool whose dates stay 24 hours before the run: u0-u2
// sent a code at +1 min, u2 completes at +11, someone else resets u0 at
// +66, and the read comes at +71. It returns a Resetter that sees the
// unmoved dates.
func unmovedWorld(t *testing.T) (*world, *resetpw.Resetter) {
	t.Helper()
	w := newWorld(t, 3)
	r, err := resetpw.New(&unmovedDates{Fake: w.f, at: time.Now().Add(-24 * time.Hour)})
	require.NoError(t, err)
	time.Sleep(time.Minute)
	w.reset(t, 0, 1, 2)
	time.Sleep(10 * time.Minute)
	w.complete(t, 2)
	time.Sleep(55 * time.Minute)
	_, err = w.f.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &w.pool, Username: aws.String("u0")})
	require.NoError(t, err)
	time.Sleep(5 * time.Minute)
	return w, r
}

// A user surely sent who is CONFIRMED and enabled completed the reset,
// even in a pool that moves UserLastModifiedDate on neither the reset nor
// the completion: its date, older than the send, places it on the curve
// at the code's age when read (the latest it can have completed), never
// makes it changed.
func TestRead_ASurelySentUserConfirmedCompletedWhateverItsDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, r := unmovedWorld(t)
		got := map[string]followup.State{}
		rep, err := followup.Read(t.Context(), r, w.pool, w.history(t).SentAt(), followup.Options{Journal: w.history(t)},
			func(u followup.User) { got[u.Username] = u.State })
		require.NoError(t, err)
		assert.Equal(t, followup.Completed, got["u2"])
		assert.Equal(t, 1, rep.Counts[followup.Completed])
		require.Len(t, rep.ByHour, 2)
		assert.Equal(t, 1, rep.ByHour[1][followup.Completed], "at the code's age when read (70 minutes), not at hour 0")
		assert.Zero(t, rep.ByHour[0][followup.Completed])
	})
}
