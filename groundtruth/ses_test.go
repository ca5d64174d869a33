package groundtruth_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const sesSourceARN = "arn:aws:ses:us-west-2:123456789012:identity/example.net"

// sesWorld is a Fake with a pool on its own SES (DEVELOPER, sending from
// example.net) and the user diego@example.com.
func sesWorld(t *testing.T) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper, SourceArn: aws.String(sesSourceARN)}})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	return f, pool
}

// R34, R35: with WithSES, what SES would not deliver is refused before
// anything is sent; what it would deliver goes out.
func TestWithSES(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(f *resetpwtest.Fake)
		want     error  // nil: sent
		sesCalls int    // GetAccount + GetEmailIdentity
		drop     string // what the Fake does with the code sent without preflight
	}{
		{name: "production", setup: func(f *resetpwtest.Fake) { f.VerifySESIdentities("example.net") }, sesCalls: 2},
		{name: "sandbox, recipient not verified", setup: func(f *resetpwtest.Fake) {
			f.SetSESSandbox(true)
			f.VerifySESIdentities("example.net")
		}, want: resetpw.ErrSESSandbox, sesCalls: 4, drop: "SES sandbox: recipient not verified"},
		{name: "sandbox, recipient verified", setup: func(f *resetpwtest.Fake) {
			f.SetSESSandbox(true)
			f.VerifySESIdentities("example.net", "diego@example.com")
		}, sesCalls: 3},
		{name: "sandbox, the recipient verified in another case", setup: func(f *resetpwtest.Fake) {
			f.SetSESSandbox(true)
			f.VerifySESIdentities("example.net", "Diego@Example.com")
		}, want: resetpw.ErrSESSandbox, sesCalls: 4, drop: "SES sandbox: recipient not verified"},
		{name: "sandbox, recipient's domain verified", setup: func(f *resetpwtest.Fake) {
			f.SetSESSandbox(true)
			f.VerifySESIdentities("example.net", "example.com")
		}, sesCalls: 4},
		{name: "sending paused", setup: func(f *resetpwtest.Fake) {
			f.VerifySESIdentities("example.net")
			f.PauseSESSending(true)
		}, want: resetpw.ErrDeliveryConfig, sesCalls: 1, drop: "SES sending paused"},
		{name: "sending identity not verified", want: resetpw.ErrDeliveryConfig, sesCalls: 2, drop: "SES sending identity not verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := sesWorld(t)
			if tt.setup != nil {
				tt.setup(f)
			}
			r, err := resetpw.New(f, groundtruth.WithSES(f.SES()))
			require.NoError(t, err)
			req := resetpw.Request{UserPoolID: pool, Username: "diego"}
			for range 2 { // the second Check is answered from the cache
				_, err := r.Check(context.Background(), req)
				if tt.want != nil {
					require.ErrorIs(t, err, tt.want)
					assert.NotContains(t, err.Error(), "diego@example.com")
				} else {
					require.NoError(t, err)
				}
			}
			assert.Equal(t, tt.sesCalls, f.Calls("GetAccount")+f.Calls("GetEmailIdentity"))
			res, err := r.Reset(context.Background(), req)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing is sent")
				// What the refusal spared: sent anyway, the code is dropped.
				off, err := resetpw.New(f, resetpw.WithPreflight(resetpw.PreflightOff))
				require.NoError(t, err)
				_, err = off.Reset(context.Background(), req)
				require.NoError(t, err)
				d := f.Deliveries()
				require.Len(t, d, 1)
				assert.True(t, d[0].Dropped)
				assert.Equal(t, tt.drop, d[0].DropReason)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, &resetpw.Delivery{Medium: resetpw.MediumEmail, MaskedDestination: "d***@e***.com", Sender: resetpw.SenderSES}, res.Delivery)
			assert.Empty(t, res.Caveats)
			d := f.Deliveries()
			require.Len(t, d, 1)
			assert.False(t, d[0].Dropped, d[0].DropReason)
		})
	}
}

