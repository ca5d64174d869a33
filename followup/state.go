package followup

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// State is where a user's recovery stands: one of the five constants.
type State string

// The states of a user's recovery (the package comment says what each rests
// on).
const (
	Pending   State = "pending"
	Expired   State = "expired"
	Completed State = "completed"
	Changed   State = "changed"
	NoRecord  State = "no_record"
)

// states are the States in the order a report prints them: the closed set
// of the gauge's label.
var states = [...]State{Completed, Pending, Expired, Changed, NoRecord}

// CodeValidity is how long a reset's code can be used: one hour (R63).
const CodeValidity = time.Hour

// skew is how far before its recorded send a user's UserLastModifiedDate
// may be and still count as a completion: the send time recorded is the
// latest the code can have gone out, and Cognito's clock is not ours
// (R66: assumed).
const skew = 5 * time.Minute

// User is one user's recovery: its username, State, the send on record
// (zero for NoRecord) and what Cognito says of it now.
type User struct {
	Username string
	State    State
	SentAt   time.Time
	Status   types.UserStatusType // "" when no sweep listed the user
	Modified time.Time            // UserLastModifiedDate, zero when not listed
}

// classify is the State of a user the sweeps listed as u, sent at sent
// (ok false: no record), at now.
func classify(u types.UserType, sent time.Time, ok bool, now time.Time) State {
	modified := aws.ToTime(u.UserLastModifiedDate)
	switch {
	case u.UserStatus == types.UserStatusTypeResetRequired && (!ok || sent.IsZero()):
		return NoRecord
	case !u.Enabled:
		return Changed
	case u.UserStatus == types.UserStatusTypeResetRequired && now.Sub(sent) < CodeValidity:
		return Pending
	case u.UserStatus == types.UserStatusTypeResetRequired:
		return Expired
	case u.UserStatus == types.UserStatusTypeConfirmed && !sent.IsZero() && !modified.Before(sent.Add(-skew)):
		return Completed
	}
	return Changed
}
