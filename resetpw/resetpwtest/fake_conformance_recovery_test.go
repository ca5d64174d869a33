package resetpwtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// recoveryTarget is a conformance target with, for the Fake and the
// Server, the Fake behind it: the facts Cognito keeps to itself (the
// invitations sent, the temporary password) are read there.
type recoveryTarget struct {
	name string
	api  func(t *testing.T) (cognito, *resetpwtest.Fake)
	moto bool
}

func recoveryTargets() []recoveryTarget {
	return []recoveryTarget{
		{name: "fake", api: func(t *testing.T) (cognito, *resetpwtest.Fake) { f := resetpwtest.NewFake(); return f, f }},
		{name: "server", api: func(t *testing.T) (cognito, *resetpwtest.Fake) {
			f := resetpwtest.NewFake()
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			return srv.Client(), f
		}},
		{name: "moto", moto: true, api: func(t *testing.T) (cognito, *resetpwtest.Fake) { return moto.Client(t), nil }},
	}
}

// The scenarios of inviting again (AdminCreateUser with RESEND, R38 to
// R40) over the conformance world: want is the error type expected, status
// the user's status after the call, and invitations the invitations the
// Fake records.
var inviteScenarios = []struct {
	name, pool, user string
	temp             string
	want             any
	status           types.UserStatusType
	invitations      int
	motoDiffers      string
}{
	{name: "invites a user in FORCE_CHANGE_PASSWORD", pool: "plain", user: "temp", status: "FORCE_CHANGE_PASSWORD", invitations: 1,
		motoDiffers: "moto replaces the user on RESEND: a new sub, and only the attributes of the request"},
	{name: "refuses a confirmed user", pool: "plain", user: "diego", want: new(*types.UnsupportedUserStateException), status: "CONFIRMED",
		motoDiffers: "moto invites any existing user again and puts it back in FORCE_CHANGE_PASSWORD"},
	{name: "refuses a disabled confirmed user", pool: "plain", user: "frank", want: new(*types.UnsupportedUserStateException), status: "CONFIRMED",
		motoDiffers: "moto invites any existing user again and puts it back in FORCE_CHANGE_PASSWORD"},
	{name: "checks the temporary password given", pool: "plain", user: "temp", temp: "weak", want: new(*types.InvalidPasswordException), status: "FORCE_CHANGE_PASSWORD",
		motoDiffers: "moto does not check a TemporaryPassword against the password policy"},
	{name: "unknown user", pool: "plain", user: "ghost", want: new(*types.UserNotFoundException)},
	{name: "unknown pool", pool: "missing", user: "temp", want: new(*types.ResourceNotFoundException)},
}

// TestConformance_InviteAgain runs inviteScenarios on the Fake, the Server
// through the real SDK client, and moto_server.
func TestConformance_InviteAgain(t *testing.T) {
	for _, target := range recoveryTargets() {
		t.Run(target.name, func(t *testing.T) {
			c, fake := target.api(t)
			pools, subs := setUpWorld(t, c)
			for _, sc := range inviteScenarios {
				t.Run(sc.name, func(t *testing.T) {
					if target.moto && sc.motoDiffers != "" {
						t.Skipf("moto differs from Cognito here: %s; the fake and the server assert Cognito's behaviour", sc.motoDiffers)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					pool := pools[sc.pool]
					var before int
					if fake != nil {
						before = len(fake.Deliveries())
					}
					in := &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String(sc.user), MessageAction: types.MessageActionTypeResend,
						DesiredDeliveryMediums: []types.DeliveryMediumType{types.DeliveryMediumTypeEmail}}
					if sc.temp != "" {
						in.TemporaryPassword = aws.String(sc.temp)
					}
					out, err := c.AdminCreateUser(ctx, in)
					if sc.want != nil {
						require.ErrorAs(t, err, sc.want)
					} else {
						require.NoError(t, err)
						assert.Equal(t, sc.user, aws.ToString(out.User.Username))
					}
					if sc.status == "" {
						return
					}
					got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(sc.user)})
					require.NoError(t, err)
					assert.Equal(t, sc.status, got.UserStatus)
					attrs := map[string]string{}
					for _, a := range got.UserAttributes {
						attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
					}
					assert.Equal(t, subs[sc.user], attrs["sub"], "the same user")
					assert.Equal(t, sc.user+"@example.com", attrs["email"], "its attributes kept")
					if fake != nil {
						sent := fake.Deliveries()[before:]
						require.Len(t, sent, sc.invitations)
						for _, d := range sent {
							assert.True(t, d.Invitation)
							assert.Equal(t, sc.user+"@example.com", d.Destination)
						}
					}
				})
			}
		})
	}
}

