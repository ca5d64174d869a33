package alias_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
)

// listStub answers ListUsers from pages keyed by filter and AdminGetUser
// from users by the exact name asked, and records calls.
type listStub struct {
	pages   map[string][][]types.UserType
	users   map[string]*cip.AdminGetUserOutput
	err     error
	getErr  error
	filters []string
	tokens  []string
	gets    []string
	loop    bool
}

func (s *listStub) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	s.gets = append(s.gets, aws.ToString(in.Username))
	if s.getErr != nil {
		return nil, s.getErr
	}
	if u, ok := s.users[aws.ToString(in.Username)]; ok {
		return u, nil
	}
	return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
}

// got is an AdminGetUser answer for user name with attributes.
func got(name string, attrs ...string) *cip.AdminGetUserOutput {
	u := user(name, attrs...)
	return &cip.AdminGetUserOutput{Username: u.Username, UserAttributes: u.Attributes, Enabled: true, UserStatus: types.UserStatusTypeConfirmed}
}

func (s *listStub) ListUsers(_ context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	f := aws.ToString(in.Filter)
	s.filters = append(s.filters, f)
	s.tokens = append(s.tokens, aws.ToString(in.PaginationToken))
	if s.err != nil {
		return nil, s.err
	}
	if s.loop {
		return &cip.ListUsersOutput{PaginationToken: aws.String("again")}, nil
	}
	pages := s.pages[f]
	i := 0
	if t := aws.ToString(in.PaginationToken); t != "" {
		i = int(t[0] - '0')
	}
	if i >= len(pages) {
		return &cip.ListUsersOutput{}, nil
	}
	out := &cip.ListUsersOutput{Users: pages[i]}
	if i+1 < len(pages) {
		out.PaginationToken = aws.String(string(rune('0' + i + 1)))
	}
	return out, nil
}

