package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// R68: a pool whose ARN names another Region than its ID is a secondary
// replica whose primary is the ID's Region; anything unreadable is taken
// for a primary.
func TestReplicaPrimary_FromTheIDAndTheARN(t *testing.T) {
	for _, tc := range []struct{ id, arn, want string }{
		{"us-east-1_abc", "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-east-1_abc", "us-east-1"},
		{"us-gov-west-1_abc", "arn:aws-us-gov:cognito-idp:us-gov-east-1:1:userpool/us-gov-west-1_abc", "us-gov-west-1"},
		{"us-west-2_abc", "arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc", ""},
		{"us-west-2_abc", "arn:aws:cognito-idp:US-WEST-2:1:userpool/us-west-2_abc", ""},
		{"us-west-2_abc", "", ""},
		{"pool", "arn:aws:cognito-idp:us-west-2:1:userpool/pool", ""},
		{"Local_abc", "arn:aws:cognito-idp:us-west-2:1:userpool/Local_abc", ""},
		{"us-east-1_abc", "arn:aws:ses:us-west-2:1:identity/x", ""},
		{"us-east-1_abc", "arn:aws:cognito-idp:local:1:userpool/us-east-1_abc", ""},
	} {
		assert.Equal(t, tc.want, replicaPrimary(tc.id, tc.arn), "%s %s", tc.id, tc.arn)
	}
}
