package alias

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// API is the part of *cognitoidentityprovider.Client that a [Resolver]
// uses: AdminGetUser to ask whether an identifier is some user's username,
// ListUsers to look an email or phone number up when it is not.
type API interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
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
	// User is the user as AdminGetUser read it, when Resolve asked whether
	// the identifier is a username and it was: a caller that reads the user
	// anyway can use it instead of reading it again. Nil otherwise.
	User *cip.AdminGetUserOutput
}

// Resolver turns an identifier into the Username to send.
type Resolver struct {
	api  API
	opts Options
}

// NewResolver returns a Resolver that reads and looks users up through api,
// usually a *cognitoidentityprovider.Client. Options are checked with
// [Options.Check].
func NewResolver(api API, opts Options) (*Resolver, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: nil API", ErrInvalid)
	}
	if err := opts.Check(); err != nil {
		return nil, err
	}
	return &Resolver{api: api, opts: opts}, nil
}

// Resolve returns the name to send to Cognito for identifier in a pool with
// settings cfg, reading it as Cognito reads the Username parameter
// (docs/cognito-rules.md, R32):
//   - a Username, a Sub, or an email or phone number that the pool accepts
//     for sign-in (UsernameAttributes or AliasAttributes) is sent as it is,
//     normalised: Cognito itself reads it, and nothing is called; except a
//     phone number typed with separators ("+1-206-555-0100") in a pool
//     without UsernameAttributes, which is no phone number to Cognito and
//     may be a username: it is asked for as typed (AdminGetUser) first, and
//     that user wins when there is one;
//   - an email or phone number that the pool does not accept for sign-in
//     may still be a username, in a pool without UsernameAttributes (whose
//     usernames are generated): Resolve asks AdminGetUser, and when such a
//     user exists, that user wins (Kind Username, [Resolution.User] set),
//     whoever else holds the address;
//   - only when AdminGetUser answers UserNotFoundException, or the
//     identifier can't be a username there, is it looked up with ListUsers
//     (email = "…"): one user → that user's Username; several →
//     [ErrAmbiguous]; none → [ErrNotFound]. Matches rank in tiers: native
//     users whose email or phone is verified, then native users whose is
//     not, then federated profiles (status EXTERNAL_PROVIDER), which can't
//     be reset (R11); only the best tier found counts, so an unverified or
//     federated match makes no verified user ambiguous.
//
// ListUsers is eventually consistent: a looked-up Name must be confirmed
// with AdminGetUser before anything is sent (see [Resolution.Value]).
// AdminGetUser is not, and needs no confirmation.
//
// In a pool whose UsernameAttributes hold phone_number, a national number
// ("(206) 555-0100") is read as a phone number when Options has a
// DefaultCountryCode. optFns are passed to every call.
func (r *Resolver) Resolve(ctx context.Context, poolID string, cfg PoolConfig, identifier string, optFns ...func(*cip.Options)) (Resolution, error) {
	k := Classify(strings.TrimSpace(identifier))
	if k == Username && r.opts.DefaultCountryCode != "" && r.nationalPhone(cfg, identifier) {
		k = Phone
	}
	name, err := Normalize(identifier, k, cfg, r.opts)
	if err != nil {
		return Resolution{}, err
	}
	// Where usernames are chosen (no UsernameAttributes, which generate
	// them), an email or phone number may be someone's username as typed.
	uname, canBeUsername := "", false
	if len(cfg.UsernameAttributes) == 0 && (k == Email || k == Phone) {
		if u, err := Normalize(identifier, Username, cfg, r.opts); err == nil {
			uname, canBeUsername = u, true
		}
	}
	if cfg.SignsInWith(k) {
		// Cognito reads the value as the alias, but only in the form it
		// knows: a phone number "can only contain the + sign and digits"
		// (R32). A typed form that differs from name ("+1-206-555-0100")
		// is no alias to Cognito, and may be a username, which wins.
		if canBeUsername && uname != name {
			if res, ok, err := r.asUsername(ctx, poolID, uname, cfg, optFns); ok || err != nil {
				return res, err
			}
		}
		return Resolution{Name: name, Kind: k}, nil
	}
	// An email or phone number the pool does not sign in with: first, is it
	// someone's username?
	if canBeUsername {
		if res, ok, err := r.asUsername(ctx, poolID, uname, cfg, optFns); ok || err != nil {
			return res, err
		}
	}
	users, err := r.find(ctx, poolID, k.String(), name, optFns)
	if err != nil {
		return Resolution{}, err
	}
	switch len(users) {
	case 1:
		return Resolution{Name: users[0], Kind: k, LookedUp: true, Value: name}, nil
	case 0:
		return Resolution{}, fmt.Errorf("%w: %s %s", ErrNotFound, k, Mask(name))
	default:
		return Resolution{}, fmt.Errorf("%w: %s %s matches %d users", ErrAmbiguous, k, Mask(name), len(users))
	}
}

// asUsername asks AdminGetUser for uname: ok when a user has it (that user,
// as AdminGetUser read it, wins), neither ok nor an error when Cognito
// answers UserNotFoundException.
func (r *Resolver) asUsername(ctx context.Context, poolID, uname string, cfg PoolConfig, optFns []func(*cip.Options)) (Resolution, bool, error) {
	out, err := r.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &poolID, Username: &uname}, optFns...)
	switch {
	case err == nil && out == nil:
		return Resolution{}, false, fmt.Errorf("alias: AdminGetUser for %s answered no user and no error", Mask(uname))
	case err == nil:
		return Resolution{Name: cmp.Or(deref(out.Username), uname), Kind: readAs(out, uname, cfg), User: out}, true, nil
	case errors.As(err, new(*types.UserNotFoundException)):
		return Resolution{}, false, nil
	}
	return Resolution{}, false, err
}

// readAs tells how Cognito read name to find out: as its username, or, in a
// pool with the preferred_username alias, as that alias.
func readAs(out *cip.AdminGetUserOutput, name string, cfg PoolConfig) Kind {
	if slices.Contains(cfg.AliasAttributes, PreferredUsername) {
		same := func(a, b string) bool { return a == b || (!cfg.CaseSensitive && strings.EqualFold(a, b)) }
		for _, a := range out.UserAttributes {
			if deref(a.Name) == PreferredUsername.String() && same(deref(a.Value), name) && !same(deref(out.Username), name) {
				return PreferredUsername
			}
		}
	}
	return Username
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
			case attrValue(u, attr+"_verified") != "true":
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
