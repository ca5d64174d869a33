package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// A second run on a journal another run still holds (an operator who
// resumes in another terminal a run that looks stuck) is refused: it would
// read the journal while the first run still sends, and send the users the
// first had not reached yet a second time.
func TestJournalInUseByAnotherRunRefused(t *testing.T) {
	f := diegoWorld(t)
	f.DelayAnswers(300 * time.Millisecond)
	out := filepath.Join(t.TempDir(), "j.jsonl")
	args := []string{"--user-pool-id", pool, "--out", out, "--concurrency", "1"}
	first := make(chan error, 1)
	go func() {
		first <- runWith(context.Background(), args, strings.NewReader("diego\nmaria\n"), io.Discard, io.Discard, f)
	}()
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), `"status":"sending"`)
	}, 10*time.Second, 5*time.Millisecond, "the first run is sending")
	err := runWith(context.Background(), append(args, "--resume"), strings.NewReader("diego\nmaria\n"), io.Discard, io.Discard, f)
	require.Error(t, err, "the journal is in use")
	assert.Contains(t, err.Error(), "in use by another run")
	require.NoError(t, <-first)
	assert.Equal(t, 1, deliveriesTo(f, "diego"))
	assert.Equal(t, 1, deliveriesTo(f, "maria"), "maria got one code")
	// Once the first run has ended, the journal can be resumed.
	require.NoError(t, runWith(context.Background(), append(args, "--resume"), strings.NewReader("diego\nmaria\n"), io.Discard, io.Discard, f))
	assert.Equal(t, 1, deliveriesTo(f, "maria"))
}

// A CSV without its header row: the error names the columns it found
// without showing the first user's email or phone number.
func TestCSVWithoutHeaderErrorMasksTheFirstRow(t *testing.T) {
	f := diegoWorld(t)
	err := runWith(context.Background(), []string{"--user-pool-id", pool, "--csv-column", "email"},
		strings.NewReader("diego@example.com,+12065550100,diego\nmaria@example.com,+12065550101,maria\n"), io.Discard, io.Discard, f)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "diego@example.com")
	assert.NotContains(t, err.Error(), "2065550100")
	assert.Contains(t, err.Error(), "add a header row")
	assert.Zero(t, deliveriesTo(f, "diego"))
}
