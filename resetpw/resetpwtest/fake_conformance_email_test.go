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

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/internal/moto"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const confSESSource = "arn:aws:ses:us-west-2:123456789012:identity/example.net"

// The email world: two pools on Cognito's built-in email (one account), one
// on its own SES sending from example.net, one with a custom email sender.
var confEmailPools = []struct {
	key  string
	in   cip.CreateUserPoolInput
	user string
}{
	{"builtinA", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email")}, "first"},
	{"builtinB", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email")}, "second"},
	{"ses", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email"), EmailConfiguration: &types.EmailConfigurationType{
		EmailSendingAccount: types.EmailSendingAccountTypeDeveloper, SourceArn: aws.String(confSESSource)}}, "sesuser"},
	{"customEmail", cip.CreateUserPoolInput{AccountRecoverySetting: recoveryBy("verified_email"), LambdaConfig: &types.LambdaConfigType{
		CustomEmailSender: &types.CustomEmailLambdaVersionConfigType{LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:email-sender"),
			LambdaVersion: "V1_0"}, KMSKeyID: aws.String("arn:aws:kms:us-west-2:123456789012:key/conformance")}}, "lambdauser"},
}

// confEmailScenarios: the email paths of issue 18 (R13, R20, R34 to R37).
// ses sets up the SES side; full and off are the kinds expected with each
// preflight; dropped says the code sent without preflight is accepted and
// dropped (seen on the Fake and the Server only: moto sends no email);
// motoOff names what moto can't express with preflight off, where the
// Fake's own rules decide.
var confEmailScenarios = []struct {
	name      string
	pool      string
	ses       func(f *resetpwtest.Fake)
	capFirst  bool // one email sent first from builtinA, under a cap of 1
	full, off error
	sender    resetpw.Sender
	dropped   bool
	motoOff   string
}{
	{name: "built-in email under the cap", pool: "builtinA", sender: resetpw.SenderCognitoDefault},
	{name: "built-in email over the cap, across pools", pool: "builtinB", capFirst: true, full: resetpw.ErrDeliveryConfig, off: resetpw.ErrDeliveryConfig,
		motoOff: "moto has no daily email cap for the built-in email"},
	{name: "SES out of the sandbox", pool: "ses", sender: resetpw.SenderSES, ses: func(f *resetpwtest.Fake) { f.VerifySESIdentities("example.net") }},
	{name: "SES sandbox, recipient verified", pool: "ses", sender: resetpw.SenderSES, ses: func(f *resetpwtest.Fake) {
		f.SetSESSandbox(true)
		f.VerifySESIdentities("example.net", "sesuser@example.com")
	}},
	{name: "SES sandbox, recipient not verified", pool: "ses", full: resetpw.ErrSESSandbox, dropped: true, ses: func(f *resetpwtest.Fake) {
		f.SetSESSandbox(true)
		f.VerifySESIdentities("example.net")
	}},
	{name: "SES sending paused", pool: "ses", full: resetpw.ErrDeliveryConfig, dropped: true, ses: func(f *resetpwtest.Fake) {
		f.VerifySESIdentities("example.net")
		f.PauseSESSending(true)
	}},
	{name: "custom email sender", pool: "customEmail", sender: resetpw.SenderLambda},
}