func user(name string, attrs ...string) types.UserType {
	u := types.UserType{Username: aws.String(name)}
	for i := 0; i+1 < len(attrs); i += 2 {
		u.Attributes = append(u.Attributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	return u
}

func federated(name string, attrs ...string) types.UserType {
	u := user(name, attrs...)
	u.UserStatus = types.UserStatusTypeExternalProvider
	return u
}

func TestResolve(t *testing.T) {
	plain := alias.PoolConfig{CaseSensitive: true}
	plainCI := alias.PoolConfig{CaseSensitive: false}
	emailAlias := alias.PoolConfig{AliasAttributes: []alias.Kind{alias.Email}, CaseSensitive: true}
	phoneLogin := alias.PoolConfig{UsernameAttributes: []alias.Kind{alias.Phone}, CaseSensitive: true}
	phoneAlias := alias.PoolConfig{AliasAttributes: []alias.Kind{alias.Phone}, CaseSensitive: true}
	preferredAlias := alias.PoolConfig{AliasAttributes: []alias.Kind{alias.PreferredUsername}, CaseSensitive: false}
	bob := got("bob@example.com", "email", "bob.new@example.com", "email_verified", "true")
	phoneName := got("+12065550100", "email", "p@example.com", "email_verified", "true")
	dashed := got("+1-206-555-0100", "email", "d@example.com", "email_verified", "true")

	tests := []struct {
		name        string
		cfg         alias.PoolConfig
		opts        alias.Options
		pages       map[string][][]types.UserType
		users       map[string]*cip.AdminGetUserOutput
		in          string
		want        alias.Resolution
		wantErr     error
		wantFilters []string
		wantGets    []string // nil: not checked
	}{
		{name: "username sent as is", cfg: plain, in: "Diego", want: alias.Resolution{Name: "Diego", Kind: alias.Username}},
		{name: "username folded in case-insensitive pool", cfg: plainCI, in: "Diego", want: alias.Resolution{Name: "diego", Kind: alias.Username}},
		{name: "sub sent as given", cfg: plain, in: "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B",
			want: alias.Resolution{Name: "8F14E45F-CEEA-467F-A0E6-3B1D2C4F5A6B", Kind: alias.Sub}},
		{name: "email alias sent as is", cfg: emailAlias, in: "Diego@Example.com", want: alias.Resolution{Name: "Diego@Example.com", Kind: alias.Email}},
		{name: "email looked up", cfg: plain, in: "diego@example.com",
			pages:       map[string][][]types.UserType{`email = "diego@example.com"`: {{user("dramirez", "email", "diego@example.com")}}},
			want:        alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"},
			wantFilters: []string{`email = "diego@example.com"`}},
		{name: "email looked up case-insensitively", cfg: plainCI, in: "Diego@EXAMPLE.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{user("dramirez", "email", "Diego@Example.com")}}},
			want:  alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "email on page two", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{}, {user("dramirez", "email", "diego@example.com")}}},
			want:  alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "email ambiguous across pages", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {
				{user("dramirez", "email", "diego@example.com")}, {user("diego2", "email", "diego@example.com")}}},
			wantErr: alias.ErrAmbiguous},
		{name: "same user twice is not ambiguous", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {
				{user("dramirez", "email", "diego@example.com")}, {user("dramirez", "email", "diego@example.com")}}},
			want: alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "federated profile does not make a native user ambiguous", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{
				federated("Google_1234567890", "email", "diego@example.com"), user("dramirez", "email", "diego@example.com")}}},
			want: alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "two native users stay ambiguous beside a federated one", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{
				federated("Google_1234567890", "email", "diego@example.com"), user("dramirez", "email", "diego@example.com"),
				user("diego2", "email", "diego@example.com")}}},
			wantErr: alias.ErrAmbiguous},
		{name: "an unverified email makes no verified user ambiguous", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{
				user("stale", "email", "diego@example.com", "email_verified", "false"), user("dramirez", "email", "diego@example.com", "email_verified", "true")}}},
			want: alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "only a federated profile matches", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{federated("Google_1234567890", "email", "diego@example.com")}}},
			want:  alias.Resolution{Name: "Google_1234567890", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		{name: "loose server match ignored", cfg: plain, in: "diego@example.com",
			pages: map[string][][]types.UserType{`email = "diego@example.com"`: {{
				user("dramirez", "email", "diego@example.com"), user("other", "email", "diego@example.com.evil")}}},
			want: alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"}},
		// R32: where an email or phone number can be a username, the user
		// whose username it is wins, whoever else holds it as an attribute;
		// ListUsers is not asked.
		{name: "email-shaped username wins over another user's email", cfg: plain, in: "bob@example.com",
			users: map[string]*cip.AdminGetUserOutput{"bob@example.com": bob},
			pages: map[string][][]types.UserType{`email = "bob@example.com"`: {{user("yuser", "email", "bob@example.com", "email_verified", "true")}}},
			want:  alias.Resolution{Name: "bob@example.com", Kind: alias.Username, User: bob}, wantFilters: []string{}, wantGets: []string{"bob@example.com"}},
		{name: "email-shaped username wins in a phone-alias pool", cfg: phoneAlias, in: "bob@example.com",
			users: map[string]*cip.AdminGetUserOutput{"bob@example.com": bob},
			want:  alias.Resolution{Name: "bob@example.com", Kind: alias.Username, User: bob}, wantFilters: []string{}},
		{name: "email-shaped username asked folded in a case-insensitive pool", cfg: plainCI, in: "Bob@Example.com",
			users: map[string]*cip.AdminGetUserOutput{"bob@example.com": bob},
			want:  alias.Resolution{Name: "bob@example.com", Kind: alias.Username, User: bob}, wantGets: []string{"bob@example.com"}},
		{name: "phone-shaped username wins over another user's phone", cfg: plain, in: "+12065550100",
			users: map[string]*cip.AdminGetUserOutput{"+12065550100": phoneName},
			pages: map[string][][]types.UserType{`phone_number = "+12065550100"`: {{user("pyuser", "phone_number", "+12065550100", "phone_number_verified", "true")}}},
			want:  alias.Resolution{Name: "+12065550100", Kind: alias.Username, User: phoneName}, wantFilters: []string{}, wantGets: []string{"+12065550100"}},
		{name: "a preferred_username alias is read as Cognito reads it", cfg: preferredAlias, in: "bob@example.com",
			users: map[string]*cip.AdminGetUserOutput{"bob@example.com": got("bob", "preferred_username", "Bob@Example.com")},
			want:  alias.Resolution{Name: "bob", Kind: alias.PreferredUsername, User: got("bob", "preferred_username", "Bob@Example.com")}},
		{name: "no such username: the email is looked up", cfg: plain, in: "diego@example.com",
			pages:       map[string][][]types.UserType{`email = "diego@example.com"`: {{user("dramirez", "email", "diego@example.com")}}},
			want:        alias.Resolution{Name: "dramirez", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"},
			wantFilters: []string{`email = "diego@example.com"`}, wantGets: []string{"diego@example.com"}},
		{name: "email not found", cfg: plain, in: "nobody@example.com", wantErr: alias.ErrNotFound,
			wantFilters: []string{`email = "nobody@example.com"`}, wantGets: []string{"nobody@example.com"}},
		{name: "usernames are generated with UsernameAttributes: no AdminGetUser", cfg: phoneLogin, in: "diego@example.com",
			pages:    map[string][][]types.UserType{`email = "diego@example.com"`: {{user("8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b", "email", "diego@example.com")}}},
			want:     alias.Resolution{Name: "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b", Kind: alias.Email, LookedUp: true, Value: "diego@example.com"},
			wantGets: []string{}},
		{name: "a phone number with spaces can't be a username: no AdminGetUser", cfg: plain, in: "+1 206 555 0100", wantErr: alias.ErrNotFound,
			wantFilters: []string{`phone_number = "+12065550100"`}, wantGets: []string{}},
		{name: "a phone number with dashes is asked as the username given", cfg: plain, in: "+1-206-555-0100", wantErr: alias.ErrNotFound,
			wantGets: []string{"+1-206-555-0100"}},
		{name: "phone looked up", cfg: plain, in: "+1 206 555 0100",
			pages: map[string][][]types.UserType{`phone_number = "+12065550100"`: {{user("dramirez", "phone_number", "+12065550100")}}},
			want:  alias.Resolution{Name: "dramirez", Kind: alias.Phone, LookedUp: true, Value: "+12065550100"}},
		{name: "phone not found", cfg: plain, in: "+12065550100", wantErr: alias.ErrNotFound,
			wantFilters: []string{`phone_number = "+12065550100"`}, wantGets: []string{"+12065550100"}},
		{name: "national number in phone-login pool", cfg: phoneLogin, opts: alias.Options{DefaultCountryCode: "1"}, in: "(206) 555-0100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}},
		{name: "national number stays a username elsewhere", cfg: plain, opts: alias.Options{DefaultCountryCode: "1"}, in: "2065550100",
			want: alias.Resolution{Name: "2065550100", Kind: alias.Username}},
		{name: "invalid identifier sends nothing", cfg: plain, in: "diego ramirez", wantErr: alias.ErrInvalid, wantFilters: []string{}, wantGets: []string{}},
		{name: "a username is sent as is, unread", cfg: plain, in: "bob", want: alias.Resolution{Name: "bob", Kind: alias.Username}, wantGets: []string{}},
		{name: "a sign-in email is sent as is, unread", cfg: emailAlias, in: "bob@example.com",
			want: alias.Resolution{Name: "bob@example.com", Kind: alias.Email}, wantGets: []string{}, wantFilters: []string{}},
		// R32: a phone number "can only contain the + sign and digits", so
		// "+1-206-555-0100" is no phone number to Cognito and may be a
		// username even where phone_number is an alias; it is asked for as
		// typed before its E.164 form goes out as the alias.
		{name: "a dashed phone number is asked as a username first in a phone-alias pool", cfg: phoneAlias, in: "+1-206-555-0100",
			users: map[string]*cip.AdminGetUserOutput{"+1-206-555-0100": dashed},
			want:  alias.Resolution{Name: "+1-206-555-0100", Kind: alias.Username, User: dashed}, wantGets: []string{"+1-206-555-0100"}, wantFilters: []string{}},
		{name: "no such username: the dashed phone number goes out as the alias", cfg: phoneAlias, in: "+1-206-555-0100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}, wantGets: []string{"+1-206-555-0100"}, wantFilters: []string{}},
		{name: "a sign-in phone number in E.164 is sent as is, unread", cfg: phoneAlias, in: "+12065550100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}, wantGets: []string{}, wantFilters: []string{}},
		{name: "a phone number with spaces can't be a username: sent as the alias, unread", cfg: phoneAlias, in: "+1 206 555 0100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}, wantGets: []string{}, wantFilters: []string{}},
		{name: "usernames are generated with UsernameAttributes: a dashed phone number is not asked for", cfg: phoneLogin, in: "+1-206-555-0100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}, wantGets: []string{}, wantFilters: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &listStub{pages: tt.pages, users: tt.users}
			r, err := alias.NewResolver(stub, tt.opts)
			require.NoError(t, err)
			got, err := r.Resolve(context.Background(), "us-west-2_aaaaaaaaa", tt.cfg, tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				if len(tt.in) > 4 {
					assert.NotContains(t, err.Error(), tt.in)
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
			if tt.wantGets != nil {
				if len(tt.wantGets) == 0 {
					assert.Empty(t, stub.gets, "AdminGetUser")
				} else {
					assert.Equal(t, tt.wantGets, stub.gets, "AdminGetUser")
				}
			}
			if tt.wantFilters != nil {
				if len(tt.wantFilters) == 0 {
					assert.Empty(t, stub.filters)
				} else {
					assert.Equal(t, tt.wantFilters, dedupe(stub.filters))
				}
			}
		})
	}
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

func TestResolve_PaginationTokensFollowed(t *testing.T) {
	stub := &listStub{pages: map[string][][]types.UserType{`email = "d@example.com"`: {{}, {}, {user("x", "email", "d@example.com")}}}}
	r, err := alias.NewResolver(stub, alias.Options{})
	require.NoError(t, err)
	got, err := r.Resolve(context.Background(), "p_1", alias.PoolConfig{}, "d@example.com")
	require.NoError(t, err)
	assert.Equal(t, "x", got.Name)
	assert.Equal(t, []string{"", "1", "2"}, stub.tokens)
}

func TestResolve_Errors(t *testing.T) {
	boom := errors.New("boom")
	r, err := alias.NewResolver(&listStub{err: boom}, alias.Options{})
	require.NoError(t, err)
	_, err = r.Resolve(context.Background(), "p_1", alias.PoolConfig{}, "d@example.com")
	assert.ErrorIs(t, err, boom, "the API's error is passed through")

	loop := &listStub{loop: true}
	r, err = alias.NewResolver(loop, alias.Options{})
	require.NoError(t, err)
	_, err = r.Resolve(context.Background(), "p_1", alias.PoolConfig{}, "d@example.com")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "repeated its pagination token")
	assert.Len(t, loop.filters, 2)

	_, err = alias.NewResolver(nil, alias.Options{})
	assert.ErrorIs(t, err, alias.ErrInvalid)
	_, err = alias.NewResolver(&listStub{}, alias.Options{DefaultCountryCode: "x"})
	assert.ErrorIs(t, err, alias.ErrInvalid)
}

// Classify never reads a quoted local part as an email (net/mail gives it
// back unquoted), so quotes and backslashes reach a filter only through
// Filter itself; it escapes them all the same.
func TestFilter(t *testing.T) {
	f, err := alias.Filter("email", `a"b\c`)
	require.NoError(t, err)
	assert.Equal(t, `email = "a\"b\\c"`, f)
	_, err = alias.Filter("email", strings.Repeat("x", 246))
	assert.NoError(t, err, "exactly 256 characters")
	_, err = alias.Filter("email", strings.Repeat("x", 247))
	assert.ErrorIs(t, err, alias.ErrInvalid)
}

// The SDK client satisfies API.
var _ alias.API = (*cip.Client)(nil)
