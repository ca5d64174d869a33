package resetpw_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// identityTarget is the API a Reset talks to: the Fake itself, or the
// Server in front of it through the real SDK client. Either way the Fake
// records what was delivered.
type identityTarget struct {
	name string
	api  func(t *testing.T, f *resetpwtest.Fake) resetpw.API
}

var identityTargets = []identityTarget{
	{"fake", func(_ *testing.T, f *resetpwtest.Fake) resetpw.API { return f }},
	{"server", func(t *testing.T, f *resetpwtest.Fake) resetpw.API {
		srv := resetpwtest.NewServer(f)
		t.Cleanup(srv.Close)
		return srv.Client()
	}},
}

// twin is a pool where the identifier is one user's username and another
// user's attribute.
type twin struct {
	name  string
	pool  types.UserPoolType
	id    string                   // what the caller passes: the username of the first user
	owner []string                 // the first user's attributes: its own contact
	other func(id string) []string // the other user's attributes, holding id
	moved func(id string) []string // the other user's attributes once it gave id up
	kind  alias.Kind               // how the Result reads id
	off   bool                     // also run with PreflightOff
}

var twins = []twin{
	{name: "email-shaped username, email not an alias", id: "bob@example.com",
		owner: []string{"email", "bob.new@example.com", "email_verified", "true"},
		other: func(id string) []string { return []string{"email", id, "email_verified", "true"} },
		moved: func(string) []string { return []string{"email", "y@example.com", "email_verified", "true"} },
		kind:  alias.Username, off: true},
	{name: "phone-shaped username, phone not an alias", id: "+12065550100",
		owner: []string{"email", "phone.owner@example.com", "email_verified", "true"},
		other: func(id string) []string { return []string{"phone_number", id, "phone_number_verified", "true"} },
		moved: func(string) []string {
			return []string{"phone_number", "+12065550199", "phone_number_verified", "true"}
		},
		kind: alias.Username, off: true},
	{name: "email-shaped username in a phone-alias pool", id: "bob@example.com",
		pool:  types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePhoneNumber}},
		owner: []string{"email", "bob.new@example.com", "email_verified", "true"},
		other: func(id string) []string { return []string{"email", id, "email_verified", "true"} },
		moved: func(string) []string { return []string{"email", "y@example.com", "email_verified", "true"} },
		kind:  alias.Username, off: true},
	// R32: "A phone number can only contain the + sign and digits", so a
	// dashed one is no phone number to Cognito and may be a username even
	// where phone_number is an alias; Cognito resets that user, not the
	// holder of its E.164 form.
	{name: "dashed phone-shaped username in a phone-alias pool", id: "+1-206-555-0100",
		pool:  types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePhoneNumber}},
		owner: []string{"email", "dashed.owner@example.com", "email_verified", "true"},
		other: func(string) []string {
			return []string{"phone_number", "+12065550100", "phone_number_verified", "true"}
		},
		moved: func(string) []string {
			return []string{"phone_number", "+12065550199", "phone_number_verified", "true"}
		},
		kind: alias.Username, off: true},
	// R32, assumed: a username wins over another user's preferred_username
	// alias. Cognito itself reads this one (the pool signs in with
	// preferred_username), so the library sends the name as AdminGetUser
	// read it; this row pins the Fake's order.
	{name: "username and another user's preferred_username alias", id: "bob",
		pool:  types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypePreferredUsername}},
		owner: []string{"email", "bob.new@example.com", "email_verified", "true"},
		other: func(id string) []string {
			return []string{"preferred_username", id, "email", "y@example.com", "email_verified", "true"}
		},
		moved: func(string) []string {
			return []string{"preferred_username", "yy", "email", "y@example.com", "email_verified", "true"}
		},
		kind: alias.Username, off: true},
}