// R34: SES identities match exactly, so an answer for one case of an
// address is not reused for another: in the sandbox, with diego@example.com
// verified, a user whose address is Diego@example.com is refused, even
// right after diego@example.com's answer was cached.
func TestWithSES_IdentityCacheKeepsCase(t *testing.T) {
	f, pool := sesWorld(t)
	_, err := f.AddUser(pool, resetpwtest.User("diego2", "email", "Diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	f.SetSESSandbox(true)
	f.VerifySESIdentities("example.net", "diego@example.com")
	r, err := resetpw.New(f, groundtruth.WithSES(f.SES()))
	require.NoError(t, err)
	_, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego2"})
	require.ErrorIs(t, err, resetpw.ErrSESSandbox)
	assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing is sent")
}

// regionSES is an SES client that says which Region it is for, as
// *sesv2.Client does.
type regionSES struct {
	groundtruth.SESAPI
	region string
}

func (c regionSES) Options() sesv2.Options { return sesv2.Options{Region: c.region} }

// R34, R35: SES's state is per Region. A WithSES client for another Region
// than the pool's SourceArn, or one that does not say its Region, proves
// nothing for the pool: it is not asked, and the code carries
// CaveatSESUnknown as without WithSES; a client for the SourceArn's Region
// is asked.
func TestWithSES_ClientForAnotherRegion(t *testing.T) {
	f, pool := sesWorld(t) // SourceArn in us-west-2
	f.VerifySESIdentities("example.net")
	r, err := resetpw.New(f, groundtruth.WithSES(regionSES{f.SES(), "eu-west-1"}))
	require.NoError(t, err)
	res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	require.Len(t, res.Caveats, 1)
	assert.Equal(t, resetpw.CaveatSESUnknown, res.Caveats[0].Code)
	assert.Contains(t, res.Caveats[0].Message, "eu-west-1")
	rep, err := r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	assert.Equal(t, "UNKNOWN", rep.SESState)
	assert.Zero(t, f.Calls("GetAccount")+f.Calls("GetEmailIdentity"), "the other Region's SES is not asked")

	// A client that does not say its Region (no Region or Options
	// method) proves nothing for any pool either.
	r, err = resetpw.New(f, groundtruth.WithSES(struct{ groundtruth.SESAPI }{f.SES()}))
	require.NoError(t, err)
	res, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	require.Len(t, res.Caveats, 1)
	assert.Equal(t, resetpw.CaveatSESUnknown, res.Caveats[0].Code)
	assert.Contains(t, res.Caveats[0].Message, "does not say its Region")
	assert.Zero(t, f.Calls("GetAccount")+f.Calls("GetEmailIdentity"), "a client of no known Region is not asked")

	r, err = resetpw.New(f, groundtruth.WithSES(regionSES{f.SES(), "us-west-2"}))
	require.NoError(t, err)
	res, err = r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	assert.Empty(t, res.Caveats)
	rep, err = r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	assert.Equal(t, "PRODUCTION", rep.SESState)
}

// shutdownSES answers GetAccount as SES does for an account whose sending
// was paused for its reputation: EnforcementStatus SHUTDOWN.
type shutdownSES struct{ groundtruth.SESAPI }

// Region is the Fake's, whose SES shutdownSES wraps.
func (s shutdownSES) Region() string { return "us-west-2" }

func (s shutdownSES) GetAccount(ctx context.Context, in *sesv2.GetAccountInput, o ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error) {
	out, err := s.SESAPI.GetAccount(ctx, in, o...)
	if err == nil {
		out.SendingEnabled, out.EnforcementStatus = true, aws.String("SHUTDOWN")
	}
	return out, err
}

// R35: an account whose EnforcementStatus is SHUTDOWN can't send ("Your
// account's ability to send email is currently paused",
// GetAccountOutput.EnforcementStatus), whatever SendingEnabled says.
func TestWithSES_Shutdown(t *testing.T) {
	f, pool := sesWorld(t)
	f.VerifySESIdentities("example.net")
	r, err := resetpw.New(f, groundtruth.WithSES(shutdownSES{f.SES()}))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
	rep, err := r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	assert.Equal(t, "PAUSED", rep.SESState)
}

// R34: without WithSES, a DEVELOPER pool's email carries a caveat, since the
// SES sandbox may drop it.
func TestSESUnknownCaveat(t *testing.T) {
	f, pool := sesWorld(t)
	f.SetSESSandbox(true)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	require.Len(t, res.Caveats, 1)
	assert.Equal(t, resetpw.CaveatSESUnknown, res.Caveats[0].Code)
	assert.Equal(t, "R34", res.Caveats[0].Rule)
	assert.Zero(t, f.Calls("GetAccount"))
	assert.True(t, f.Deliveries()[0].Dropped, "the caveat was right: the sandbox dropped it")

	rep, err := r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	assert.Equal(t, "UNKNOWN", rep.SESState)
	assert.Equal(t, "123456789012", rep.SESAccount)
	assert.Equal(t, "us-west-2", rep.SESRegion)
	assert.Contains(t, caveatCodes(rep.Caveats), resetpw.CaveatSESUnknown)
}

func TestCheckPool_SES(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *resetpwtest.Fake)
		want  string
	}{
		{"production", func(f *resetpwtest.Fake) { f.VerifySESIdentities("example.net") }, "PRODUCTION"},
		{"sandbox", func(f *resetpwtest.Fake) { f.VerifySESIdentities("example.net"); f.SetSESSandbox(true) }, "SANDBOX"},
		{"paused", func(f *resetpwtest.Fake) { f.VerifySESIdentities("example.net"); f.PauseSESSending(true) }, "PAUSED"},
		{"identity unverified", func(*resetpwtest.Fake) {}, "PAUSED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool := sesWorld(t)
			tt.setup(f)
			r, err := resetpw.New(f, groundtruth.WithSES(f.SES()))
			require.NoError(t, err)
			rep, err := r.CheckPool(context.Background(), pool)
			require.NoError(t, err)
			assert.Equal(t, tt.want, rep.SESState)
			assert.Equal(t, resetpw.SenderSES, rep.EmailSender)
			assert.NotContains(t, caveatCodes(rep.Caveats), resetpw.CaveatSESUnknown)
		})
	}
}

