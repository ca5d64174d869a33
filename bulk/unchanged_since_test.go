package bulk_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// With Request.OnlyResetRequired, UnchangedSince refuses a user in
// RESET_REQUIRED whose UserLastModifiedDate, read just before the send, is
// later (nothing sent), and lets one through that is not; without it, the
// input is refused as invalid, nothing sent.
func TestRun_UnchangedSinceRefusesAUserModifiedSince(t *testing.T) {
	for name, tc := range map[string]struct {
		since     time.Duration // UnchangedSince, relative to the user's last modification
		anyStatus bool          // OnlyResetRequired left false
		refused   resetpw.Kind
	}{
		"modified after UnchangedSince":                   {since: -time.Minute, refused: resetpw.ErrUserState},
		"modified at UnchangedSince":                      {since: 0},
		"no UnchangedSince":                               {since: -1},
		"UnchangedSince without the RESET_REQUIRED guard": {since: 0, anyStatus: true, refused: resetpw.ErrInvalidInput},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{})
				u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true")
				u.UserStatus = types.UserStatusTypeResetRequired
				modified := time.Now()
				_, err := f.AddUser(pool, u)
				require.NoError(t, err)
				time.Sleep(2 * time.Hour)
				in := bulk.Input{Request: resetpw.Request{UserPoolID: pool, Username: "diego", OnlyResetRequired: !tc.anyStatus}}
				if tc.since != -1 {
					in.UnchangedSince = modified.Add(tc.since)
				}
				r, err := resetpw.New(f)
				require.NoError(t, err)
				var got []bulk.Outcome
				_, err = bulk.Run(t.Context(), r, func(yield func(bulk.Input) bool) { yield(in) }, bulk.Options{}, func(o bulk.Outcome) { got = append(got, o) })
				require.NoError(t, err)
				require.Len(t, got, 1)
				if tc.refused != (resetpw.Kind{}) {
					assert.Equal(t, tc.refused, resetpw.KindOf(got[0].Err))
					assert.False(t, resetpw.MaybeSent(got[0].Err))
					assert.Empty(t, f.Deliveries(), "nothing sent")
					return
				}
				require.NoError(t, got[0].Err)
				assert.Len(t, f.Deliveries(), 1)
			})
		})
	}
}
