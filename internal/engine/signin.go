package engine

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// signInOf returns the pool's feature plan (UserPoolTier: LITE, ESSENTIALS
// or PLUS, "" when Cognito gave none) and the first factors its sign-in
// policy allows (AllowedFirstAuthFactors, in Cognito's order; nil without a
// policy, which is password only) (R71).
func signInOf(p *types.UserPoolType) (plan string, factors []string) {
	plan = string(p.UserPoolTier)
	if p.Policies != nil && p.Policies.SignInPolicy != nil {
		for _, f := range p.Policies.SignInPolicy.AllowedFirstAuthFactors {
			factors = append(factors, string(f))
		}
	}
	return plan, factors
}

// passwordless returns the first factors of p other than PASSWORD, and
// CUSTOM_AUTH when a DefineAuthChallenge trigger defines a custom
// authentication: the ways a user may sign in without the password a reset
// takes away (R71, R72).
func (p *poolInfo) passwordless() []string {
	var out []string
	for _, f := range p.firstFactors {
		if f != string(types.AuthFactorTypePassword) {
			out = append(out, f)
		}
	}
	if p.customAuth {
		out = append(out, string(types.AuthFlowTypeCustomAuth))
	}
	return out
}

// passwordlessCaveat is the caveat of a pool whose sign-in policy allows a
// first factor other than PASSWORD, or with custom authentication (R71, R72): the reset takes the password
// away, but nothing documented says it stops a sign-in with a one-time code
// or a passkey, and a user who signs in without a password may never use
// the code. The reset is not refused: the caveat says what it may not do.
func passwordlessCaveat(p *poolInfo) (Caveat, bool) {
	other := p.passwordless()
	if len(other) == 0 {
		return Caveat{}, false
	}
	return caveat(CaveatPasswordless, "R72",
		"the pool lets users sign in without a password ("+strings.Join(other, ", ")+
			"); whether the reset stops such a sign-in is not documented, and a user who signs in that way may never use the code"), true
}
