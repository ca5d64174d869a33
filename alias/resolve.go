package alias

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// ListUsersAPI is the part of *cognitoidentityprovider.Client that a
// [Resolver] uses.
type ListUsersAPI interface {
	ListUsers(ctx context.Context, in *cip.ListUsersInput, optFns ...func(*cip.Options)) (*cip.ListUsersOutput, error)
}

// maxFilterLength is ListUsers' limit on a filter, in characters.
const maxFilterLength = 256

// maxPages bounds the pages one lookup reads, against a server that never
// stops paginating.
const maxPages = 100

// Resolution is what [Resolver.Resolve] made of an identifier.
type Resolution struct {
	Name     string // the name to send to Cognito as Username
	Kind     Kind   // how the identifier was read
	LookedUp bool   // whether Name came from a ListUsers lookup
	// Value is the normalised identifier that was looked up, whose owner
	// must still be confirmed with AdminGetUser: ListUsers is eventually
	// consistent (docs/cognito-rules.md, R23). Empty unless LookedUp.
	Value string
}

// Resolver turns an identifier into the Username to send.
type Resolver struct {
	api  ListUsersAPI
	opts Options
}

// NewResolver returns a Resolver that looks users up through api. Options are
// checked with [Options.Check].
func NewResolver(api ListUsersAPI, opts Options) (*Resolver, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: nil ListUsersAPI", ErrInvalid)
	}
	if err := opts.Check(); err != nil {
		return nil, err
	}
	return &Resolver{api: api, opts: opts}, nil
}

// Resolve returns the name to send to Cognito for identifier in a pool with
// settings cfg:
//   - a Username, a Sub, or an email or phone number that the pool accepts
//     for sign-in (UsernameAttributes or AliasAttributes) is sent as it is,
//     normalised;
//   - an email or phone number that the pool does not accept for sign-in is
//     looked up with ListUsers (email = "…"); one user → that user's
//     Username; several → [ErrAmbiguous]; none → a second lookup by
//     username, since such a pool may well have email-shaped usernames, and
//     then [ErrNotFound]. Matches rank in tiers: native users whose email
//     or phone is verified, then native users whose is not, then federated
//     profiles (status EXTERNAL_PROVIDER), which can't be reset (R11); only
//     the best tier found counts, so an unverified or federated match makes
//     no verified user ambiguous.
//
// ListUsers is eventually consistent: a looked-up Name must be confirmed
// with AdminGetUser before anything is sent (see [Resolution.Value]).
//
// In a pool whose UsernameAttributes hold phone_number, a national number
// ("(206) 555-0100") is read as a phone number when Options has a
// DefaultCountryCode. optFns are passed to every ListUsers call.
func (r *Resolver) Resolve(ctx context.Context, poolID string, cfg PoolConfig, identifier string, optFns ...func(*cip.Options)) (Resolution, error) {
	k := Classify(strings.TrimSpace(identifier))
	if k == Username && r.opts.DefaultCountryCode != "" && r.nationalPhone(cfg, identifier) {
		k = Phone
	}
	name, err := Normalize(identifier, k, cfg, r.opts)
	if err != nil {
		return Resolution{}, err
	}
	if cfg.SignsInWith(k) {
		return Resolution{Name: name, Kind: k}, nil
	}
	users, err := r.find(ctx, poolID, k.String(), name, optFns)
	if err != nil {
		return Resolution{}, err
	}
	switch len(users) {
	case 1:
		return Resolution{Name: users[0], Kind: k, LookedUp: true, Value: name}, nil
	case 0:
	default:
		return Resolution{}, fmt.Errorf("%w: %s %s matches %d users", ErrAmbiguous, k, Mask(name), len(users))
	}
	if k == Email {
		// Not an email on file: it may still be a username that looks like one.
		users, err = r.find(ctx, poolID, "username", name, optFns)
		if err != nil {
			return Resolution{}, err
		}
		if len(users) == 1 {
			return Resolution{Name: users[0], Kind: Username, LookedUp: true, Value: name}, nil
		}
	}
	return Resolution{}, fmt.Errorf("%w: %s %s", ErrNotFound, k, Mask(name))
}

func (r *Resolver) nationalPhone(cfg PoolConfig, s string) bool {
	if !cfg.SignsInWith(Phone) || len(cfg.UsernameAttributes) == 0 {
		return false
	}
	for _, k := range cfg.UsernameAttributes {
		if k == Phone {
			p := stripPhone(strings.TrimSpace(s))
			return len(p) >= 4 && len(p) <= 15 && strings.Trim(p, "0123456789") == ""
		}
	}
	return false
}

// filter builds a ListUsers filter attr = "value", escaping '"' and '\' in
// value. It fails with [ErrInvalid] past [maxFilterLength] characters.
func filter(attr, value string) (string, error) {
	var b strings.Builder
	b.WriteString(attr)
	b.WriteString(` = "`)
	for _, r := range value {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	f := b.String()
	if n := utf8.RuneCountInString(f); n > maxFilterLength {
		return "", fmt.Errorf("%w: ListUsers filter for %s %s is %d characters, limit %d", ErrInvalid, attr, Mask(value), n, maxFilterLength)
	}
	return f, nil
}

// find returns the distinct usernames of the users whose attr is value,
// reading every page, in the best tier that has any (see Resolve).
func (r *Resolver) find(ctx context.Context, poolID, attr, value string, optFns []func(*cip.Options)) ([]string, error) {
	f, err := filter(attr, value)
	if err != nil {
		return nil, err
	}
	in := &cip.ListUsersInput{UserPoolId: &poolID, Filter: &f, Limit: ptr(int32(60))}
	seen := map[string]bool{}
	var tiers [3][]string // verified native, unverified native, federated
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("alias: ListUsers for %s %s did not stop after %d pages", attr, Mask(value), maxPages)
		}
		out, err := r.api.ListUsers(ctx, in, optFns...)
		if err != nil {
			return nil, err
		}
		for _, u := range out.Users {
			n := deref(u.Username)
			if n == "" || seen[n] || !matches(u, attr, value) {
				continue
			}
			seen[n] = true
			tier := 0
			switch {
			case u.UserStatus == types.UserStatusTypeExternalProvider:
				tier = 2
			case attr != "username" && attrValue(u, attr+"_verified") != "true":
				tier = 1
			}
			tiers[tier] = append(tiers[tier], n)
		}
		if out.PaginationToken == nil || *out.PaginationToken == "" {
			for _, names := range tiers {
				if len(names) > 0 {
					return names, nil
				}
			}
			return nil, nil
		}
		if in.PaginationToken != nil && *in.PaginationToken == *out.PaginationToken {
			return nil, fmt.Errorf("alias: ListUsers for %s %s repeated its pagination token", attr, Mask(value))
		}
		in.PaginationToken = out.PaginationToken
	}
}

// matches re-checks a listed user, so that a server that reads "=" loosely
// can't make a lookup pick the wrong user. Emails compare case-insensitively:
// the value was normalised, the stored address may not have been.
func matches(u types.UserType, attr, value string) bool {
	if attr == "username" {
		return strings.EqualFold(deref(u.Username), value)
	}
	v := attrValue(u, attr)
	if v == "" {
		return false
	}
	if attr == Phone.String() {
		return stripPhone(v) == value
	}
	return strings.EqualFold(v, value)
}

func attrValue(u types.UserType, name string) string {
	for _, a := range u.Attributes {
		if deref(a.Name) == name {
			return deref(a.Value)
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
