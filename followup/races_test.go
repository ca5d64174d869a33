package followup_test

import (
	"context"
	"strings"
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

// betweenSweeps is a Fake whose RESET_REQUIRED sweep is answered only
// after the CONFIRMED sweep's page, with between run in the meantime: a
// user's status moves between the two sweeps' pages.
type betweenSweeps struct {
	*resetpwtest.Fake
	confirmed chan struct{}
	between   func()
}

func (b *betweenSweeps) ListUsers(ctx context.Context, in *cip.ListUsersInput, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	if strings.Contains(aws.ToString(in.Filter), "CONFIRMED") {
		out, err := b.Fake.ListUsers(ctx, in, o...)
		close(b.confirmed)
		return out, err
	}
	<-b.confirmed
	b.between()
	return b.Fake.ListUsers(ctx, in, o...)
}

// A user whose status moves between the two sweeps is reported once, by
// what Cognito says of it: one who completed is listed by neither sweep and
// read with AdminGetUser (completed, not changed); one completed and then
// reset again by someone else is listed by both and counted once.
func TestRead_AUserWhoseStatusMovesDuringTheReadCountsOnce(t *testing.T) {
	for name, tc := range map[string]struct {
		between func(w *world)
		want    followup.State
		reads   int
	}{
		"completes during the read": {func(w *world) { w.complete(t, 0) }, followup.Completed, 1},
		"reset again during the read": {func(w *world) {
			_, err := w.f.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &w.pool, Username: aws.String("u0")})
			require.NoError(t, err)
		}, followup.Pending, 0},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, 2)
				w.reset(t, 0, 1)
				time.Sleep(10 * time.Minute)
				if tc.want == followup.Pending {
					w.complete(t, 0) // CONFIRMED when the CONFIRMED sweep lists it
				}
				b := &betweenSweeps{Fake: w.f, confirmed: make(chan struct{}), between: func() { tc.between(w) }}
				r, err := resetpw.New(b)
				require.NoError(t, err)
				calls := map[string]int{}
				got := map[string]followup.State{}
				rep, err := followup.Read(t.Context(), r, w.pool, w.history(t).SentAt(), followup.Options{}, func(u followup.User) {
					calls[u.Username]++
					got[u.Username] = u.State
				})
				require.NoError(t, err)
				assert.Equal(t, map[string]int{"u0": 1, "u1": 1}, calls, "each user once")
				if tc.want == followup.Completed {
					assert.Equal(t, followup.Completed, got["u0"])
				} else {
					assert.Contains(t, []followup.State{followup.Completed, followup.Pending}, got["u0"], "as first listed, never no_record")
				}
				assert.Equal(t, 2, rep.Counts[followup.Completed]+rep.Counts[followup.Pending], "%v", rep.Counts)
				assert.Zero(t, rep.Counts[followup.NoRecord])
				assert.Equal(t, tc.reads, rep.Reads)
			})
		})
	}
}