// The scenarios of a temporary password (AdminSetUserPassword with
// Permanent false, R41 to R44).
var temporaryPasswordScenarios = []struct {
	name, pool, user, password string
	permanent                  bool
	want                       any
	status                     types.UserStatusType
	validity                   int // days, for the Fake's record
	motoDiffers                string
}{
	// Refusals first: they change nothing, so the scenarios after them
	// find the world as set up.
	{name: "the default policy wants an uppercase letter", pool: "plain", user: "diego", password: "temp-passw0rd!", want: new(*types.InvalidPasswordException), status: "CONFIRMED"},
	{name: "the default policy wants a symbol", pool: "plain", user: "diego", password: "TempPassw0rd", want: new(*types.InvalidPasswordException), status: "CONFIRMED"},
	{name: "the pool's policy: its length", pool: "policy", user: "policy.user", password: "Short1aB", want: new(*types.InvalidPasswordException), status: "CONFIRMED"},
	{name: "unknown user", pool: "plain", user: "ghost", password: "Temp-Passw0rd!", want: new(*types.UserNotFoundException)},
	{name: "unknown pool", pool: "missing", user: "diego", password: "Temp-Passw0rd!", want: new(*types.ResourceNotFoundException)},
	{name: "a confirmed user must change it", pool: "plain", user: "diego", password: "Temp-Passw0rd!", status: "FORCE_CHANGE_PASSWORD", validity: 7},
	{name: "an invited user gets a new one", pool: "plain", user: "temp", password: "Other-Passw0rd!", status: "FORCE_CHANGE_PASSWORD", validity: 7},
	{name: "permanent confirms", pool: "plain", user: "temp", password: "Perm-Passw0rd!", permanent: true, status: "CONFIRMED"},
	{name: "the pool's policy: no symbol needed", pool: "policy", user: "policy.user", password: "NoSymbols1234", status: "FORCE_CHANGE_PASSWORD", validity: 2,
		motoDiffers: "moto reads a RequireSymbols left out of CreateUserPool as true, and the Go SDK leaves out false"},
}

// TestConformance_TemporaryPassword runs temporaryPasswordScenarios on the
// Fake, the Server through the real SDK client, and moto_server.
func TestConformance_TemporaryPassword(t *testing.T) {
	for _, target := range recoveryTargets() {
		t.Run(target.name, func(t *testing.T) {
			c, fake := target.api(t)
			pools, _ := setUpWorld(t, c)
			now := time.Now()
			for _, sc := range temporaryPasswordScenarios {
				t.Run(sc.name, func(t *testing.T) {
					if target.moto && sc.motoDiffers != "" {
						t.Skipf("moto differs from Cognito here: %s", sc.motoDiffers)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					pool := pools[sc.pool]
					_, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String(sc.user),
						Password: aws.String(sc.password), Permanent: sc.permanent})
					if sc.want != nil {
						require.ErrorAs(t, err, sc.want)
					} else {
						require.NoError(t, err)
					}
					if sc.status == "" {
						return
					}
					got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(sc.user)})
					require.NoError(t, err)
					assert.Equal(t, sc.status, got.UserStatus)
					if fake == nil || sc.want != nil {
						return
					}
					pw, expires, ok := fake.TemporaryPassword(pool, sc.user)
					assert.Equal(t, !sc.permanent, ok)
					if ok {
						assert.Equal(t, sc.password, pw)
						assert.WithinDuration(t, now.AddDate(0, 0, sc.validity), expires, time.Minute)
					}
				})
			}
		})
	}
}

// A plain AdminCreateUser checks the TemporaryPassword it is given against
// the password policy, as RESEND does (R40, R44): a one-character password
// creates no user.
func TestConformance_CreateUserChecksTheTemporaryPassword(t *testing.T) {
	for _, target := range recoveryTargets() {
		t.Run(target.name, func(t *testing.T) {
			c, _ := target.api(t)
			pools, _ := setUpWorld(t, c)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			pool := pools["plain"]
			_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("one.char"),
				TemporaryPassword: aws.String("x"), MessageAction: types.MessageActionTypeSuppress})
			if target.moto && err == nil {
				t.Skip("moto does not check a TemporaryPassword against the password policy (R40)")
			}
			require.ErrorAs(t, err, new(*types.InvalidPasswordException))
			_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("one.char")})
			require.ErrorAs(t, err, new(*types.UserNotFoundException), "no user created")
		})
	}
}
