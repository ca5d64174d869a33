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

// listStub answers ListUsers from pages keyed by filter, and records calls.
type listStub struct {
	pages   map[string][][]types.UserType
	err     error
	filters []string
	tokens  []string
	loop    bool
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

	tests := []struct {
		name        string
		cfg         alias.PoolConfig
		opts        alias.Options
		pages       map[string][][]types.UserType
		in          string
		want        alias.Resolution
		wantErr     error
		wantFilters []string
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
		{name: "email-shaped username", cfg: plain, in: "diego@example.com",
			pages:       map[string][][]types.UserType{`username = "diego@example.com"`: {{user("diego@example.com")}}},
			want:        alias.Resolution{Name: "diego@example.com", Kind: alias.Username, LookedUp: true, Value: "diego@example.com"},
			wantFilters: []string{`email = "diego@example.com"`, `username = "diego@example.com"`}},
		{name: "email not found", cfg: plain, in: "nobody@example.com", wantErr: alias.ErrNotFound,
			wantFilters: []string{`email = "nobody@example.com"`, `username = "nobody@example.com"`}},
		{name: "phone looked up", cfg: plain, in: "+1 206 555 0100",
			pages: map[string][][]types.UserType{`phone_number = "+12065550100"`: {{user("dramirez", "phone_number", "+12065550100")}}},
			want:  alias.Resolution{Name: "dramirez", Kind: alias.Phone, LookedUp: true, Value: "+12065550100"}},
		{name: "phone not found, no username fallback", cfg: plain, in: "+12065550100", wantErr: alias.ErrNotFound,
			wantFilters: []string{`phone_number = "+12065550100"`}},
		{name: "national number in phone-login pool", cfg: phoneLogin, opts: alias.Options{DefaultCountryCode: "1"}, in: "(206) 555-0100",
			want: alias.Resolution{Name: "+12065550100", Kind: alias.Phone}},
		{name: "national number stays a username elsewhere", cfg: plain, opts: alias.Options{DefaultCountryCode: "1"}, in: "2065550100",
			want: alias.Resolution{Name: "2065550100", Kind: alias.Username}},
		{name: "invalid identifier sends nothing", cfg: plain, in: "diego ramirez", wantErr: alias.ErrInvalid, wantFilters: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &listStub{pages: tt.pages}
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

// The SDK client satisfies ListUsersAPI.
var _ alias.ListUsersAPI = (*cip.Client)(nil)
