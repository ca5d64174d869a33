package engine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// R18: the SMS Region is SnsRegion when set; without it, Tokyo for a Seoul
// pool (SmsConfigurationType.SnsRegion: "must use"), unknown in the five
// other Regions Cognito's SMS settings page once listed as rerouted, and
// the pool's own Region elsewhere.
func TestSMSRegionFollowsCognitosReroutes(t *testing.T) {
	tests := []struct {
		region, snsRegion, want string
	}{
		{"us-west-2", "", "us-west-2"},
		{"eu-west-1", "", "eu-west-1"},
		{"ap-northeast-2", "", "ap-northeast-1"},
		{"ap-northeast-2", "ap-northeast-1", "ap-northeast-1"},
		{"us-east-2", "", ""},
		{"ap-south-1", "", ""},
		{"ca-central-1", "", ""},
		{"eu-central-1", "", ""},
		{"eu-west-2", "", ""},
		{"eu-central-1", "eu-central-1", "eu-central-1"},
		{"us-east-2", "us-east-1", "us-east-1"},
	}
	for _, tt := range tests {
		p := &poolInfo{region: tt.region, snsRegion: tt.snsRegion}
		assert.Equal(t, tt.want, p.smsRegion(), "%s, SnsRegion %q", tt.region, tt.snsRegion)
		if tt.want == "" {
			// Not even a client for the pool's own Region proves it.
			c := wrongSMSRegion(p, tt.region, "SNS", "WithSNS", "R18")
			if assert.NotNil(t, c, tt.region) {
				assert.Contains(t, c.Message, tt.region)
				assert.Contains(t, c.Message, legacySMSRegions[tt.region])
			}
			continue
		}
		c := wrongSMSRegion(p, tt.want, "SNS", "WithSNS", "R18")
		assert.Nil(t, c, "%s: a client for the SMS Region is trusted", tt.region)
	}
	assert.NotNil(t, wrongSMSRegion(&poolInfo{region: "us-west-2"}, "", "SNS", "WithSNS", "R18"), "a client that names no Region")
}