// A failed SES read fails the reset with its kind; nothing is sent.
func TestWithSES_ReadFails(t *testing.T) {
	f, pool := sesWorld(t)
	f.FailNext("GetAccount", 1, &sestypes.TooManyRequestsException{Message: aws.String("slow down")})
	r, err := resetpw.New(f, groundtruth.WithSES(f.SES()))
	require.NoError(t, err)
	_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.ErrorIs(t, err, resetpw.ErrThrottled)
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
	_, err = resetpw.New(f, groundtruth.WithSES(nil))
	require.ErrorIs(t, err, resetpw.ErrConfig)
}

func caveatCodes(cs []resetpw.Caveat) []resetpw.CaveatCode {
	out := []resetpw.CaveatCode{}
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return out
}

// R35: Cognito passes an SES refusal on as InvalidParameterException
// "Cognito received the following error from Amazon SES when attempting to
// send email: ..." (aws/aws-cdk#18964): the pool's SES can't send, which is
// ErrDeliveryConfig, not the caller's invalid input.
func TestKindOf_SESErrorThroughCognito(t *testing.T) {
	err := &types.InvalidParameterException{Message: aws.String("Cognito received the following error from Amazon SES when attempting to send email: " +
		"Email address is not verified. The following identities failed the check in region US-EAST-1: arn:aws:ses:us-east-1:123456789012:identity/noreply@example.com")}
	assert.Equal(t, resetpw.ErrDeliveryConfig, resetpw.KindOf(err))
	assert.Equal(t, resetpw.ErrInvalidInput, resetpw.KindOf(&types.InvalidParameterException{Message: aws.String("1 validation error detected")}))
}
