package resetpw_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/metadata"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const (
	messageARN      = "arn:aws:lambda:us-west-2:123456789012:function:custom-message"
	otherMessageARN = "arn:aws:lambda:us-west-2:123456789012:function:another-message"
)

// ticketCheck is a trigger's check that needs the key "ticket", as a
// custommessage.Handler whose template shows {meta:ticket} does. It records
// what it was given.
type ticketCheck struct {
	mu    sync.Mutex
	calls []map[string]string
}

func (c *ticketCheck) check(md map[string]string) error {
	c.mu.Lock()
	c.calls = append(c.calls, md)
	c.mu.Unlock()
	if _, ok := md["ticket"]; !ok {
		return &metadata.ValidationError{Violations: []metadata.Violation{
			{Key: "ticket", Rule: metadata.RuleKeyMissing, Detail: "the reset message shows it"}}}
	}
	md["ticket"] = "changed by the check" // the check's copy: what is sent stays the caller's
	return nil
}

func (c *ticketCheck) called() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// messagePool returns a Fake whose pool names trigger as its custom message
// Lambda ("" for none), with one user who has a verified email.
func messagePool(t *testing.T, trigger string) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	p := types.UserPoolType{}
	if trigger != "" {
		p.LambdaConfig = &types.LambdaConfigType{CustomMessage: aws.String(trigger)}
	}
	pool := f.AddPool(p)
	_, err := f.AddUser(pool, resetpwtest.User("ana", "email", "ana@example.com", "email_verified", "true"))
	require.NoError(t, err)
	return f, pool
}

func TestWithCustomMessage_ChecksTheTriggerItWasToldAbout(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		trigger   string // the pool's LambdaConfig.CustomMessage
		preflight resetpw.Preflight
		metadata  map[string]string
		refused   bool
		checked   bool
		caveat    string // the message of the custom_message_trigger caveat; "" for none
	}{
		{name: "the trigger's needs met: sent, no caveat", trigger: messageARN, preflight: resetpw.PreflightFull,
			metadata: map[string]string{"ticket": "T-1"}, checked: true},
		{name: "a key the trigger needs missing: refused", trigger: messageARN, preflight: resetpw.PreflightFull,
			metadata: map[string]string{"other": "x"}, refused: true, checked: true},
		{name: "no metadata at all: refused", trigger: messageARN, preflight: resetpw.PreflightFull,
			refused: true, checked: true},
		{name: "the pool check alone checks it too", trigger: messageARN, preflight: resetpw.PreflightPool,
			refused: true, checked: true},
		{name: "no preflight reads no pool, checks nothing", trigger: messageARN, preflight: resetpw.PreflightOff},
		{name: "another trigger: the generic caveat", trigger: otherMessageARN, preflight: resetpw.PreflightFull,
			caveat: "a custom message Lambda that WithCustomMessage does not name builds the message; it can change or break the one with the code"},
		{name: "no trigger: nothing to check", preflight: resetpw.PreflightFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dryRun := range []bool{false, true} {
				f, pool := messagePool(t, tt.trigger)
				var c ticketCheck
				r, err := resetpw.New(f, resetpw.WithPreflight(tt.preflight), resetpw.WithCustomMessage(messageARN, c.check))
				require.NoError(t, err)
				req := resetpw.Request{UserPoolID: pool, Username: "ana", ClientMetadata: tt.metadata}
				do := r.Reset
				if dryRun {
					do = r.Check
				}
				res, err := do(ctx, req)

				wantChecks, wantSent := 0, 0
				if tt.checked {
					wantChecks = 1
				}
				if !dryRun && !tt.refused {
					wantSent = 1
				}
				assert.Equal(t, wantChecks, c.called(), "dry run %v: the check runs once, when the pool names its ARN", dryRun)
				assert.Equal(t, wantSent, f.Calls("AdminResetUserPassword"), "dry run %v", dryRun)
				if tt.refused {
					var e *resetpw.Error
					require.ErrorAs(t, err, &e)
					assert.ErrorIs(t, err, resetpw.ErrInvalidInput)
					assert.ErrorIs(t, err, metadata.ErrInvalid, "the check's error is the cause")
					assert.Equal(t, resetpw.OpValidate, e.Op)
					assert.Equal(t, "ClientMetadata", e.Field)
					assert.Equal(t, "ticket", e.MetadataKey)
					assert.Equal(t, resetpw.FateNotSent, e.Fate)
					assert.Equal(t, http.StatusBadRequest, e.HTTPStatus(), "the caller's request lacks what the trigger needs")
					assert.False(t, resetpw.MaybeSent(err))
					assert.Contains(t, err.Error(), `key "ticket": key_missing`)
					assert.NotContains(t, err.Error(), "ana", "the username is masked")
					assert.Empty(t, f.Deliveries(), "nothing was sent")
					return
				}
				require.NoError(t, err)
				if !dryRun {
					require.Len(t, f.Deliveries(), 1)
					assert.Equal(t, tt.metadata, f.Deliveries()[0].ClientMetadata, "the check's copy is its own")
				}
				var got string
				for _, cv := range res.Caveats {
					if cv.Code == resetpw.CaveatCustomMessage {
						assert.Equal(t, "R14", cv.Rule)
						got = cv.Message
					}
				}
				assert.Equal(t, tt.caveat, got)
			}
		})
	}
}

func TestWithCustomMessage_KeepsTheGenericCaveatWhenNotGiven(t *testing.T) {
	f, pool := messagePool(t, messageARN)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "ana"})
	require.NoError(t, err)
	assert.Contains(t, res.Caveats, resetpw.Caveat{Code: resetpw.CaveatCustomMessage, Rule: "R14",
		Message: "a custom message Lambda builds the message; it can change or break the one with the code"})
}

