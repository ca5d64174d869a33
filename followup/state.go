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

// skew is the margin for clocks that disagree (R66: assumed): how long
// past its hour a code is still called Pending (the journal may have been
// written on another machine, whose clock runs behind this one's).
const skew = 5 * time.Minute

// User is one user's recovery: its username, State, the send on record
// (zero for NoRecord) and what Cognito says of it now.
type User struct {
	Username string
	State    State
	SentAt   time.Time
	Status   types.UserStatusType // "" when Cognito no longer has the user
	Modified time.Time            // UserLastModifiedDate, zero when not found
	// CodeSince is when the hour of the user's newest code began, for a
	// user in RESET_REQUIRED with a send on record: SentAt, or Modified
	// when it is later (someone reset the user again since, or changed
	// it: the newest code may be younger than ours, so its hour is
	// counted from the later time, R66).
	CodeSince time.Time
	// MaybeSent says the send on record may never have reached Cognito
	// (a timeout, or a crash in flight: Options.Journal's "unknown"): a
	// user CONFIRMED and not modified since may never have been reset.
	MaybeSent bool
}

// codeSince is when the hour of the newest code of a user in
// RESET_REQUIRED, sent a code at sent and last modified at modified,
// began: the later of the two. A user reset again by someone else (or
// changed) after our send may hold a younger code than ours, and is
// called expired late, never early (R66).
func codeSince(sent, modified time.Time) time.Time {
	if modified.After(sent) {
		return modified
	}
	return sent
}

// classify is the State of a user read as u, sent at sent (ok false: no
// record; maybe: the send may never have reached Cognito), at now. A code
// is Expired only skew past its hour (R66). A user surely sent who is
// CONFIRMED and enabled is Completed whatever its UserLastModifiedDate
// (the reset moved it to RESET_REQUIRED after the send: it left that
// status since); a user maybe sent is Completed only when modified after
// the send's bound, since a user never reset is CONFIRMED too.
func classify(u types.UserType, sent time.Time, ok, maybe bool, now time.Time) State {
	modified := aws.ToTime(u.UserLastModifiedDate)
	switch {
	case u.UserStatus == types.UserStatusTypeResetRequired && (!ok || sent.IsZero()):
		return NoRecord
	case !u.Enabled:
		return Changed
	case u.UserStatus == types.UserStatusTypeResetRequired && now.Sub(codeSince(sent, modified)) < CodeValidity+skew:
		return Pending
	case u.UserStatus == types.UserStatusTypeResetRequired:
		return Expired
	case u.UserStatus == types.UserStatusTypeConfirmed && maybe && ok && !sent.IsZero():
		if modified.After(sent) {
			return Completed
		}
	case u.UserStatus == types.UserStatusTypeConfirmed && ok && !sent.IsZero():
		// Surely sent: the reset put the user in RESET_REQUIRED after
		// the send (R63), so CONFIRMED now means it left that status
		// since, whatever UserLastModifiedDate says (a pool may not move
		// it on a reset or a completion: R66).
		return Completed
	}
	return Changed
}
