package followup_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// A reset that timed out may never have reached Cognito: its user, still
// CONFIRMED and modified before the send, is marked maybe sent and never
// counted completed; a user whose reset failed and sent nothing is counted
// as never sent a code, in no state; the report and its metrics say so.
func TestRead_MaybeSentAndNeverSent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 4)
		time.Sleep(time.Minute) // u0-u3 last modified a minute before the run
		// u0, u1: the reset timed out and never reached Cognito.
		for i, n := range []string{"u0", "u1"} {
			require.NoError(t, w.journal.Write(journal.Line{Index: i, Username: n, SentAs: n, Status: "sending"}))
			require.NoError(t, w.journal.Write(journal.Line{Index: i, Username: n, Status: "failed", Kind: resetpw.ErrUnavailable.Code(), MaybeSent: true}))
		}
		// u2: refused, nothing sent.
		require.NoError(t, w.journal.Write(journal.Line{Index: 2, Username: "u2", Status: "failed", Kind: resetpw.ErrUserState.Code()}))
		w.reset(t, 3)
		time.Sleep(10 * time.Minute)
		w.complete(t, 3)
		h := w.history(t)
		assert.Equal(t, 1, h.NotSent)
		got := map[string]followup.User{}
		rep, err := followup.Read(t.Context(), w.r, w.pool, h.SentAt(), followup.Options{Journal: h}, func(u followup.User) { got[u.Username] = u })
		require.NoError(t, err)
		for _, n := range []string{"u0", "u1"} {
			assert.True(t, got[n].MaybeSent, n)
			assert.Equal(t, followup.Changed, got[n].State, "%s: CONFIRMED, not modified since: maybe never reset", n)
		}
		assert.Equal(t, followup.Completed, got["u3"].State)
		assert.False(t, got["u3"].MaybeSent)
		assert.NotContains(t, got, "u2")
		assert.Equal(t, 2, rep.MaybeSent)
		assert.Equal(t, 1, rep.NotSent)
		s := rep.String()
		assert.Contains(t, s, "of which         2  maybe sent")
		assert.Contains(t, s, "not_sent          1  (the reset failed and sent nothing")
	})
}

// A run resumed after a crash writes an "unknown" line for a reset the
// crash left in flight; that line's later time does not move the code's
// send, so a user who completed that code stays completed.
func TestRead_AResumedRunsBookkeepingKeepsACompletedUserCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, 1)
		require.NoError(t, w.journal.Write(journal.Line{Index: 0, Username: "u0", SentAs: "u0", Status: "sending"}))
		_, err := w.r.Reset(t.Context(), resetpw.Request{UserPoolID: w.pool, Username: "u0"}) // reached Cognito; then the crash
		require.NoError(t, err)
		require.NoError(t, w.journal.Close())
		time.Sleep(20 * time.Minute)
		w.complete(t, 0)
		time.Sleep(100 * time.Minute)
		sentAt := w.history(t).SentAt()["u0"]
		_, err = followup.Resend(t.Context(), w.r, w.path, w.pool, followup.Options{}, nil)
		require.NoError(t, err)
		h := w.history(t)
		assert.Equal(t, "unknown", h.Status("u0"), "the resumed run recorded the reset in flight")
		assert.Equal(t, sentAt, h.SentAt()["u0"], "the send's time did not move")
		got := map[string]followup.State{}
		_, err = followup.Read(t.Context(), w.r, w.pool, h.SentAt(), followup.Options{Journal: h}, func(u followup.User) { got[u.Username] = u.State })
		require.NoError(t, err)
		assert.Equal(t, followup.Completed, got["u0"])
	})
}
