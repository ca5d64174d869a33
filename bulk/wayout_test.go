package bulk_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// statesPool is a pool with users in each state and contact situation,
// and the way that reaches each (R45): "reset" when a reset does, "" when
// none does.
func statesPool(t *testing.T) (*resetpwtest.Fake, string, map[string]string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole()})
	users := []struct {
		name    string
		status  types.UserStatusType
		enabled bool
		attrs   []string
		way     string
	}{
		{"email.ok", "CONFIRMED", true, []string{"email", "a@example.com", "email_verified", "true"}, "reset"},
		{"email.ok2", "CONFIRMED", true, []string{"email", "b@example.com", "email_verified", "true"}, "reset"},
		{"phone.ok", "CONFIRMED", true, []string{"phone_number", "+12065550101", "phone_number_verified", "true"}, "reset"},
		{"reset.required", "RESET_REQUIRED", true, []string{"email", "c@example.com", "email_verified", "true"}, "reset"},
		{"invited", "FORCE_CHANGE_PASSWORD", true, []string{"email", "d@example.com"}, string(wayout.InviteAgain)},
		{"invited.sms", "FORCE_CHANGE_PASSWORD", true, []string{"phone_number", "+12065550102"}, string(wayout.InviteAgain)},
		{"unverified", "CONFIRMED", true, []string{"email", "e@example.com", "email_verified", "false"}, string(wayout.VerifyContact)},
		{"no.contact", "CONFIRMED", true, nil, string(wayout.TemporaryPassword)},
		{"disabled", "CONFIRMED", false, []string{"email", "f@example.com", "email_verified", "true"}, ""},
		{"unconfirmed", "UNCONFIRMED", true, []string{"email", "g@example.com"}, ""},
		{"Google_123", "EXTERNAL_PROVIDER", true, []string{"email", "h@example.com"}, ""},
	}
	ways := map[string]string{}
	for _, u := range users {
		ut := resetpwtest.User(u.name, u.attrs...)
		ut.UserStatus, ut.Enabled = u.status, u.enabled
		_, err := f.AddUser(pool, ut)
		require.NoError(t, err)
		ways[u.name] = u.way
	}
	return f, pool, ways
}

// wayOf is the action a plan's outcome says reaches its user.
func wayOf(o bulk.Outcome) string {
	var e *resetpw.Error
	switch {
	case o.Err == nil:
		return "reset"
	case errors.As(o.Err, &e):
		return string(e.WayOut)
	}
	return "?"
}

func TestPlanPool_SaysWhichWayReachesEachUser(t *testing.T) {
	f, pool, want := statesPool(t)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	got := map[string]string{}
	counts := map[string]int{}
	_, err = bulk.PlanPool(t.Context(), r, pool, bulk.Options{KeepGoing: true}, func(o bulk.Outcome) {
		got[o.Input.Request.Username] = wayOf(o)
		counts[wayOf(o)]++
	})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("way %q: %d users", k, counts[k])
	}
	assert.Equal(t, map[string]int{"reset": 4, "invite_again": 2, "verify_contact": 1, "temporary_password": 1, "": 3}, counts)
	assert.Zero(t, f.Calls("AdminResetUserPassword")+f.Calls("AdminCreateUser")+f.Calls("AdminSetUserPassword"), "a plan sends nothing")
}

