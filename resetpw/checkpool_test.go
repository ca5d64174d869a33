package resetpw_test

import (
	"testing"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

func TestSandboxState_String(t *testing.T) {
	assertCodes(t, []stringerCase{
		{resetpw.SandboxIn, "IN_SANDBOX"}, {resetpw.SandboxOut, "OUT_OF_SANDBOX"},
		{resetpw.SandboxUnknown, "UNKNOWN"}, {resetpw.SandboxNotUsed, "NOT_USED"},
	})
}

func TestSESState_String(t *testing.T) {
	assertCodes(t, []stringerCase{
		{resetpw.SESProduction, "PRODUCTION"}, {resetpw.SESSandbox, "SANDBOX"}, {resetpw.SESPaused, "PAUSED"},
		{resetpw.SESUnknown, "UNKNOWN"}, {resetpw.SESNotUsed, "NOT_USED"},
	})
}