// The wrong-user case of issue 17: in a pool that does not sign in with
// email, Username "bob@example.com" names user bob@example.com, as Cognito
// reads it (R32), not user yuser whose verified email it is. Its phone and
// preferred_username twins, and the same with a stale ListUsers index
// (R23): the code goes to bob@example.com and nothing to yuser.
func TestReset_UsernameWinsOverAnotherUsersAttribute(t *testing.T) {
	stale := []string{
		"fresh index",
		"index frozen before the username's user existed",
		"index frozen while the other user still held it",
	}
	for _, target := range identityTargets {
		for _, tw := range twins {
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool, resetpw.PreflightOff} {
				if p == resetpw.PreflightOff && !tw.off {
					continue
				}
				for _, st := range stale {
					t.Run(target.name+"/"+tw.name+"/"+string(p)+"/"+st, func(t *testing.T) {
						ctx := context.Background()
						f := resetpwtest.NewFake()
						pool := f.AddPool(tw.pool)
						_, err := f.AddUser(pool, resetpwtest.User("yuser", tw.other(tw.id)...))
						require.NoError(t, err)
						var thaw func()
						switch st {
						case stale[1]:
							thaw = f.FreezeListUsers()
						case stale[2]:
							thaw = f.FreezeListUsers()
							updateAttrs(t, f, pool, "yuser", tw.moved(tw.id)...)
						}
						if thaw != nil {
							defer thaw()
						}
						_, err = f.AddUser(pool, resetpwtest.User(tw.id, tw.owner...))
						require.NoError(t, err)

						r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(p))
						require.NoError(t, err)
						res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: tw.id})
						require.NoError(t, err)
						assert.Equal(t, tw.id, res.Username, "the name sent is the username's")
						if p != resetpw.PreflightOff {
							assert.Equal(t, tw.kind, res.Input)
						}
						d := f.Deliveries()
						require.Len(t, d, 1, "one code")
						assert.Equal(t, tw.id, d[0].Username, "to the user whose username it is")
						assert.Equal(t, tw.owner[1], d[0].Destination)
						other, err := f.User(pool, "yuser")
						require.NoError(t, err)
						assert.Equal(t, types.UserStatusTypeConfirmed, other.UserStatus, "yuser was not reset")
					})
				}
			}
		}
	}
}

// PreflightOff reads nothing, so it must send the Username as typed
// wherever the typed form can be a username: "+1-206-555-0100" and
// "+12065550100" are two usernames in a pool without the phone alias, and
// Cognito resets the first (R32). Only a form that can't be a username
// (white space) is sent in E.164.
func TestReset_PreflightOffSendsAPhoneShapedUsernameAsTyped(t *testing.T) {
	for _, target := range identityTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, resetpwtest.User("+1-206-555-0100", "email", "dashed@example.com", "email_verified", "true"))
			require.NoError(t, err)
			_, err = f.AddUser(pool, resetpwtest.User("+12065550100", "email", "e164@example.com", "email_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(resetpw.PreflightOff))
			require.NoError(t, err)
			res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: " +1-206-555-0100 "})
			require.NoError(t, err)
			assert.Equal(t, "+1-206-555-0100", res.Username)
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "+1 206 555 0100"})
			require.NoError(t, err)
			d := f.Deliveries()
			require.Len(t, d, 2)
			assert.Equal(t, "+1-206-555-0100", d[0].Username, "the user whose username was typed")
			assert.Equal(t, "+12065550100", d[1].Username, "white space can't be in a username: E.164")
		})
	}
}