// A run that invites again every user a plan found stuck in
// FORCE_CHANGE_PASSWORD: one outcome per input, one invitation per user
// (a repeat is a duplicate), and no other way taken.
func TestRun_InvitesAgainTheUsersStuckInForceChangePassword(t *testing.T) {
	f, pool, _ := statesPool(t)
	r, err := resetpw.New(f)
	require.NoError(t, err)
	var plan []bulk.Outcome
	_, err = bulk.PlanPool(t.Context(), r, pool, bulk.Options{KeepGoing: true}, func(o bulk.Outcome) { plan = append(plan, o) })
	require.NoError(t, err)
	var inputs []bulk.Input
	for _, o := range plan {
		if wayOf(o) == string(wayout.InviteAgain) {
			inputs = append(inputs, bulk.Input{Key: o.Input.Request.Username, Request: o.Input.Request, Way: wayout.InviteAgain})
		}
	}
	require.Len(t, inputs, 2)
	inputs = append(inputs, inputs[0]) // a repeat
	inputs = append(inputs, bulk.Input{Key: "no.contact", Request: resetpw.Request{UserPoolID: pool, Username: "no.contact"}, Way: wayout.TemporaryPassword})
	inputs = append(inputs, bulk.Input{Key: "email.ok", Request: resetpw.Request{UserPoolID: pool, Username: "email.ok"}, Way: wayout.InviteAgain})
	var outcomes []bulk.Outcome
	sum, err := bulk.Run(t.Context(), r, slices.Values(inputs), bulk.Options{KeepGoing: true}, func(o bulk.Outcome) { outcomes = append(outcomes, o) })
	require.NoError(t, err)
	require.Len(t, outcomes, len(inputs), "one outcome per input")
	// Outcomes come as inputs finish; in input order, a user's first
	// input comes before its repeat.
	slices.SortFunc(outcomes, func(a, b bulk.Outcome) int { return a.Index - b.Index })
	byKey := map[any][]bulk.Outcome{}
	for _, o := range outcomes {
		byKey[o.Input.Key] = append(byKey[o.Input.Key], o)
	}
	for _, name := range []string{"invited", "invited.sms"} {
		os := byKey[name]
		require.NotEmpty(t, os)
		require.NoError(t, os[0].Err)
		require.NotNil(t, os[0].Result.Delivery)
	}
	assert.Len(t, byKey[inputs[0].Key], 2)
	assert.False(t, byKey[inputs[0].Key][0].Duplicate)
	assert.True(t, byKey[inputs[0].Key][1].Duplicate, "the repeat is a duplicate")
	assert.Equal(t, byKey[inputs[0].Key][0].Index, byKey[inputs[0].Key][1].DuplicateOf)
	assert.ErrorIs(t, byKey["no.contact"][0].Err, resetpw.ErrInvalidInput, "a run sets no temporary password")
	assert.ErrorIs(t, byKey["email.ok"][0].Err, resetpw.ErrUserState, "a confirmed user is not invited")
	assert.Equal(t, 2, sum.Sent)
	var invitations []string
	for _, d := range f.Deliveries() {
		assert.True(t, d.Invitation)
		invitations = append(invitations, d.Username)
	}
	sort.Strings(invitations)
	assert.Equal(t, []string{"invited", "invited.sms"}, invitations, "one invitation per user")
	assert.Zero(t, f.Calls("AdminResetUserPassword")+f.Calls("AdminSetUserPassword"))
}

// invitedPool is a pool of n users stuck in FORCE_CHANGE_PASSWORD, and
// the inputs that invite each of them again.
func invitedPool(t *testing.T, n int) (*resetpwtest.Fake, []bulk.Input) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{SmsConfiguration: smsRole()})
	var inputs []bulk.Input
	for i := range n {
		name := fmt.Sprintf("invited%02d", i)
		u := resetpwtest.User(name, "email", name+"@example.com")
		u.UserStatus = types.UserStatusTypeForceChangePassword
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
		inputs = append(inputs, bulk.Input{Key: i, Request: resetpw.Request{UserPoolID: pool, Username: name}, Way: wayout.InviteAgain})
	}
	return f, inputs
}