func TestWithCustomMessage_CheckPoolDropsTheCaveatOfAKnownTrigger(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		trigger string
		caveat  bool
	}{
		{"the trigger it was told about", messageARN, false},
		{"another trigger", otherMessageARN, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := messagePool(t, tt.trigger)
			var c ticketCheck
			r, err := resetpw.New(f, resetpw.WithCustomMessage(messageARN, c.check))
			require.NoError(t, err)
			rep, err := r.CheckPool(ctx, pool)
			require.NoError(t, err)
			assert.True(t, rep.CustomMessage)
			assert.Equal(t, tt.caveat, containsCode(rep.Caveats, resetpw.CaveatCustomMessage))
			assert.Zero(t, c.called(), "CheckPool has no request to check")
		})
	}
}

func containsCode(cs []resetpw.Caveat, code resetpw.CaveatCode) bool {
	for _, c := range cs {
		if c.Code == code {
			return true
		}
	}
	return false
}

func TestWithCustomMessage_OneCheckPerTrigger(t *testing.T) {
	f, pool := messagePool(t, otherMessageARN)
	var first, second ticketCheck
	r, err := resetpw.New(f, resetpw.WithCustomMessage(messageARN, first.check),
		resetpw.WithCustomMessage(otherMessageARN, first.check), resetpw.WithCustomMessage(otherMessageARN, second.check))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "ana", ClientMetadata: map[string]string{"ticket": "T-2"}})
	require.NoError(t, err)
	assert.Zero(t, first.called(), "a later WithCustomMessage for one ARN replaces the earlier")
	assert.Equal(t, 1, second.called())
}

func TestWithCustomMessage_RefusesWhatCanNeverMatch(t *testing.T) {
	check := func(map[string]string) error { return nil }
	tests := []struct {
		name  string
		arn   string
		check func(map[string]string) error
	}{
		{"a function's name, not its ARN", "custom-message", check},
		{"empty", "", check},
		{"no account", "arn:aws:lambda:us-west-2::function:custom-message", check},
		{"a space", "arn:aws:lambda:us-west-2:123456789012:function:custom message", check},
		{"nil check", messageARN, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := resetpw.New(resetpwtest.NewFake(), resetpw.WithCustomMessage(tt.arn, tt.check))
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, resetpw.ErrConfig)
			assert.Contains(t, err.Error(), "WithCustomMessage")
		})
	}
	for _, arn := range []string{messageARN, messageARN + ":prod", "arn:aws-cn:lambda:cn-north-1:123456789012:function:m:7"} {
		_, err := resetpw.New(resetpwtest.NewFake(), resetpw.WithCustomMessage(arn, check))
		assert.NoError(t, err, arn)
	}
}

func TestReset_TriggerFailurePrintsNoClientMetadata(t *testing.T) {
	// Cognito relays a trigger's error text, and quotes a message it
	// refuses: either may hold a ClientMetadata value.
	const secret = "T-83311-private"
	tests := []struct {
		name string
		fn   lambda.Handler
		kind resetpw.Kind
		code string // the exception's code, printed
	}{
		{name: "the trigger's error quotes the value", kind: resetpw.ErrTrigger, code: "UserLambdaValidationException",
			fn: lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
				return ev, errors.New("no template for ticket " + ev.Request.ClientMetadata["ticket"])
			})},
		{name: "a refused message shows the value", kind: resetpw.ErrTrigger, code: "InvalidParameterException",
			fn: lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
				ev.Response.EmailSubject = "Ticket"
				ev.Response.EmailMessage = "Ticket " + ev.Request.ClientMetadata["ticket"] + ": but no code"
				return ev, nil
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := sesMessagePool(t)
			f.SetTrigger(messageARN, tt.fn)
			var logs bytes.Buffer
			r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "ana",
				ClientMetadata: map[string]string{"ticket": secret}})
			require.ErrorIs(t, err, tt.kind)
			assert.Contains(t, err.Error(), tt.code, "the exception is named")
			assert.NotContains(t, err.Error(), secret)
			assert.Contains(t, logs.String(), tt.code)
			assert.NotContains(t, logs.String(), secret)
		})
	}
}

func TestReset_FailedTriggerMayHaveChangedTheUser(t *testing.T) {
	// Whatever way the trigger fails, Cognito may have moved the user to
	// RESET_REQUIRED before invoking it (R57): the error says so, and a
	// retry would spend another attempt.
	answer := func(subject, body string, err error) lambda.Handler {
		return lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
			ev.Response.EmailSubject, ev.Response.EmailMessage = subject, body
			return ev, err
		})
	}
	tests := []struct {
		name string
		fn   lambda.Handler
	}{
		{"the function failed", answer("", "", errors.New("boom"))},
		{"an empty message", answer("Reset", "", nil)},
		{"a message without the code", answer("Reset", "Hello", nil)},
		{"a character Cognito refuses", answer("Reset", "Code\u00a0{####}", nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := sesMessagePool(t)
			f.SetTrigger(messageARN, tt.fn)
			r, err := resetpw.New(f)
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "ana"})
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, resetpw.ErrTrigger, "the trigger's fault, not the caller's input")
			assert.Equal(t, resetpw.OpReset, e.Op)
			assert.True(t, resetpw.MaybeSent(err), "the user's state is unknown")
			assert.Equal(t, http.StatusBadGateway, e.HTTPStatus())
		})
	}
}

// sesMessagePool is messagePool's pool with messageARN as its trigger,
// sending email through SES: a trigger's email message needs it (R54).
func sesMessagePool(t *testing.T) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(messageARN)},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	_, err := f.AddUser(pool, resetpwtest.User("ana", "email", "ana@example.com", "email_verified", "true"))
	require.NoError(t, err)
	return f, pool
}