// Where no user has the identifier as a username, the email or phone
// number is still looked up, and the user ListUsers names is confirmed
// with AdminGetUser (R23) before the code goes out.
func TestReset_LookupWhenNoSuchUsername(t *testing.T) {
	tests := []struct {
		name, id string
		attrs    []string
		kind     alias.Kind
		gets     int
	}{
		{"email", "diego@example.com", []string{"email", "diego@example.com", "email_verified", "true"}, alias.Email, 2},
		{"phone", "+12065550100", []string{"phone_number", "+12065550100", "phone_number_verified", "true"}, alias.Phone, 2},
		{"phone with dashes", "+1-206-555-0100", []string{"phone_number", "+12065550100", "phone_number_verified", "true"}, alias.Phone, 2},
		// White space can't be in a username: it is not asked for as one.
		{"phone with spaces", "+1 (206) 555-0100", []string{"phone_number", "+12065550100", "phone_number_verified", "true"}, alias.Phone, 1},
	}
	for _, target := range identityTargets {
		for _, tt := range tests {
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
				t.Run(target.name+"/"+tt.name+"/"+string(p), func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole()})
					_, err := f.AddUser(pool, resetpwtest.User("dramirez", tt.attrs...))
					require.NoError(t, err)
					r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(p))
					require.NoError(t, err)
					res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: tt.id})
					require.NoError(t, err)
					assert.Equal(t, "dramirez", res.Username)
					assert.Equal(t, tt.kind, res.Input)
					d := f.Deliveries()
					require.Len(t, d, 1)
					assert.Equal(t, "dramirez", d[0].Username)
					assert.Equal(t, 1, f.Calls("ListUsers"), "looked up once")
					assert.Equal(t, tt.gets, f.Calls("AdminGetUser"), "asked for as a username (when it can be one), then the match confirmed")
				})
			}
		}
	}
}

// Requests per Reset, by kind of pool and identifier, on a Resetter whose
// pool cache is cold (one DescribeUserPool each). Reading an email or phone
// number as a username costs one AdminGetUser, which the preflight then
// reuses; a pool that signs in with the identifier costs what it did; a sub
// costs one AdminGetUser and one ListUsers, whatever the preflight.
func TestReset_RequestsPerReset(t *testing.T) {
	byEmail := types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}}
	emailAlias := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}}
	verified := []string{"email", "diego@example.com", "email_verified", "true"}
	type counts struct{ describe, get, list, reset int }
	tests := []struct {
		name           string
		pool           types.UserPoolType
		user           string
		attrs          []string
		id             string
		full, poolOnly counts
	}{
		{"username", types.UserPoolType{}, "diego", verified, "diego", counts{1, 1, 0, 1}, counts{1, 0, 0, 1}},
		{"pool signs in with email (UsernameAttributes)", byEmail, "diego@example.com", []string{"email_verified", "true"}, "diego@example.com",
			counts{1, 1, 0, 1}, counts{1, 0, 0, 1}},
		{"pool signs in with email (alias)", emailAlias, "diego", verified, "diego@example.com", counts{1, 1, 0, 1}, counts{1, 0, 0, 1}},
		{"email-shaped username, no alias", types.UserPoolType{}, "diego@example.com", verified, "diego@example.com",
			counts{1, 1, 0, 1}, counts{1, 1, 0, 1}},
		{"email-shaped username with another email, no alias", types.UserPoolType{}, "bob@example.com",
			[]string{"email", "bob.new@example.com", "email_verified", "true"}, "bob@example.com", counts{1, 1, 0, 1}, counts{1, 1, 0, 1}},
		{"phone-shaped username, no alias", types.UserPoolType{}, "+12065550100", verified, "+12065550100",
			counts{1, 1, 0, 1}, counts{1, 1, 0, 1}},
		{"email looked up, no alias", types.UserPoolType{}, "diego", verified, "diego@example.com", counts{1, 2, 1, 1}, counts{1, 2, 1, 1}},
		{"email looked up, UsernameAttributes phone", types.UserPoolType{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypePhoneNumber}},
			"+12065550100", verified, "diego@example.com", counts{1, 1, 1, 1}, counts{1, 1, 1, 1}},
		// R26: a sub is read and confirmed: no other user has it as a username.
		{"sub", types.UserPoolType{}, "diego", append([]string{"sub", "0b6d7a52-2f1e-4c51-9d3a-6f0e5b8c1a11"}, verified...),
			"0b6d7a52-2f1e-4c51-9d3a-6f0e5b8c1a11", counts{1, 1, 1, 1}, counts{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
			t.Run(tt.name+"/"+string(p), func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(tt.pool)
				_, err := f.AddUser(pool, resetpwtest.User(tt.user, tt.attrs...))
				require.NoError(t, err)
				r, err := resetpw.New(f, resetpw.WithPreflight(p))
				require.NoError(t, err)
				_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: tt.id})
				require.NoError(t, err)
				got := counts{f.Calls("DescribeUserPool"), f.Calls("AdminGetUser"),
					f.Calls("ListUsers"), f.Calls("AdminResetUserPassword")}
				want := tt.full
				if p == resetpw.PreflightPool {
					want = tt.poolOnly
				}
				t.Logf("DescribeUserPool %d, AdminGetUser %d, ListUsers %d, AdminResetUserPassword %d", got.describe, got.get, got.list, got.reset)
				assert.Equal(t, want, got)
			})
		}
	}
}

