package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// --resume after, or with, --preflight pool or off (which send the input as
// given, not the user's own username) still sends nobody a second code
// under another spelling: an email, or another case in a case-insensitive
// pool.
func TestResumeUnderPreflightPoolOrOff_NoSecondCodeUnderAnotherSpelling(t *testing.T) {
	insensitive := func(t *testing.T) *resetpwtest.Fake {
		f := resetpwtest.NewFake()
		f.AddPool(types.UserPoolType{Id: aws.String(pool), AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail},
			UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)},
			EmailConfiguration:    &types.EmailConfigurationType{EmailSendingAccount: "DEVELOPER"}})
		_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		require.NoError(t, err)
		return f
	}
	for _, first := range []string{"full", "pool", "off"} {
		for _, then := range []string{"full", "pool", "off"} {
			for _, c := range [][2]string{{"diego", "diego@example.com"}, {"diego@example.com", "diego"}, {"diego", "DIEGO"}, {"DIEGO@example.com", "Diego"}} {
				t.Run(first+"-then-"+then+"/"+c[0]+"-then-"+c[1], func(t *testing.T) {
					f := insensitive(t)
					out := filepath.Join(t.TempDir(), "j.jsonl")
					require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--preflight", first},
						strings.NewReader(c[0]+"\n"), io.Discard, io.Discard, f))
					require.Equal(t, 1, deliveriesTo(f, "diego"))
					b, err := os.ReadFile(out)
					require.NoError(t, err)
					assert.Contains(t, string(b), `"preflight":"`+first+`"`, "the run line says its preflight")
					var stderr strings.Builder
					require.NoError(t, runWith(context.Background(), []string{"--user-pool-id", pool, "--out", out, "--preflight", then, "--resume"},
						strings.NewReader(c[1]+"\nmaria\n"), io.Discard, &stderr, f))
					assert.Equal(t, 1, deliveriesTo(f, "diego"), "no second code: %s", stderr.String())
				})
			}
		}
	}
}