// A run of invitations stops as a run of resets does: at the failure that
// is the account's (here MaxUnavailable unavailable answers in a row),
// and every input still has its one outcome.
func TestRun_InvitationsStopAtTheBreaker(t *testing.T) {
	f, inputs := invitedPool(t, 10)
	f.FailNext("AdminCreateUser", 100, &types.InternalErrorException{Message: aws.String("boom")})
	r, err := resetpw.New(f, resetpw.WithRetries(0, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	var outcomes []bulk.Outcome
	sum, err := bulk.Run(t.Context(), r, slices.Values(inputs), bulk.Options{Concurrency: 1, MaxUnavailable: 3},
		func(o bulk.Outcome) { outcomes = append(outcomes, o) })
	require.ErrorIs(t, err, resetpw.ErrUnavailable, "the run stopped, its cause the unavailable answers")
	require.Len(t, outcomes, len(inputs), "one outcome per input")
	stopped := 0
	for _, o := range outcomes {
		if errors.Is(o.Err, resetpw.ErrRunStopped) {
			stopped++
			assert.False(t, resetpw.MaybeSent(o.Err))
		}
	}
	assert.Equal(t, 3, f.Calls("AdminCreateUser"), "no invitation after the breaker opened")
	assert.Equal(t, len(inputs)-3, stopped)
	assert.Zero(t, sum.Sent)
}

// A run of invitations journaled through BeforeSend, killed after some
// were sent, is resumed from its journal: nobody is invited twice.
func TestRun_InvitationsResumeFromTheJournal(t *testing.T) {
	f, inputs := invitedPool(t, 6)
	pool := inputs[0].Request.UserPoolID
	r, err := resetpw.New(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "invite.jsonl")
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.Request.Username
	}

	run := func(j *journal.Journal, h *journal.History, kill int) {
		t.Helper()
		var calls atomic.Int32
		opts := bulk.Options{Concurrency: 1, BeforeSend: func(i int, in bulk.Input, username string) error {
			if kill >= 0 && int(calls.Add(1)) > kill {
				return errors.New("killed") // the process dies before this one is sent
			}
			return j.Write(journal.Line{Index: i, Username: in.Request.Username, SentAs: username, Status: "sending"})
		}}
		todo := func(yield func(bulk.Input) bool) {
			for _, in := range inputs {
				if h.Status(in.Request.Username) == "" && !yield(in) {
					return
				}
			}
		}
		_, _ = bulk.Run(t.Context(), r, todo, opts, func(o bulk.Outcome) {
			if o.Err == nil && !o.Duplicate {
				require.NoError(t, j.Write(journal.Line{Index: o.Index, Username: o.Input.Request.Username, SentAs: o.Result.Username,
					Status: "sent", Medium: string(o.Result.Delivery.Medium), Destination: o.Result.Delivery.MaskedDestination}))
			}
		})
	}

	j, err := journal.Create(path)
	require.NoError(t, err)
	require.NoError(t, j.Begin(pool, names, "full"))
	run(j, nil, 2)
	require.NoError(t, j.Close())
	assert.Len(t, f.Deliveries(), 2, "killed after two invitations")

	j, h, err := journal.Resume(path, pool)
	require.NoError(t, err)
	run(j, h, -1)
	require.NoError(t, j.Close())
	per := map[string]int{}
	for _, d := range f.Deliveries() {
		assert.True(t, d.Invitation)
		per[d.Username]++
	}
	assert.Len(t, per, len(inputs), "every user invited")
	for name, n := range per {
		assert.Equal(t, 1, n, "%s invited once", name)
	}
}

// A plan of invitations says where each would go, and sends nothing.
func TestPlan_InvitationsSendNothing(t *testing.T) {
	f, inputs := invitedPool(t, 3)
	inputs = append(inputs, bulk.Input{Key: "confirmed", Request: resetpw.Request{UserPoolID: inputs[0].Request.UserPoolID, Username: "nobody"},
		Way: wayout.InviteAgain})
	r, err := resetpw.New(f)
	require.NoError(t, err)
	var outcomes []bulk.Outcome
	sum, err := bulk.Plan(t.Context(), r, slices.Values(inputs), bulk.Options{KeepGoing: true}, func(o bulk.Outcome) { outcomes = append(outcomes, o) })
	require.NoError(t, err)
	require.Len(t, outcomes, len(inputs))
	for _, o := range outcomes {
		if o.Input.Key == "confirmed" {
			assert.ErrorIs(t, o.Err, resetpw.ErrUserNotFound)
			continue
		}
		require.NoError(t, o.Err)
		assert.Equal(t, resetpw.MediumEmail, o.Result.Delivery.Medium)
		assert.NotContains(t, o.Result.Delivery.MaskedDestination, "@example.com", "masked")
	}
	assert.Equal(t, 3, sum.Sent, "would be sent")
	assert.Zero(t, f.Calls("AdminCreateUser"), "a plan sends nothing")
	assert.Empty(t, f.Deliveries())
}

// Users who left FORCE_CHANGE_PASSWORD between the preflight and the
// invitation (UnsupportedUserStateException) are refused in their own
// kind: nothing maybe sent, and no outage for the breaker.
func TestRun_InvitingUsersWhoLeftForceChangeIsNoOutage(t *testing.T) {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	var inputs []bulk.Input
	for i := range 8 {
		name := fmt.Sprintf("inv%d", i)
		u := resetpwtest.User(name, "email", name+"@example.com")
		u.UserStatus = types.UserStatusTypeForceChangePassword
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
		inputs = append(inputs, bulk.Input{Key: i, Request: resetpw.Request{UserPoolID: pool, Username: name}, Way: wayout.InviteAgain})
	}
	f.FailNext("AdminCreateUser", 5, &types.UnsupportedUserStateException{Message: aws.String("Resend not possible. User status is not FORCE_CHANGE_PASSWORD.")})
	r, err := resetpw.New(f)
	require.NoError(t, err)
	var maybe, stopped, state int
	_, err = bulk.Run(t.Context(), r, slices.Values(inputs), bulk.Options{Concurrency: 1}, func(o bulk.Outcome) {
		switch {
		case resetpw.MaybeSent(o.Err):
			maybe++
		case resetpw.KindOf(o.Err) == resetpw.ErrRunStopped:
			stopped++
		case resetpw.KindOf(o.Err) == resetpw.ErrUserState:
			state++
		}
	})
	require.NoError(t, err)
	assert.Zero(t, maybe, "Cognito said it sent nothing")
	assert.Zero(t, stopped, "a user's state is no outage")
	assert.Equal(t, 5, state)
}
