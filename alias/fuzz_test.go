package alias_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
)

var fuzzSeeds = []string{
	"diego", "diego@example.com", "+12065550100", "+1 (206) 555-0100", "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b",
	"", "***", "a@b@c", "\xff", "Ünïcode", "(206) 555-0100", " spaced ", "\x00",
}

func FuzzClassify(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := alias.Classify(s)
		require.Contains(t, []alias.Kind{alias.Username, alias.Email, alias.Phone, alias.Sub}, k)
	})
}

func FuzzNormalize(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, uint8(i%5), i%2 == 0, "1")
	}
	f.Fuzz(func(t *testing.T, s string, kind uint8, caseSensitive bool, cc string) {
		k := alias.Kind(kind % 5)
		cfg := alias.PoolConfig{CaseSensitive: caseSensitive}
		got, err := alias.Normalize(s, k, cfg, alias.Options{DefaultCountryCode: cc})
		if err != nil {
			require.True(t, errors.Is(err, alias.ErrInvalid))
			// The input must not show, except where its own mask holds it
			// (an input such as "*@0*", whose mask is "***@0***").
			if in := strings.TrimSpace(s); utf8.RuneCountInString(in) >= 4 && !strings.Contains(alias.Mask(in), in) {
				assert.NotContains(t, err.Error(), in)
			}
			return
		}
		require.NoError(t, alias.CheckUsername(got))
		again, err := alias.Normalize(got, k, cfg, alias.Options{DefaultCountryCode: cc})
		require.NoError(t, err)
		assert.Equal(t, got, again, "Normalize is idempotent")
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := alias.Mask(s)
		require.NotEmpty(t, m)
		if utf8.RuneCountInString(s) >= 3 {
			require.NotEqual(t, s, m)
		}
		if len(s) >= 8 {
			assert.NotContains(t, m, s)
		}
	})
}

// FuzzResolve_UsernameWins: in a pool that signs in with usernames (and,
// when phoneAlias, with the phone_number alias), an identifier that is
// some user's username resolves to that user, by AdminGetUser alone,
// whatever another user holds as email or phone (R32); one that is
// nobody's username is looked up, and a match says LookedUp. Where phone
// is an alias, no username is "+" and digits (Cognito refuses them), but
// one typed with separators may be.
func FuzzResolve_UsernameWins(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, i%2 == 0, i%3 == 0, i%4 == 0)
	}
	f.Add("bob@example.com", true, true, false)
	f.Add("Bob@Example.com", false, true, false)
	f.Add("+12065550100", true, true, false)
	f.Add("bob@example.com", true, false, false)
	f.Add("+1-206-555-0100", true, true, true)
	f.Add("+1(206)555.0100", false, true, true)
	f.Fuzz(func(t *testing.T, s string, caseSensitive, exists, phoneAlias bool) {
		cfg := alias.PoolConfig{CaseSensitive: caseSensitive}
		if phoneAlias {
			cfg.AliasAttributes = []alias.Kind{alias.Phone}
		}
		uname, err := alias.Normalize(s, alias.Username, cfg, alias.Options{})
		stub := &listStub{users: map[string]*cip.AdminGetUserOutput{}, pages: map[string][][]types.UserType{}}
		phoneShaped := len(uname) > 1 && uname[0] == '+' && strings.Trim(uname[1:], "0123456789") == ""
		if err == nil && exists && !(phoneAlias && phoneShaped) {
			stub.users[uname] = got(uname)
		}
		for _, attr := range []string{"email", "phone_number"} {
			for _, v := range []string{strings.TrimSpace(s), strings.ToLower(strings.TrimSpace(s))} {
				if fl, err := alias.Filter(attr, v); err == nil {
					stub.pages[fl] = [][]types.UserType{{user("other", attr, v, attr+"_verified", "true")}}
				}
			}
		}
		r, err := alias.NewResolver(stub, alias.Options{})
		require.NoError(t, err)
		res, err := r.Resolve(context.Background(), "p_1", cfg, s)
		if err != nil {
			return
		}
		if res.Kind == alias.Sub {
			// Sent as given, for Cognito to read: whichever user it names,
			// by username or sub, in its own case rules (R26, R32).
			require.Equal(t, strings.TrimSpace(s), res.Name)
			require.Empty(t, stub.filters, "no ListUsers")
			return
		}
		if stub.users[uname] != nil {
			require.Equal(t, uname, res.Name, "the username's user")
			require.False(t, res.LookedUp)
			require.Empty(t, stub.filters, "no ListUsers")
			return
		}
		if res.LookedUp {
			require.Equal(t, "other", res.Name)
			require.NotEmpty(t, res.Value)
		}
	})
}
