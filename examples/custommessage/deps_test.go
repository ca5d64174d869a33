package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLinksNoCognitoClient lists the program's packages: a custom message
// trigger answers Cognito and calls nothing, so no AWS API client, no
// OpenTelemetry and no package of the library but custommessage and
// metadata (the type of CheckMetadata's error, on the standard library
// alone) is linked.
func TestLinksNoCognitoClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	for _, d := range deps {
		assert.NotContains(t, d, "aws-sdk-go-v2", "an AWS SDK package is linked")
		assert.NotContains(t, d, "opentelemetry")
		if strings.HasPrefix(d, "github.com/cognitoreset/cognitoreset/") {
			assert.Contains(t, []string{"github.com/cognitoreset/cognitoreset/custommessage", "github.com/cognitoreset/cognitoreset/metadata",
				"github.com/cognitoreset/cognitoreset/examples/custommessage"}, d)
		}
	}
	assert.Contains(t, deps, "github.com/aws/aws-lambda-go/lambda")
}
