package resetpwtest_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// recoveryAPI is what a test of a user's recovery calls: the Fake itself,
// or an SDK client of a Server.
type recoveryAPI interface {
	AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	CreateUserPoolClient(context.Context, *cip.CreateUserPoolClientInput, ...func(*cip.Options)) (*cip.CreateUserPoolClientOutput, error)
	ConfirmForgotPassword(context.Context, *cip.ConfirmForgotPasswordInput, ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error)
}

// The Fake moves a user through a reset's states, on its clock: the code it
// delivered completes the reset within the hour (CONFIRMED), a wrong code
// and an older one don't (the older one, like a spent one, answers
// expired), and past the hour the code is expired and the user stays
// RESET_REQUIRED.
func TestFake_ConfirmForgotPasswordMovesTheUserThroughTheStates(t *testing.T) {
	for name, tc := range map[string][]recoveryStep{
		"completed within the hour": {{reset: true, status: types.UserStatusTypeResetRequired},
			{after: 59 * time.Minute, code: "last", status: types.UserStatusTypeConfirmed}},
		"expired after an hour": {{reset: true, status: types.UserStatusTypeResetRequired},
			{after: time.Hour, code: "last", wantErr: new(*types.ExpiredCodeException), status: types.UserStatusTypeResetRequired}},
		"a wrong code": {{reset: true},
			{after: time.Minute, code: "not-a-code", wantErr: new(*types.CodeMismatchException), status: types.UserStatusTypeResetRequired}},
		"a second code replaces the first": {{reset: true}, {after: 61 * time.Minute, reset: true},
			{after: time.Minute, code: "first", wantErr: new(*types.ExpiredCodeException), status: types.UserStatusTypeResetRequired},
			{code: "last", status: types.UserStatusTypeConfirmed}},
		"a code is spent once used": {{reset: true}, {after: time.Minute, code: "last", status: types.UserStatusTypeConfirmed},
			{code: "last", wantErr: new(*types.ExpiredCodeException), status: types.UserStatusTypeConfirmed}},
	} {
		// Over the Fake, in a synctest bubble: its clock is the bubble's.
		// Over a Server (real sockets, which a bubble can't wait on), on
		// a clock the test sets.
		for _, over := range []string{"fake", "server"} {
			t.Run(name+"/"+over, func(t *testing.T) {
				if over == "fake" {
					synctest.Test(t, func(t *testing.T) {
						f := resetpwtest.NewFake()
						walkRecovery(t, f, f, tc, time.Sleep)
					})
					return
				}
				f := resetpwtest.NewFake()
				now := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
				var mu sync.Mutex
				f.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
				s := resetpwtest.NewServer(f)
				defer s.Close()
				walkRecovery(t, f, s.Client(), tc, func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) })
			})
		}
	}
}

// walkRecovery takes a user of a new pool of f through steps over api,
// advancing the Fake's clock with sleep.
func walkRecovery(t *testing.T, f *resetpwtest.Fake, api recoveryAPI, steps []recoveryStep, sleep func(time.Duration)) {
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	client, err := api.CreateUserPoolClient(t.Context(), &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})
	require.NoError(t, err)
	for i, s := range steps {
		sleep(s.after)
		if s.reset {
			_, err := api.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("diego")})
			require.NoError(t, err, "step %d", i)
		} else {
			code := s.code
			d := f.Deliveries()
			switch code {
			case "last":
				code = d[len(d)-1].Code
			case "first":
				code = d[0].Code
			}
			_, err := api.ConfirmForgotPassword(t.Context(), &cip.ConfirmForgotPasswordInput{ClientId: client.UserPoolClient.ClientId,
				Username: aws.String("diego"), ConfirmationCode: &code, Password: aws.String("N3w-passw0rd!")})
			if s.wantErr != nil {
				require.ErrorAs(t, err, s.wantErr, "step %d", i)
			} else {
				require.NoError(t, err, "step %d", i)
			}
		}
		if s.status != "" {
			u, err := api.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("diego")})
			require.NoError(t, err)
			assert.Equal(t, s.status, u.UserStatus, "step %d", i)
		}
	}
	for _, d := range f.Deliveries() {
		assert.Regexp(t, `^[0-9]{6}$`, d.Code)
	}
}

// recoveryStep is a step of walkRecovery: after a while, send a code or
// use one (the last sent, the first, or a literal), and what follows.
type recoveryStep struct {
	after   time.Duration
	code    string
	reset   bool
	wantErr any
	status  types.UserStatusType
}

// ConfirmForgotPassword finds the pool by its app client, and the user as
// AdminGetUser does.
func TestFake_ConfirmForgotPasswordRefusals(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	client, err := f.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})
	require.NoError(t, err)
	id := client.UserPoolClient.ClientId
	for name, tc := range map[string]struct {
		in   cip.ConfirmForgotPasswordInput
		want any
	}{
		"unknown client": {cip.ConfirmForgotPasswordInput{ClientId: aws.String("nope"), Username: aws.String("diego"),
			ConfirmationCode: aws.String("123456"), Password: aws.String("x")}, new(*types.ResourceNotFoundException)},
		"unknown user": {cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String("maria"),
			ConfirmationCode: aws.String("123456"), Password: aws.String("x")}, new(*types.UserNotFoundException)},
		"no password": {cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String("diego"),
			ConfirmationCode: aws.String("123456")}, new(*types.InvalidParameterException)},
		"never sent a code": {cip.ConfirmForgotPasswordInput{ClientId: id, Username: aws.String("diego"),
			ConfirmationCode: aws.String("123456"), Password: aws.String("x")}, new(*types.CodeMismatchException)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.ConfirmForgotPassword(ctx, &tc.in)
			require.ErrorAs(t, err, tc.want)
		})
	}
	_, err = f.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: aws.String("us-west-2_nope"), ClientName: aws.String("app")})
	require.ErrorAs(t, err, new(*types.ResourceNotFoundException))
}
