package followup_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// world is a Fake pool of users u0..u(n-1), each with a verified email, an
// app client to complete resets with, and a journal of the codes sent.
type world struct {
	f       *resetpwtest.Fake
	r       *resetpw.Resetter
	pool    string
	client  *string
	path    string
	journal *journal.Journal
}

func newWorld(t *testing.T, n int) *world {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	for i := range n {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprintf("u%d", i), "email", fmt.Sprintf("u%d@example.com", i), "email_verified", "true"))
		require.NoError(t, err)
	}
	c, err := f.CreateUserPoolClient(t.Context(), &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})
	require.NoError(t, err)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "run.jsonl")
	j, err := journal.Create(path)
	require.NoError(t, err)
	require.NoError(t, j.Begin(pool, nil, "full"))
	w := &world{f: f, r: r, pool: pool, client: c.UserPoolClient.ClientId, path: path, journal: j}
	t.Cleanup(func() { _ = w.journal.Close() })
	return w
}

// reset sends users a code through the Resetter, journaling each.
func (w *world) reset(t *testing.T, users ...int) {
	t.Helper()
	for _, i := range users {
		name := fmt.Sprintf("u%d", i)
		require.NoError(t, w.journal.Write(journal.Line{Index: i, Username: name, SentAs: name, Status: "sending"}))
		res, err := w.r.Reset(t.Context(), resetpw.Request{UserPoolID: w.pool, Username: name})
		require.NoError(t, err)
		require.NoError(t, w.journal.Write(journal.Line{Index: i, Username: name, SentAs: res.Username, Status: "sent"}))
	}
}

// complete has users complete their reset with the last code delivered.
func (w *world) complete(t *testing.T, users ...int) {
	t.Helper()
	for _, i := range users {
		code := ""
		for _, d := range w.f.Deliveries() {
			if d.Username == fmt.Sprintf("u%d", i) {
				code = d.Code
			}
		}
		_, err := w.f.ConfirmForgotPassword(t.Context(), &cip.ConfirmForgotPasswordInput{ClientId: w.client, Username: aws.String(fmt.Sprintf("u%d", i)),
			ConfirmationCode: &code, Password: aws.String("N3w-passw0rd!")})
		require.NoError(t, err)
	}
}

// history reads the world's journal, as a follow-through would.
func (w *world) history(t *testing.T) *journal.History {
	t.Helper()
	f, err := os.Open(w.path)
	require.NoError(t, err)
	defer f.Close()
	h, err := journal.Read(f, w.pool)
	require.NoError(t, err)
	return h
}

// deliveriesTo counts the codes each user got.
func deliveriesTo(f *resetpwtest.Fake) map[string]int {
	n := map[string]int{}
	for _, d := range f.Deliveries() {
		n[d.Username]++
	}
	return n
}

// A run's users in every state: u0-u2 completed, u3-u5 expired, u6-u7
// pending (a code sent 10 minutes ago), u8 disabled, u9 RESET_REQUIRED
// with no record, u10 never reset (not reported), u11 deleted from the
// journal's point of view (never listed: no such user).
func stagedWorld(t *testing.T) *world {
	w := newWorld(t, 11)
	w.reset(t, 0, 1, 2, 3, 4, 5, 8)
	time.Sleep(30 * time.Minute)
	w.complete(t, 0, 1, 2)
	_, err := w.f.AdminDisableUser(t.Context(), &cip.AdminDisableUserInput{UserPoolId: &w.pool, Username: aws.String("u8")})
	require.NoError(t, err)
	time.Sleep(40 * time.Minute)
	_, err = w.f.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &w.pool, Username: aws.String("u9")})
	require.NoError(t, err) // sent by someone else: no record
	w.reset(t, 6, 7)
	require.NoError(t, w.journal.Write(journal.Line{Index: 11, Username: "u11", SentAs: "u11", Status: "sent"}))
	time.Sleep(10 * time.Minute)
	return w
}