// TestConformance_Email runs the email scenarios against the Fake, the
// Server through the real SDK client, and moto_server. On moto, Cognito is
// moto's and SES's answers come from a FakeSES: moto sends no email, so
// what SES or the daily cap would drop or refuse can be seen only with
// preflight, and the scenarios without say so.
func TestConformance_Email(t *testing.T) {
	type target struct {
		name string
		moto bool
		make func(t *testing.T) (cognito, *resetpwtest.Fake) // the Fake is Cognito's state, or on moto only the SES side
	}
	targets := []target{
		{"fake", false, func(t *testing.T) (cognito, *resetpwtest.Fake) { f := resetpwtest.NewFake(); return f, f }},
		{"server", false, func(t *testing.T) (cognito, *resetpwtest.Fake) {
			f := resetpwtest.NewFake()
			srv := resetpwtest.NewServer(f)
			t.Cleanup(srv.Close)
			return srv.Client(), f
		}},
		{"moto", true, func(t *testing.T) (cognito, *resetpwtest.Fake) { return moto.Client(t), resetpwtest.NewFake() }},
	}
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) {
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightOff} {
				for _, sc := range confEmailScenarios {
					t.Run(string(p)+"/"+sc.name, func(t *testing.T) {
						want := sc.full
						if p == resetpw.PreflightOff {
							want = sc.off
						}
						if target.moto && p == resetpw.PreflightOff && sc.motoOff != "" {
							t.Skipf("moto can't express this: %s; the fake and the server assert Cognito's behaviour", sc.motoOff)
						}
						c, f := target.make(t)
						pools := setUpEmailWorld(t, c)
						if sc.ses != nil {
							sc.ses(f)
						}
						opts := []resetpw.Option{resetpw.WithPreflight(p), groundtruth.WithSES(f.SES()), resetpw.WithRetries(3, time.Millisecond, 2*time.Millisecond)}
						if sc.capFirst {
							f.SetDailyEmailLimit(1)
							opts = append(opts, resetpw.WithEmailCap(1, nil))
						}
						r, err := resetpw.New(c, opts...)
						require.NoError(t, err)
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						if sc.capFirst {
							_, err := r.Reset(ctx, resetpw.Request{UserPoolID: pools["builtinA"], Username: "first"})
							require.NoError(t, err, "the first email of the day")
						}
						user := map[string]string{}
						for _, cp := range confEmailPools {
							user[cp.key] = cp.user
						}
						res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pools[sc.pool], Username: user[sc.pool]})
						if want != nil {
							require.ErrorIs(t, err, want)
							if !target.moto {
								for _, d := range f.Deliveries() {
									assert.NotEqual(t, pools[sc.pool], d.UserPoolID, "nothing was sent in the refused pool")
								}
							}
							return
						}
						require.NoError(t, err)
						if p == resetpw.PreflightFull {
							require.NotNil(t, res.Delivery)
							assert.Equal(t, resetpw.MediumEmail, res.Delivery.Medium)
							assert.Equal(t, sc.sender, res.Delivery.Sender)
						}
						got, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pools[sc.pool]), Username: aws.String(res.Username)})
						require.NoError(t, err)
						assert.Equal(t, types.UserStatusTypeResetRequired, got.UserStatus)
						if target.moto {
							return // moto records no delivery
						}
						d := f.Deliveries()
						require.NotEmpty(t, d)
						last := d[len(d)-1]
						assert.Equal(t, sc.dropped, last.Dropped, last.DropReason)
						if sc.sender != "" {
							assert.Equal(t, sc.sender, last.Sender)
						}
					})
				}
			}
		})
	}
}

func setUpEmailWorld(t *testing.T, c cognito) map[string]string {
	ctx := context.Background()
	pools := map[string]string{}
	for _, p := range confEmailPools {
		in := p.in
		in.PoolName = aws.String("conformance-email-" + p.key)
		out, err := c.CreateUserPool(ctx, &in)
		require.NoError(t, err, p.key)
		id := aws.ToString(out.UserPool.Id)
		pools[p.key] = id
		_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String(p.user), MessageAction: types.MessageActionTypeSuppress,
			TemporaryPassword: aws.String("Temp-Passw0rd!"), UserAttributes: []types.AttributeType{
				{Name: aws.String("email"), Value: aws.String(p.user + "@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
		require.NoError(t, err, p.user)
		_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &id, Username: aws.String(p.user), Password: aws.String("Perm-Passw0rd!"), Permanent: true})
		require.NoError(t, err)
	}
	return pools
}
