package engine

import (
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// FuzzCauseText gives a cause that quotes any value, as Cognito's errors
// quote a trigger's message or its error text: what Error() and the log
// line print doesn't depend on the value, so it can't show it.
func FuzzCauseText(f *testing.F) {
	f.Add("T-83311-private", "trigger")
	f.Add("a' at 'x' failed to satisfy constraint: ' at '", "invalid_input")
	f.Add("line\nbreak {####}", "trigger")
	f.Fuzz(func(t *testing.T, value, kind string) {
		k := ErrInvalidInput
		if kind == "trigger" {
			k = ErrTrigger
		}
		text := func(v string) string {
			e := &Error{Kind: k, Op: OpReset, UserPoolID: "us-west-2_aaaaaaaaa", Username: "ana", Err: &smithy.GenericAPIError{
				Code: "InvalidParameterException",
				Message: "1 validation error detected: Value '" + v + "' at 'emailBody' failed to satisfy constraint: " +
					"Member must satisfy regular expression pattern: .*",
			}}
			return e.CauseText()
		}
		require.Equal(t, text(""), text(value))
	})
}