func TestRead_StatesOfARunsUsers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := stagedWorld(t)
		got := map[string]followup.State{}
		reads := w.f.Calls("AdminGetUser")
		rep, err := followup.Read(t.Context(), w.r, w.pool, w.history(t).SentAt(), followup.Options{}, func(u followup.User) { got[u.Username] = u.State })
		require.NoError(t, err)
		assert.Equal(t, map[string]followup.State{
			"u0": followup.Completed, "u1": followup.Completed, "u2": followup.Completed,
			"u3": followup.Expired, "u4": followup.Expired, "u5": followup.Expired,
			"u6": followup.Pending, "u7": followup.Pending,
			"u8": followup.Changed, "u9": followup.NoRecord, "u11": followup.Changed,
		}, got)
		assert.Equal(t, map[followup.State]int{followup.Completed: 3, followup.Expired: 3, followup.Pending: 2, followup.Changed: 2, followup.NoRecord: 1}, rep.Counts)
		// The curve: u0-u2 completed in their first hour; u6-u7 pending,
		// u11 changed and u9 (no record) at 10 minutes; u3-u5 expired and
		// u8 changed at 80.
		require.Len(t, rep.ByHour, 2)
		assert.Equal(t, map[followup.State]int{followup.Completed: 3, followup.Pending: 2, followup.Changed: 1, followup.NoRecord: 1}, rep.ByHour[0])
		assert.Equal(t, map[followup.State]int{followup.Expired: 3, followup.Changed: 1}, rep.ByHour[1])
		assert.Equal(t, 2, rep.Requests, "one page of each status")
		assert.Equal(t, 2, w.f.Calls("ListUsers"))
		assert.Equal(t, reads+1, w.f.Calls("AdminGetUser"), "no read per user: one for u11, whom neither sweep listed")
		assert.Equal(t, 1, rep.Reads)
		s := rep.String()
		for _, want := range []string{"10 users sent a code", "completed         3   30.0%", "expired           3   30.0%", "0-1", "1-2", "read with 2 ListUsers calls and 1 AdminGetUser calls"} {
			assert.Contains(t, s, want)
		}
		for i := range 12 {
			assert.NotContains(t, s, fmt.Sprintf("u%d@", i), "nothing personal in the report")
		}
	})
}

// Without a record, Read reports who is in RESET_REQUIRED and since when,
// in one sweep.
func TestRead_APoolWithoutARecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := stagedWorld(t)
		var got []followup.User
		rep, err := followup.Read(t.Context(), w.r, w.pool, nil, followup.Options{}, func(u followup.User) { got = append(got, u) })
		require.NoError(t, err)
		assert.Equal(t, map[followup.State]int{followup.NoRecord: 7}, rep.Counts, "u3-u7 and u9 are RESET_REQUIRED; u8 is too, and disabled")
		assert.Len(t, got, 7)
		for _, u := range got {
			assert.Equal(t, types.UserStatusTypeResetRequired, u.Status)
			assert.False(t, u.Modified.IsZero(), "since when")
		}
		assert.Equal(t, 1, rep.Requests)
	})
}

