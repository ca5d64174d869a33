package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/examples/internal/e2e"
	"github.com/cognitoreset/cognitoreset/examples/internal/lambdaapi"
)

// TestAnswersCognitoThroughTheRuntimeAPI runs the built program as Lambda
// does, against the runtime API emulated on loopback, with the event of
// the AWS developer guide (custommessage/testdata in the library).
func TestAnswersCognitoThroughTheRuntimeAPI(t *testing.T) {
	api, err := lambdaapi.Start()
	require.NoError(t, err)
	t.Cleanup(func() { api.Close() })
	ev, err := os.ReadFile("../../custommessage/testdata/forgot-password.json")
	require.NoError(t, err)
	api.Queue(ev)

	cmd := e2e.Command(e2e.Build(t, "."))
	cmd.Env = append(cmd.Env, "AWS_LAMBDA_RUNTIME_API="+api.Addr, "RESET_URL=https://app.example.com/reset")
	e2e.Start(t, cmd)

	select {
	case a := <-api.Answers:
		require.False(t, a.Error, "%s", a.Body)
		var out events.CognitoEventUserPoolsCustomMessage
		require.NoError(t, json.Unmarshal(a.Body, &out))
		assert.Equal(t, "Reset your password: https://app.example.com/reset#code={####}&username=test-user", out.Response.SMSMessage)
		assert.Contains(t, out.Response.EmailMessage, `<a href="https://app.example.com/reset#code={####}&amp;username=test-user">`)
	case <-time.After(time.Minute):
		t.Fatal("no answer from the function")
	}
}

func TestRefusesToStartWithoutAResetURL(t *testing.T) {
	api, err := lambdaapi.Start()
	require.NoError(t, err)
	t.Cleanup(func() { api.Close() })
	cmd := e2e.Command(e2e.Build(t, "."))
	cmd.Env = append(cmd.Env, "AWS_LAMBDA_RUNTIME_API="+api.Addr)
	_, stderr, code := e2e.Run(t, cmd)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "ResetURL")
}