func updateAttrs(t *testing.T, f *resetpwtest.Fake, pool, user string, kv ...string) {
	t.Helper()
	var attrs []types.AttributeType
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, types.AttributeType{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	_, err := f.AdminUpdateUserAttributes(context.Background(), &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: &user, UserAttributes: attrs})
	require.NoError(t, err)
}

// A bulk run tells inputs apart as Cognito reads them (R32):
// "+1-206-555-0100" and "+12065550100" are two usernames in a pool without
// the phone alias, and neither input is a duplicate of the other, whatever
// the preflight.
func TestBulk_PhoneShapedUsernamesAreDistinctUsers(t *testing.T) {
	ids := []string{"+1-206-555-0100", "+12065550100"}
	for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool, resetpw.PreflightOff} {
		t.Run(string(p), func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			for i, id := range ids {
				_, err := f.AddUser(pool, resetpwtest.User(id, "email", fmt.Sprintf("u%d@example.com", i), "email_verified", "true"))
				require.NoError(t, err)
			}
			r, err := resetpw.New(f, resetpw.WithPreflight(p))
			require.NoError(t, err)
			reqs := func(yield func(resetpw.Request) bool) {
				for _, id := range ids {
					if !yield(resetpw.Request{UserPoolID: pool, Username: id}) {
						return
					}
				}
			}
			sum, err := bulk.Run(context.Background(), r, bulk.Requests(reqs), bulk.Options{Concurrency: 1}, func(o bulk.Outcome) {
				assert.False(t, o.Duplicate, "input %d (%s) is no duplicate", o.Index, o.Input.Request.Username)
				assert.NoError(t, o.Err)
			})
			require.NoError(t, err)
			assert.Equal(t, 2, sum.Sent)
			var got []string
			for _, d := range f.Deliveries() {
				got = append(got, d.Username)
			}
			assert.ElementsMatch(t, ids, got, "each user got one code")
		})
	}
}

// A stale ListUsers index must never reset the wrong user: the user it
// names is read with AdminGetUser and must still hold the identifier, with
// full preflight and with PreflightPool alike (docs/cognito-rules.md, R23).
func TestReset_StaleIndexNeverResetsTheWrongUser(t *testing.T) {
	for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
		for _, change := range []string{"email moved to another address", "email no longer verified"} {
			t.Run(string(p)+"/"+change, func(t *testing.T) {
				ctx := context.Background()
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{}) // email is not a sign-in attribute: looked up
				_, err := f.AddUser(pool, resetpwtest.User("alice", "email", "bob@example.com", "email_verified", "true"))
				require.NoError(t, err)
				thaw := f.FreezeListUsers()
				attrs := []types.AttributeType{{Name: aws.String("email"), Value: aws.String("alice@example.com")},
					{Name: aws.String("email_verified"), Value: aws.String("true")}}
				if change == "email no longer verified" {
					attrs = []types.AttributeType{{Name: aws.String("email_verified"), Value: aws.String("false")}}
				}
				_, err = f.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("alice"), UserAttributes: attrs})
				require.NoError(t, err)
				_, err = f.AddUser(pool, resetpwtest.User("bob", "email", "bob@example.com", "email_verified", "true"))
				require.NoError(t, err)

				r, err := resetpw.New(f, resetpw.WithPreflight(p))
				require.NoError(t, err)
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "bob@example.com"})
				require.ErrorIs(t, err, resetpw.ErrUserNotFound)
				if change == "email moved to another address" {
					assert.Contains(t, err.Error(), "stale")
				} else {
					assert.Contains(t, err.Error(), "unverified")
				}
				assert.NotContains(t, err.Error(), "bob@example.com")
				var e *resetpw.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, resetpw.OpResolve, e.Op)
				assert.Zero(t, f.Calls("AdminResetUserPassword"), "nothing is sent")
				assert.Equal(t, 2, f.Calls("AdminGetUser"),
					"one read asks whether bob@example.com is a username (R32); the user ListUsers named is read even with PreflightPool (R23)")

				thaw() // the index catches up: bob is found, and reset
				res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "bob@example.com"})
				require.NoError(t, err)
				assert.Equal(t, "bob", res.Username)
				d := f.Deliveries()
				require.Len(t, d, 1)
				assert.Equal(t, "bob", d[0].Username)
			})
		}
	}
}