// Resend sends a second code to the expired users alone, journaled; a
// second Resend right after sends nothing (their new code is pending); a
// minimum age holds back younger codes.
func TestResend_SendsASecondCodeToTheExpiredAlone(t *testing.T) {
	for name, tc := range map[string]struct {
		minAge time.Duration
		want   []string
	}{
		"expired":                 {0, []string{"u3", "u4", "u5"}},
		"a minimum age of 80 min": {80 * time.Minute, []string{"u3", "u4", "u5"}},
		"a minimum age of 2 h":    {2 * time.Hour, nil},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := stagedWorld(t)
				require.NoError(t, w.journal.Close())
				before := deliveriesTo(w.f)
				written, err := os.ReadFile(w.path)
				require.NoError(t, err)
				var sent []string
				sum, err := followup.Resend(t.Context(), w.r, w.path, w.pool, followup.Options{MinAge: tc.minAge}, func(o bulk.Outcome) {
					if o.Err == nil {
						sent = append(sent, o.Result.Username)
					}
				})
				require.NoError(t, err)
				assert.ElementsMatch(t, tc.want, sent)
				assert.Equal(t, len(tc.want), sum.Sent)
				after := deliveriesTo(w.f)
				for _, u := range tc.want {
					assert.Equal(t, before[u]+1, after[u], u)
				}
				assert.Equal(t, len(w.f.Deliveries())-len(tc.want), sumOf(before))
				if len(tc.want) == 0 {
					now, err := os.ReadFile(w.path)
					require.NoError(t, err)
					assert.Equal(t, string(written), string(now), "nobody to send to: nothing written")
				}

				again, err := followup.Resend(t.Context(), w.r, w.path, w.pool, followup.Options{MinAge: tc.minAge}, nil)
				require.NoError(t, err)
				assert.Zero(t, again.Sent, "their new codes are pending, or too young still")
				if len(tc.want) > 0 {
					got := map[string]followup.State{}
					_, err = followup.Read(t.Context(), w.r, w.pool, w.history(t).SentAt(), followup.Options{}, func(u followup.User) { got[u.Username] = u.State })
					require.NoError(t, err)
					assert.Equal(t, followup.Pending, got["u3"])
				}
			})
		})
	}
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// A user who completes between the read and the send gets no code: the
// preflight reads the user just before the send. The Fake's frozen
// ListUsers index plays the read that saw the user still RESET_REQUIRED.
func TestResend_RefusesAUserWhoCompletedSinceTheRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := stagedWorld(t)
		require.NoError(t, w.journal.Close())
		thaw := w.f.FreezeListUsers()
		defer thaw()
		_, err := w.f.AdminSetUserPassword(t.Context(), &cip.AdminSetUserPasswordInput{UserPoolId: &w.pool, Username: aws.String("u3"),
			Password: aws.String("Adm1n-set!"), Permanent: true})
		require.NoError(t, err)
		before := deliveriesTo(w.f)
		var refused []string
		sum, err := followup.Resend(t.Context(), w.r, w.path, w.pool, followup.Options{}, func(o bulk.Outcome) {
			if o.Err != nil {
				refused = append(refused, o.Input.Request.Username)
				assert.Equal(t, resetpw.ErrUserState, resetpw.KindOf(o.Err))
			}
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"u3"}, refused)
		assert.Equal(t, 2, sum.Sent)
		assert.Equal(t, before["u3"], deliveriesTo(w.f)["u3"])
		b, err := os.ReadFile(w.path)
		require.NoError(t, err)
		assert.Contains(t, string(b), `"username":"u3","kind":"user_state"`)
	})
}

// Report.String prints nothing a person would misread for an empty read.
func TestReport_StringOfNothing(t *testing.T) {
	s := followup.Report{Pool: "us-west-2_aaaaaaaaa", Counts: map[followup.State]int{}}.String()
	assert.True(t, strings.HasPrefix(s, "pool us-west-2_aaaaaaaaa at "))
	assert.Contains(t, s, "0 users sent a code")
	assert.NotContains(t, s, "NaN")
}

