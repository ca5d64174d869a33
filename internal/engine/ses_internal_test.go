package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSESIdentityOf(t *testing.T) {
	tests := []struct {
		arn                   string
		name, account, region string
		ok                    bool
	}{
		{"arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com", "no-reply@example.com", "123456789012", "us-east-1", true},
		{"arn:aws:ses:eu-west-1:123456789012:identity/example.com", "example.com", "123456789012", "eu-west-1", true},
		{"arn:aws-cn:ses:cn-north-1:123456789012:identity/a:b@example.com", "a:b@example.com", "123456789012", "cn-north-1", true},
		{"arn:aws:ses:us-east-1:123456789012:identity/", "", "", "", false},
		{"arn:aws:sns:us-east-1:123456789012:identity/x", "", "", "", false},
		{"arn:aws:ses:us-east-1:123456789012:configuration-set/x", "", "", "", false},
		{"", "", "", "", false},
		{"no-reply@example.com", "", "", "", false},
	}
	for _, tt := range tests {
		name, account, region, ok := sesIdentityOf(tt.arn)
		assert.Equal(t, tt.ok, ok, tt.arn)
		assert.Equal(t, []string{tt.name, tt.account, tt.region}, []string{name, account, region}, tt.arn)
	}
}

// sesIdentityOf reads back what it is given in its own form, and never
// names an empty identity.
func FuzzSESIdentityOf(f *testing.F) {
	for _, s := range []string{"arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com", "arn:aws:ses:::identity/x",
		"arn:aws:ses:us-east-1:1:identity/", "arn::ses:r:a:identity/a:b", "::::::", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		name, account, region, ok := sesIdentityOf(arn)
		if !ok {
			require.Empty(t, name+account+region)
			return
		}
		require.NotEmpty(t, name)
		require.True(t, strings.HasSuffix(arn, ":identity/"+name))
		n2, a2, r2, ok2 := sesIdentityOf("arn:aws:ses:" + region + ":" + account + ":identity/" + name)
		require.True(t, ok2)
		require.Equal(t, []string{name, account, region}, []string{n2, a2, r2})
	})
}
