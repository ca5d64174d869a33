package resetpw_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// passwordlessSignIn is the caveat of a pool whose users may sign in without
// a password (R72); it has no constant of its own in resetpw.
const passwordlessSignIn = resetpw.CaveatCode("passwordless_sign_in")

// The code Caveat.Code documents is the one the preflight gives.
func TestCaveatCode_PasswordlessIsTheEngines(t *testing.T) {
	assert.Equal(t, string(engine.CaveatPasswordless), string(passwordlessSignIn))
	assertCodes(t, []stringerCase{{passwordlessSignIn, "passwordless_sign_in"}})
}

func signInPolicy(factors ...types.AuthFactorType) *types.UserPoolPolicyType {
	return &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: factors}}
}

// A reset in a pool that lets users sign in with a one-time code or a
// passkey is sent, with a caveat that it may not stop such a sign-in
// (R72); a pool whose users sign in with a password only has none. The
// caveat names the factors and nothing of the user's, and the log line
// lists it.
func TestReset_PasswordlessPoolCarriesCaveat(t *testing.T) {
	tests := []struct {
		name     string
		policies *types.UserPoolPolicyType
		want     bool
		factors  []string // named in the caveat's message
	}{
		{name: "no sign-in policy", policies: nil},
		{name: "password only", policies: signInPolicy("PASSWORD")},
		{name: "email one-time code", policies: signInPolicy("PASSWORD", "EMAIL_OTP"), want: true, factors: []string{"EMAIL_OTP"}},
		{name: "passkey and SMS code", policies: signInPolicy("PASSWORD", "SMS_OTP", "WEB_AUTHN"), want: true, factors: []string{"SMS_OTP", "WEB_AUTHN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{AccountRecoverySetting: recoveryOf("verified_email"), UserPoolTier: types.UserPoolTierTypeEssentials,
				AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"}, Policies: tt.policies})
			_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			var logs bytes.Buffer
			r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			require.NoError(t, err)
			res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			require.NoError(t, err, "the caveat never refuses")
			require.Equal(t, resetpw.MediumEmail, res.Delivery.Medium)
			var got *resetpw.Caveat
			for i, c := range res.Caveats {
				if c.Code == passwordlessSignIn {
					got = &res.Caveats[i]
				}
			}
			if !tt.want {
				assert.Nil(t, got)
				assert.NotContains(t, logs.String(), string(passwordlessSignIn))
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, "R72", got.Rule)
			for _, f := range tt.factors {
				assert.Contains(t, got.Message, f)
			}
			assert.NotContains(t, got.Message, "PASSWORD,", "PASSWORD is not a way around the reset")
			assert.NotContains(t, got.Message, "diego")
			assert.Contains(t, logs.String(), string(passwordlessSignIn))
		})
	}
}

// Check says the same as Reset; PreflightPool predicts nothing and carries
// no caveat (Result.Caveats is empty unless the preflight is full).
func TestCheck_PasswordlessCaveatOnlyWithFullPreflight(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{AccountRecoverySetting: recoveryOf("verified_email"), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
		Policies: signInPolicy("PASSWORD", "EMAIL_OTP")})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
		r, err := resetpw.New(f, resetpw.WithPreflight(p))
		require.NoError(t, err)
		res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
		require.NoError(t, err)
		var codes []resetpw.CaveatCode
		for _, c := range res.Caveats {
			codes = append(codes, c.Code)
		}
		if p == resetpw.PreflightFull {
			assert.Contains(t, codes, passwordlessSignIn)
		} else {
			assert.Empty(t, codes)
		}
	}
	assert.Zero(t, f.Calls("AdminResetUserPassword"))
}

// The report's FirstFactors is a copy: changing it changes nothing the
// Resetter holds of the pool (CheckPool fills the cache a reset reads).
func TestCheckPool_FirstFactorsAreACopy(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{AccountRecoverySetting: recoveryOf("verified_email"), Policies: signInPolicy("PASSWORD", "WEB_AUTHN")})
	_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	rep, err := r.CheckPool(context.Background(), pool)
	require.NoError(t, err)
	rep.FirstFactors[1] = "PASSWORD"
	res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
	require.NoError(t, err)
	assert.Equal(t, 1, f.Calls("DescribeUserPool"), "the pool came from the cache")
	var msgs []string
	for _, c := range res.Caveats {
		if c.Code == passwordlessSignIn {
			msgs = append(msgs, c.Message)
		}
	}
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0], "WEB_AUTHN")
}

func recoveryOf(names ...types.RecoveryOptionNameType) *types.AccountRecoverySettingType {
	s := &types.AccountRecoverySettingType{}
	for i, n := range names {
		s.RecoveryMechanisms = append(s.RecoveryMechanisms, types.RecoveryOptionType{Name: n, Priority: aws.Int32(int32(i + 1))})
	}
	return s
}

// Custom authentication (a DefineAuthChallenge trigger, CUSTOM_AUTH) is a
// sign-in that needs no password either: its maintainers observe that a
// user in FORCE_CHANGE_PASSWORD still signs in through it (R72). A reset
// in such a pool is sent, and the preflight and CheckPool carry the
// passwordless caveat naming CUSTOM_AUTH, on the Fake and through the
// Server with the real SDK client.
func TestCheck_CustomAuthenticationCarriesPasswordlessCaveat(t *testing.T) {
	for _, target := range replicaTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{AccountRecoverySetting: recoveryOf("verified_email"), AutoVerifiedAttributes: []types.VerifiedAttributeType{"email"},
				LambdaConfig: &types.LambdaConfigType{DefineAuthChallenge: aws.String("arn:aws:lambda:us-west-2:123456789012:function:define")}})
			_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(target.api(t, f))
			require.NoError(t, err)
			res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			require.NoError(t, err, "the caveat never refuses")
			rep, err := r.CheckPool(context.Background(), pool)
			require.NoError(t, err)
			for _, caveats := range [][]resetpw.Caveat{res.Caveats, rep.Caveats} {
				var msgs []string
				for _, c := range caveats {
					if c.Code == passwordlessSignIn {
						msgs = append(msgs, c.Message)
					}
				}
				require.Len(t, msgs, 1)
				assert.Contains(t, msgs[0], "CUSTOM_AUTH")
			}
			assert.Nil(t, rep.FirstFactors, "the report's first factors stay Cognito's")
		})
	}
}
