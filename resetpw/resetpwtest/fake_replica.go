package resetpwtest

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A Fake is one Region's Cognito endpoint (us-west-2). A pool added with
// an ID that names another Region is a secondary replica of a multi-Region
// pool whose primary is in that Region: replicas share the pool's ID, and
// each has its own ARN in its own Region (R68). The Fake gives it an ARN in
// the Fake's Region, as that Region's DescribeUserPool would.
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

// replicaPrimaryOf returns the Region of the primary of a pool whose ID
// names another Region than the Fake's, or "".
func (f *Fake) replicaPrimaryOf(id string) string {
	home, _, ok := strings.Cut(id, "_")
	if !ok || home == f.region || !strings.Contains(home, "-") {
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
