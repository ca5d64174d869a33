package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/quota"
)

// A UUID-shaped string may be a sub and, in a pool that signs in with
// usernames, any user's username too (R26, R32): one user's username can be
// another user's sub, and which of them Cognito then reads is not
// documented. confirmSub, run once the user is read, makes sure no other
// user can be meant:
//   - a sub-shaped input (asked, read as askedKind) names the user read
//     only when it is that user's sub, username or preferred_username
//     alias, or the reset is refused as ErrUserNotFound;
//   - when it is the user's sub but not its username, a user whose
//     username it is could be meant; when it is the user's username (or
//     alias) but not its sub, a user whose sub it is could be;
//   - the username sent, when sub-shaped and not the user's own sub (in a
//     pool without UsernameAttributes), could name the user whose sub it
//     is.
//
// Each other reading is looked for with ListUsers (sub = "…", username =
// "…"); another user found makes the reset ErrAmbiguousAlias, with nothing
// sent. Subs compare in any case (Cognito generates them in lower case, and
// how it compares one given in another case is not documented, R26), and
// usernames as the pool compares them (R25), so that a username equal to
// another user's sub but for case is two readings too. ListUsers is
// eventually consistent (R23), so a user created a moment ago may be
// missed; subs and usernames never change, so the index can't name a user
// who no longer holds them.
func (a *Attempt) confirmSub(ctx context.Context, pool *poolInfo, u *userInfo, asked string, askedKind alias.Kind) (*refusal, error) {
	sub := u.attrs["sub"]
	foldNames := !pool.signIn.CaseSensitive
	sameName := func(x, y string) bool { return x == y || (foldNames && strings.EqualFold(x, y)) }
	type reading struct{ attr, value, what string }
	var others []reading
	if askedKind == alias.Sub {
		byName := sameName(u.username, asked)
		byAlias := slices.Contains(pool.signIn.AliasAttributes, alias.PreferredUsername) && sameName(u.attrs["preferred_username"], asked)
		bySub := strings.EqualFold(sub, asked)
		switch {
		case bySub && !byName:
			others = append(others, reading{"username", asked, "the identifier is this user's sub and another user's username"})
		case !bySub && (byName || byAlias):
			others = append(others, reading{"sub", asked, "the identifier is this user's username and another user's sub"})
		case !bySub:
			return &refusal{kind: ErrUserNotFound, reason: "AdminGetUser answered a user who holds the identifier neither as sub, username nor alias, so nothing was sent"}, nil
		}
	}
	// Where UsernameAttributes are set, every username is its user's own
	// sub (R32), so none is another user's.
	if len(pool.signIn.UsernameAttributes) == 0 && u.username != "" && !strings.EqualFold(u.username, sub) && alias.Classify(u.username) == alias.Sub &&
		!slices.ContainsFunc(others, func(o reading) bool { return o.attr == "sub" && strings.EqualFold(o.value, u.username) }) {
		others = append(others, reading{"sub", u.username, "the user's username is another user's sub"})
	}
	for _, o := range others {
		found, err := a.otherHolder(ctx, o.attr, o.value, u.username, foldNames)
		if err != nil {
			return nil, err
		}
		if found {
			return &refusal{kind: ErrAmbiguousAlias, reason: o.what + "; which of them Cognito resets is not documented, so nothing was sent"}, nil
		}
	}
	return nil, nil
}

// maxSubPages bounds the pages of one ListUsers search for a sub or a
// username, of which one user at most holds each.
const maxSubPages = 10

// otherHolder reports whether ListUsers names a user other than self whose
// attr ("sub" or "username") is value, a UUID-shaped string, which needs no
// escaping in a filter. A sub is searched for in lower case, as Cognito
// generates them. Matches are checked again here: subs in any case,
// usernames exactly or, with foldNames, in any case.
func (a *Attempt) otherHolder(ctx context.Context, attr, value, self string, foldNames bool) (bool, error) {
	r := a.r
	if attr == "sub" {
		value = strings.ToLower(value)
	}
	filter := fmt.Sprintf("%s = %q", attr, value)
	in := &cip.ListUsersInput{UserPoolId: &a.req.UserPoolID, Filter: &filter, Limit: aws.Int32(2)}
	for range maxSubPages {
		out, err := call(ctx, r, a.g, quota.CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
			return r.api.ListUsers(ctx, in, o...)
		})
		if err != nil {
			return false, err
		}
		for _, u := range out.Users {
			name := aws.ToString(u.Username)
			if name != self && holds(u, attr, value, foldNames) {
				return true, nil
			}
		}
		if aws.ToString(out.PaginationToken) == "" {
			return false, nil
		}
		in.PaginationToken = out.PaginationToken
	}
	return false, nil
}

func holds(u types.UserType, attr, value string, foldNames bool) bool {
	if attr == "username" {
		name := aws.ToString(u.Username)
		return name == value || (foldNames && strings.EqualFold(name, value))
	}
	for _, at := range u.Attributes {
		if aws.ToString(at.Name) == attr {
			return strings.EqualFold(aws.ToString(at.Value), value)
		}
	}
	return false
}
