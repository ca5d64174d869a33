package alias

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// PoolConfig holds the sign-in settings of a user pool that matter for
// reading a Username.
type PoolConfig struct {
	// UsernameAttributes are the attributes users sign in with instead of a
	// username: Email and/or Phone. When set, usernames are generated.
	UsernameAttributes []Kind
	// AliasAttributes are the attributes users may sign in with besides
	// their username: Email, Phone and/or PreferredUsername.
	AliasAttributes []Kind
	// CaseSensitive is false when the pool treats username, email and
	// preferred_username case-insensitively.
	CaseSensitive bool
}

// PoolConfigFrom reads the sign-in settings of p. A nil pool, or one without
// UsernameConfiguration, is case-sensitive, as the API's default is.
func PoolConfigFrom(p *types.UserPoolType) PoolConfig {
	cfg := PoolConfig{CaseSensitive: true}
	if p == nil {
		return cfg
	}
	for _, a := range p.UsernameAttributes {
		if k, ok := parseKind(string(a)); ok && (k == Email || k == Phone) {
			cfg.UsernameAttributes = append(cfg.UsernameAttributes, k)
		}
	}
	for _, a := range p.AliasAttributes {
		if k, ok := parseKind(string(a)); ok && (k == Email || k == Phone || k == PreferredUsername) {
			cfg.AliasAttributes = append(cfg.AliasAttributes, k)
		}
	}
	if p.UsernameConfiguration != nil && p.UsernameConfiguration.CaseSensitive != nil {
		cfg.CaseSensitive = *p.UsernameConfiguration.CaseSensitive
	}
	return cfg
}

// SignsInWith reports whether the pool accepts k in the Username field by
// itself: a Username or a Sub always, an attribute when it is in
// UsernameAttributes or AliasAttributes.
func (c PoolConfig) SignsInWith(k Kind) bool {
	if k == Username || k == Sub {
		return true
	}
	return slices.Contains(c.UsernameAttributes, k) || slices.Contains(c.AliasAttributes, k)
}