// Federated profiles can't be reset, so they make no native user
// ambiguous; two native users still do (R11).
func TestReset_FederatedProfiles(t *testing.T) {
	ctx := context.Background()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	federated := func(name, email string) {
		u := resetpwtest.User(name, "email", email, "email_verified", "true")
		u.UserStatus = types.UserStatusTypeExternalProvider
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	native := func(name, email string) {
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", email, "email_verified", "true"))
		require.NoError(t, err)
	}
	federated("Google_1234567890", "diego@example.com")
	native("diego", "diego@example.com")
	federated("Google_2222222222", "sam@example.com")
	native("sam", "sam@example.com")
	native("sam2", "sam@example.com")
	federated("Facebook_333", "fed.only@example.com")

	r, err := resetpw.New(f)
	require.NoError(t, err)
	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego@example.com"})
	require.NoError(t, err)
	assert.Equal(t, "diego", res.Username)

	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "sam@example.com"})
	assert.ErrorIs(t, err, resetpw.ErrAmbiguousAlias)

	_, err = r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "fed.only@example.com"})
	require.ErrorIs(t, err, resetpw.ErrUserState)
	assert.Contains(t, err.Error(), "federated")
	assert.Len(t, f.Deliveries(), 1, "only diego's code went out")
}

// R26, R32: in a pool that signs in with usernames, a UUID-shaped string is
// a legal username, so one user's username can be another user's sub, and
// which of them Cognito reads is not documented. A sub-shaped input is
// confirmed as the sub of the user read; where a username and another
// user's sub could both be meant, the reset is refused as ambiguous with
// nothing sent, on the Fake and through the real SDK client.
func TestReset_SubIsConfirmedAsTheUsersSub(t *testing.T) {
	const (
		aliceSub = "0b6d7a52-2f1e-4c51-9d3a-6f0e5b8c1a11"
		bobSub   = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
		carolSub = "16fd2706-8baf-433b-82eb-8c7fada847da"
	)
	emailAlias := types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}}
	insensitive := types.UserPoolType{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}}
	tests := []struct {
		name   string
		pool   types.UserPoolType
		users  []types.UserType
		id     string
		want   error  // nil: reset
		user   string // who gets the code
		input  alias.Kind
		checks int  // ListUsers calls
		full   bool // only with PreflightFull: PreflightPool sends the alias, which only its holder has
	}{
		{name: "a sub no username holds names its user", users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true")},
			id: aliceSub, user: "alice", input: alias.Sub, checks: 1},
		{name: "one user's username is another user's sub", users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true"),
			resetpwtest.User(aliceSub, "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: aliceSub, want: resetpw.ErrAmbiguousAlias, checks: 1},
		{name: "a UUID-shaped username no sub matches", users: []types.UserType{
			resetpwtest.User(carolSub, "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: carolSub, user: carolSub, input: alias.Username, checks: 1},
		{name: "a user found by alias whose username is another user's sub", pool: emailAlias, users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true"),
			resetpwtest.User(aliceSub, "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: "bob@example.com", want: resetpw.ErrAmbiguousAlias, checks: 1, full: true},
		// A username equal to another user's sub but for case is two
		// readings: subs compare in any case, usernames as the pool does.
		{name: "a username that is another user's sub in upper case, typed in lower case, case-insensitive pool", pool: insensitive, users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true"),
			resetpwtest.User(strings.ToUpper(aliceSub), "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: aliceSub, want: resetpw.ErrAmbiguousAlias, checks: 1},
		{name: "a username that is another user's sub in upper case, typed in upper case, case-insensitive pool", pool: insensitive, users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true"),
			resetpwtest.User(strings.ToUpper(aliceSub), "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: strings.ToUpper(aliceSub), want: resetpw.ErrAmbiguousAlias, checks: 1},
		{name: "a username that is another user's sub in upper case, typed in upper case, case-sensitive pool", users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true"),
			resetpwtest.User(strings.ToUpper(aliceSub), "sub", bobSub, "email", "bob@example.com", "email_verified", "true")},
			id: strings.ToUpper(aliceSub), want: resetpw.ErrAmbiguousAlias, checks: 1},
		{name: "a sub nobody holds", users: []types.UserType{
			resetpwtest.User("alice", "sub", aliceSub, "email", "alice@example.com", "email_verified", "true")},
			id: bobSub, want: resetpw.ErrUserNotFound},
	}
	for _, target := range identityTargets {
		for _, tt := range tests {
			for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
				t.Run(target.name+"/"+tt.name+"/"+string(p), func(t *testing.T) {
					if tt.full && p != resetpw.PreflightFull {
						t.Skip("PreflightPool sends the alias itself")
					}
					f := resetpwtest.NewFake()
					pool := f.AddPool(tt.pool)
					for _, u := range tt.users {
						_, err := f.AddUser(pool, u)
						require.NoError(t, err)
					}
					r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(p))
					require.NoError(t, err)
					res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: tt.id})
					assert.Equal(t, tt.checks, f.Calls("ListUsers"), "ListUsers calls")
					if tt.want != nil {
						require.ErrorIs(t, err, tt.want)
						assert.Empty(t, f.Deliveries(), "nothing is sent")
						assert.Zero(t, f.Calls("AdminResetUserPassword"))
						return
					}
					require.NoError(t, err)
					assert.Equal(t, tt.user, res.Username)
					assert.Equal(t, tt.input, res.Input)
					require.Len(t, f.Deliveries(), 1)
					assert.Equal(t, tt.user, f.Deliveries()[0].Username)
				})
			}
		}
	}
}

// R62: CodeDeliveryFailureException says the code failed to deliver. It is
// the pool's delivery that failed (ErrDeliveryConfig), Cognito answered it
// (FateAnswered), and the password may have been reset anyway, leaving the
// user RESET_REQUIRED with no code: MaybeSent is true, the daily email cap
// keeps the code's place, and the error says the user may need another
// reset, on the Fake and through the real SDK client.
func TestReset_CodeDeliveryFailureMayHaveResetThePassword(t *testing.T) {
	for _, target := range identityTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{})
			_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
			require.NoError(t, err)
			f.FailNext("AdminResetUserPassword", 1, &types.CodeDeliveryFailureException{Message: aws.String("Invalid email provided/Unable to send the email")})
			emails := quota.NewLocalEmailCounter()
			r, err := resetpw.New(target.api(t, f), resetpw.WithRetries(3, time.Millisecond, time.Millisecond), resetpw.WithEmailCap(0, emails))
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
			require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
			var e *resetpw.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, resetpw.OpReset, e.Op)
			assert.Equal(t, resetpw.FateAnswered, e.Fate)
			assert.True(t, resetpw.MaybeSent(err), "the password may have been reset")
			assert.Contains(t, err.Error(), "may need another reset")
			// AdminResetUserPassword does not declare it, so the SDK
			// gives it no type of its own: the code tells it.
			var apiErr interface{ ErrorCode() string }
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "CodeDeliveryFailureException", apiErr.ErrorCode())
			assert.Equal(t, 1, f.Calls("AdminResetUserPassword"), "not retried")
			sent, err := emails.EmailsSent(context.Background(), resetpwtest.DefaultAccount, "us-west-2", time.Now())
			require.NoError(t, err)
			assert.Equal(t, 1, sent, "Cognito tried to send: the code keeps its place under the cap")
			u, err := f.User(pool, "diego")
			require.NoError(t, err)
			assert.Equal(t, types.UserStatusTypeResetRequired, u.UserStatus, "the Fake resets, then answers")
		})
	}
}

