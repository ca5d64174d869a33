package resetpw_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// kindNames names every kind as the README does.
var kindNames = map[string]resetpw.Kind{
	"ErrInvalidInput": resetpw.ErrInvalidInput, "ErrConfig": resetpw.ErrConfig, "ErrPoolNotFound": resetpw.ErrPoolNotFound,
	"ErrUserNotFound": resetpw.ErrUserNotFound, "ErrAmbiguousAlias": resetpw.ErrAmbiguousAlias,
	"ErrUserDisabled": resetpw.ErrUserDisabled, "ErrUserState": resetpw.ErrUserState,
	"ErrRecoveryNotConfigured": resetpw.ErrRecoveryNotConfigured, "ErrNoVerifiedContact": resetpw.ErrNoVerifiedContact,
	"ErrSMSSandbox": resetpw.ErrSMSSandbox, "ErrSESSandbox": resetpw.ErrSESSandbox, "ErrDeliveryConfig": resetpw.ErrDeliveryConfig, "ErrTrigger": resetpw.ErrTrigger,
	"ErrThrottled": resetpw.ErrThrottled, "ErrAttemptLimit": resetpw.ErrAttemptLimit, "ErrAccessDenied": resetpw.ErrAccessDenied,
	"ErrUnavailable": resetpw.ErrUnavailable, "ErrNotEnabled": resetpw.ErrNotEnabled, "ErrRunStopped": resetpw.ErrRunStopped,
}

// The README's error table must say what the code does: one row per kind,
// its code, its HTTP status, whether a code may have gone out, and every SDK
// exception (with its message, where one is quoted) classified as that kind.
func TestREADMEErrorTable(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `(Err\\w+)` \\| `(\\w+)` \\| (\\d+) \\| ([^|]+) \\| ([^|]+) \\|")
	exception := regexp.MustCompile("`(\\w+Exception)`(?:: \"([^\"]+)\")?")
	seen := map[resetpw.Kind]bool{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		name, code, status, sent, cause := m[1], m[2], m[3], strings.TrimSpace(m[4]), m[5]
		k, ok := kindNames[name]
		require.True(t, ok, "the README names an unknown kind %s", name)
		seen[k] = true
		assert.Equal(t, k.Code(), code, name)
		assert.Equal(t, strconv.Itoa(k.HTTPStatus()), status, name)
		for _, fate := range []resetpw.Fate{"", resetpw.FateAnswered} {
			assert.Equal(t, sent != "no", resetpw.MaybeSent(&resetpw.Error{Kind: k, Op: resetpw.OpReset, Fate: fate}), "%s, fate %q: %q", name, fate, sent)
		}
		if sent != "no" {
			assert.Contains(t, sent, "`not_sent`", "%s: the column says which fate sent nothing", name)
		}
		assert.False(t, resetpw.MaybeSent(&resetpw.Error{Kind: k, Op: resetpw.OpReset, Fate: resetpw.FateNotSent}), name)
		assert.True(t, resetpw.MaybeSent(&resetpw.Error{Kind: k, Op: resetpw.OpReset, Fate: resetpw.FateUnknown}), name)
		for _, e := range exception.FindAllStringSubmatch(cause, -1) {
			msg := strings.TrimSuffix(e[2], "...")
			got := resetpw.KindOf(&smithy.GenericAPIError{Code: e[1], Message: msg})
			assert.Equal(t, k, got, "%s: %s %q is classified as %v", name, e[1], msg, got)
		}
	}
	for _, k := range resetpw.Kinds() {
		assert.True(t, seen[k], "the README's table has no row for %v", k)
	}
	assert.Len(t, kindNames, len(resetpw.Kinds()))
}

func TestMaybeSent(t *testing.T) {
	for _, k := range resetpw.Kinds() {
		for _, op := range []resetpw.Op{resetpw.OpValidate, resetpw.OpPreflight, resetpw.OpResolve} {
			assert.False(t, resetpw.MaybeSent(&resetpw.Error{Kind: k, Op: op}), "%v before the reset was sent", k)
		}
	}
	for _, f := range []resetpw.Fate{resetpw.FateNotSent, resetpw.FateAnswered, resetpw.FateUnknown} {
		assert.False(t, resetpw.MaybeSent(&resetpw.Error{Kind: resetpw.ErrUnavailable, Op: resetpw.OpPreflight, Fate: f}),
			"fate %s of a read says nothing about a code", f)
	}
	assert.False(t, resetpw.MaybeSent(nil))
	assert.False(t, resetpw.MaybeSent(resetpw.ErrUnavailable), "a bare kind is no failed reset")
}
