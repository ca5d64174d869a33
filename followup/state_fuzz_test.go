package followup

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
)

// classify never calls a code pending past its hour and the clocks'
// margin, or expired within it, counted from the later of the send and the
// user's last modification (a newer code from someone else), never a user
// completed unless CONFIRMED and enabled, and sends nobody to
// Expired who is not RESET_REQUIRED and enabled with a send on record.
func FuzzClassify(f *testing.F) {
	f.Add("RESET_REQUIRED", true, true, int64(10*time.Minute), int64(10*time.Minute))
	f.Add("RESET_REQUIRED", true, true, int64(61*time.Minute), int64(61*time.Minute))
	f.Add("CONFIRMED", true, true, int64(90*time.Minute), int64(60*time.Minute))
	f.Add("CONFIRMED", true, true, int64(90*time.Minute), int64(2*time.Hour))
	f.Add("FORCE_CHANGE_PASSWORD", true, true, int64(time.Hour), int64(time.Hour))
	f.Add("RESET_REQUIRED", false, true, int64(2*time.Hour), int64(time.Hour))
	f.Add("RESET_REQUIRED", true, true, int64(70*time.Minute), int64(5*time.Minute))
	f.Add("reset_required", true, false, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, status string, enabled, recorded bool, sentAgo, modifiedAgo int64) {
		maybe := sentAgo%2 == 0 // a send that may never have reached Cognito
		now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
		sent := now.Add(-time.Duration(sentAgo))
		if !recorded {
			sent = time.Time{}
		}
		modified := now.Add(-time.Duration(modifiedAgo))
		u := types.UserType{UserStatus: types.UserStatusType(status), Enabled: enabled, UserLastModifiedDate: &modified}
		st := classify(u, sent, recorded, maybe, now)
		assert.Contains(t, states, st)
		rr := u.UserStatus == types.UserStatusTypeResetRequired
		switch st {
		case Pending:
			assert.True(t, rr && enabled && (now.Sub(sent) < CodeValidity+skew || now.Sub(modified) < CodeValidity+skew))
		case Expired:
			assert.True(t, rr && enabled && recorded && !sent.IsZero() && now.Sub(sent) >= CodeValidity)
			assert.True(t, now.Sub(sent) >= CodeValidity+skew && now.Sub(modified) >= CodeValidity+skew, "never early")
		case Completed:
			assert.True(t, u.UserStatus == types.UserStatusTypeConfirmed && enabled && recorded)
			assert.True(t, !maybe || modified.After(sent), "a user maybe sent completed only after the send")
		case NoRecord:
			assert.True(t, rr && (!recorded || sent.IsZero()))
		}
	})
}