// R61, R62: a pool without an SMS configuration can't send an SMS code.
// The preflight refuses it before sending; sent without preflight, Cognito
// answers with the message users observed (the exception's type inferred
// from its shape), which is ErrDeliveryConfig and, since the password may
// have been reset all the same, MaybeSent, on the Fake and through the real
// SDK client.
func TestReset_PoolWithoutSMSConfigurationAnswersTheObservedMessage(t *testing.T) {
	const observed = "Invalid phone number provided/Unable to send the message. User pool does not have SMS configuration to send messages."
	for _, target := range identityTargets {
		for _, p := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightOff} {
			t.Run(target.name+"/"+string(p), func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{}) // no SmsConfiguration
				_, err := f.AddUser(pool, resetpwtest.User("diego", "phone_number", "+12065550100", "phone_number_verified", "true"))
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(p))
				require.NoError(t, err)
				_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
				require.ErrorIs(t, err, resetpw.ErrDeliveryConfig)
				assert.Empty(t, f.Deliveries())
				u, uerr := f.User(pool, "diego")
				require.NoError(t, uerr)
				if p == resetpw.PreflightFull {
					assert.False(t, resetpw.MaybeSent(err))
					assert.Zero(t, f.Calls("AdminResetUserPassword"), "refused before sending")
					assert.Equal(t, types.UserStatusTypeConfirmed, u.UserStatus)
					return
				}
				assert.True(t, resetpw.MaybeSent(err), "the password may have been reset")
				var apiErr interface {
					ErrorCode() string
					ErrorMessage() string
				}
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "CodeDeliveryFailureException", apiErr.ErrorCode())
				assert.Equal(t, observed, apiErr.ErrorMessage())
				assert.Equal(t, types.UserStatusTypeResetRequired, u.UserStatus, "the Fake resets, then answers")
			})
		}
	}
}

