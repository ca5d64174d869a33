package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPoolAccountOf(t *testing.T) {
	tests := []struct{ arn, id, account, region string }{
		{"arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc", "us-west-2_abc", "123456789012", "us-west-2"},
		{"arn:aws-us-gov:cognito-idp:us-gov-west-1:210987654321:userpool/us-gov-west-1_x", "us-gov-west-1_x", "210987654321", "us-gov-west-1"},
		{"", "eu-central-1_abc", unknownAccount, "eu-central-1"},
		{"arn:aws:cognito-idp:us-west-2::userpool/x", "us-west-2_x", unknownAccount, "us-west-2"},
		{"arn:aws:iam::123456789012:role/x", "us-west-2_x", unknownAccount, "us-west-2"},
	}
	for _, tt := range tests {
		account, region := poolAccountOf(tt.arn, tt.id)
		assert.Equal(t, []string{tt.account, tt.region}, []string{account, region}, tt.arn)
	}
}

// poolAccountOf always names an account: the ARN's, or unknownAccount.
func FuzzPoolAccountOf(f *testing.F) {
	for _, s := range []string{"arn:aws:cognito-idp:us-west-2:123456789012:userpool/us-west-2_abc", "arn:aws:cognito-idp:r::userpool/x", ":::::", ""} {
		f.Add(s, "us-west-2_abc")
	}
	f.Fuzz(func(t *testing.T, arn, id string) {
		account, region := poolAccountOf(arn, id)
		require.NotEmpty(t, account)
		if account != unknownAccount {
			require.True(t, strings.HasPrefix(arn, "arn:"))
			require.Contains(t, arn, ":cognito-idp:"+region+":"+account+":")
		}
	})
}
