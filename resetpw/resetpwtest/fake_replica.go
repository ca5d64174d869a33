package resetpwtest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A Fake serves pools of any Region, as one Region's endpoint serves its
// own (us-west-2 for the pools it names itself). A pool is a secondary
// replica when its ARN names another Region than its ID: replicas share
// the pool's ID, whose prefix names the primary's Region, and each has its
// own ARN in its own Region (R68). This is how the library tells one
// (CheckPool's Replica), so the two agree. A pool added with no ARN gets
// one in its ID's Region, or the Fake's: a primary. To add a secondary
// replica, give it its ARN in its own Region, such as
// arn:aws:cognito-idp:us-west-2:…:userpool/us-east-1_… for the us-west-2
// replica of a pool whose primary is in us-east-1.
//
// A secondary replica takes no password resets, creates no users and
// changes none ("Secondary user pools can't create users"; users "can't
// reset passwords or modify their profiles"; the primary is "the
// authoritative source for ... user directory write operations", R68): the
// Fake answers AdminResetUserPassword, AdminCreateUser and every
// AdminSetUserPassword, AdminUserGlobalSignOut, AdminUpdateUserAttributes,
// AdminEnableUser, AdminDisableUser and AdminSetUserMFAPreference with
// OperationNotEnabledException, documented for "operations that are not
// supported in secondary replica regions" (R22). Reads are served.

// replicaPrimaryOf returns the Region of the primary of a pool whose ARN
// names another Region than its ID, or "".
func replicaPrimaryOf(id, arn string) string {
	home := regionOfID(id)
	parts := strings.SplitN(arn, ":", 6)
	if home == "" || len(parts) != 6 || !strings.Contains(parts[3], "-") || strings.EqualFold(parts[3], home) {
		return ""
	}
	return home
}

// regionOfID is the Region an ID names before its "_", or "".
func regionOfID(id string) string {
	home, _, ok := strings.Cut(id, "_")
	if !ok || !strings.Contains(home, "-") {
		return ""
	}
	return home
}

// refuseOnReplica answers a write to a secondary replica (R68).
func (p *fakePool) refuseOnReplica() error {
	if p.primary == "" {
		return nil
	}
	return &types.OperationNotEnabledException{Message: aws.String(
		"This operation is not supported in a secondary replica region. Send it to the primary user pool in " + p.primary + ".")}
}

// lookupToWrite is lookup for a write: a secondary replica refuses it
// before it looks the user up.
func (f *Fake) lookupToWrite(poolID, name string) (*fakePool, *fakeUser, error) {
	if p, ok := f.pools[poolID]; ok {
		if err := p.refuseOnReplica(); err != nil {
			return nil, nil, err
		}
	}
	return f.lookup(poolID, name)
}