// A run under PreflightPool journaled the names it sent, emails here:
// Resend resolves them to the users' own usernames (a plan, nothing sent)
// before it reads their states, and resends to the expired one alone.
func TestResend_ResolvesALooseRunsNames(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := resetpwtest.NewFake()
		pool := f.AddPool(types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}})
		for _, n := range []string{"diego", "maria"} {
			_, err := f.AddUser(pool, resetpwtest.User(n, "email", n+"@example.com", "email_verified", "true"))
			require.NoError(t, err)
		}
		r, err := resetpw.New(f, resetpw.WithPreflight(resetpw.PreflightPool))
		require.NoError(t, err)
		path := filepath.Join(t.TempDir(), "run.jsonl")
		j, err := journal.Create(path)
		require.NoError(t, err)
		require.NoError(t, j.Begin(pool, nil, "pool"))
		send := func(i int, email string) {
			_, err := r.Reset(t.Context(), resetpw.Request{UserPoolID: pool, Username: email})
			require.NoError(t, err)
			require.NoError(t, j.Write(journal.Line{Index: i, Username: email, SentAs: email, Status: "sent"}))
		}
		send(0, "diego@example.com")
		time.Sleep(90 * time.Minute)
		send(1, "maria@example.com")
		time.Sleep(10 * time.Minute)
		require.NoError(t, j.Close())

		var sent []string
		_, err = followup.Resend(t.Context(), r, path, pool, followup.Options{}, func(o bulk.Outcome) {
			require.NoError(t, o.Err)
			sent = append(sent, o.Result.Username)
		})
		require.NoError(t, err)
		assert.Equal(t, []string{"diego"}, sent, "maria's code is pending")
		assert.Equal(t, map[string]int{"diego": 2, "maria": 1}, deliveriesTo(f))
	})
}

// A user someone else reset again after our send holds a newer code than
// ours: its hour counts from the later reset (the user's
// UserLastModifiedDate), so the user is pending and gets no code that would
// replace a valid one; a user reset again between the read and the send is
// refused by the re-read before it.
func TestResend_NeverReplacesACodeThatMayStillBeValid(t *testing.T) {
	for name, tc := range map[string]struct {
		completeFirst bool // the user completed our reset before the other one
		afterTheRead  bool // the other reset comes after Resend's read
	}{
		"reset again by someone else 5 minutes ago":       {},
		"completed, then reset again by someone else":     {completeFirst: true},
		"reset again by someone else after Resend's read": {afterTheRead: true},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, 2)
				w.reset(t, 0, 1)
				time.Sleep(10 * time.Minute)
				if tc.completeFirst {
					w.complete(t, 0)
				}
				resetElsewhere := func() {
					_, err := w.f.AdminResetUserPassword(t.Context(), &cip.AdminResetUserPasswordInput{UserPoolId: &w.pool, Username: aws.String("u0")})
					require.NoError(t, err)
				}
				if tc.afterTheRead {
					time.Sleep(60 * time.Minute)
					thaw := w.f.FreezeListUsers() // the read sees u0 before the other reset
					defer thaw()
					resetElsewhere()
				} else {
					time.Sleep(55 * time.Minute)
					resetElsewhere() // at +65 minutes
					time.Sleep(5 * time.Minute)
					got := map[string]followup.User{}
					_, err := followup.Read(t.Context(), w.r, w.pool, w.history(t).SentAt(), followup.Options{}, func(u followup.User) { got[u.Username] = u })
					require.NoError(t, err)
					assert.Equal(t, followup.Pending, got["u0"].State, "a code 5 minutes old")
					assert.Equal(t, got["u0"].Modified, got["u0"].CodeSince)
					assert.Equal(t, followup.Expired, got["u1"].State)
				}
				require.NoError(t, w.journal.Close())
				before := deliveriesTo(w.f)
				var sent, refused []string
				_, err := followup.Resend(t.Context(), w.r, w.path, w.pool, followup.Options{}, func(o bulk.Outcome) {
					if o.Err != nil {
						refused = append(refused, o.Input.Request.Username)
						assert.Equal(t, resetpw.ErrUserState, resetpw.KindOf(o.Err))
						return
					}
					sent = append(sent, o.Result.Username)
				})
				require.NoError(t, err)
				assert.Equal(t, []string{"u1"}, sent)
				assert.Equal(t, before["u0"], deliveriesTo(w.f)["u0"], "u0's newest code is left valid")
				if tc.afterTheRead {
					assert.Equal(t, []string{"u0"}, refused)
				} else {
					assert.Empty(t, refused)
				}
			})
		})
	}
}