// R10: an UNCONFIRMED user is refused by the preflight as ErrUserState, with
// nothing sent. Sent without preflight, R8 decides on the Fake: one with no
// verified contact gets Cognito's observed answer (InvalidParameterException,
// "no registered/verified email or phone_number"), read as
// ErrNoVerifiedContact; one with a verified email gets the state's refusal
// (assumed), read as ErrUserState. Nothing is delivered, on the Fake and
// through the real SDK client.
func TestReset_UnconfirmedUserIsRefusedBeforeSending(t *testing.T) {
	for _, target := range identityTargets {
		for _, tt := range []struct {
			preflight resetpw.Preflight
			verified  string // email_verified
			want      resetpw.Kind
			sent      int
		}{
			{resetpw.PreflightFull, "false", resetpw.ErrUserState, 0},
			{resetpw.PreflightFull, "true", resetpw.ErrUserState, 0},
			{resetpw.PreflightOff, "false", resetpw.ErrNoVerifiedContact, 1},
			{resetpw.PreflightOff, "true", resetpw.ErrUserState, 1},
		} {
			t.Run(target.name+"/"+string(tt.preflight)+"/email_verified="+tt.verified, func(t *testing.T) {
				f := resetpwtest.NewFake()
				pool := f.AddPool(types.UserPoolType{})
				u := resetpwtest.User("diego", "email", "diego@example.com", "email_verified", tt.verified)
				u.UserStatus = types.UserStatusTypeUnconfirmed
				_, err := f.AddUser(pool, u)
				require.NoError(t, err)
				r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(tt.preflight))
				require.NoError(t, err)
				_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: pool, Username: "diego"})
				require.ErrorIs(t, err, tt.want)
				assert.False(t, resetpw.MaybeSent(err))
				assert.Equal(t, tt.sent, f.Calls("AdminResetUserPassword"))
				assert.Empty(t, f.Deliveries())
			})
		}
	}
}
