package resetpw_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// stringerCase is a typed constant and the code it must print.
type stringerCase struct {
	v    any
	want string
}

// assertCodes checks that each constant prints its code in fmt (its value:
// no type has a String that returns itself), and that no two share one.
func assertCodes(t *testing.T, cases []stringerCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		assert.Equal(t, c.want, fmt.Sprint(c.v))
		assert.Equal(t, "["+c.want+"]", fmt.Sprintf("[%s]", c.v))
		assert.False(t, seen[c.want], "%s twice", c.want)
		seen[c.want] = true
	}
}

func TestMedium_Codes(t *testing.T) {
	assertCodes(t, []stringerCase{{resetpw.MediumEmail, "EMAIL"}, {resetpw.MediumSMS, "SMS"}})
}

func TestSender_Codes(t *testing.T) {
	assertCodes(t, []stringerCase{
		{resetpw.SenderSNS, "SNS"}, {resetpw.SenderSES, "SES"},
		{resetpw.SenderCognitoDefault, "COGNITO_DEFAULT"}, {resetpw.SenderLambda, "LAMBDA"},
	})
}
