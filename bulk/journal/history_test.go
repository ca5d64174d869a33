package journal

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pool = "us-west-2_aaaaaaaaa"

// header is the "run" line of a journal of pool under preflight.
func header(pool, preflight string) string {
	return `{"status":"run","format":"` + Format + `","pool":"` + pool + `","run_id":"test","preflight":"` + preflight + `"}` + "\n"
}

func TestRead_RefusesWithTheLineNumberAndNoRawContent(t *testing.T) {
	h := header(pool, "full")
	for name, tc := range map[string]struct{ body, want, secret string }{
		"unknown field":          {h + `{"index":0,"username":"maria","status":"sent","hunter2":1}`, "line 2: not a journal line: unknown field", "hunter2"},
		"field of another case":  {h + `{"index":0,"username":"maria","Status":"sent"}`, "line 2: not a journal line: unknown field", ""},
		"duplicated field":       {h + `{"index":0,"username":"maria","status":"failed","status":"sent"}`, `line 2: not a journal line: field "status" appears twice`, ""},
		"duplicated escaped key": {h + `{"index":0,"username":"maria","status":"failed","st\u0061tus":"sent"}`, `line 2: not a journal line: field "status" appears twice`, ""},
		"wrong type":             {h + `{"index":"hunter2","username":"maria","status":"sent"}`, `line 2: not a journal line: field "index" has the wrong type`, "hunter2"},
		"nested value":           {h + `{"index":0,"username":{"a":"hunter2"},"status":"sent"}`, `line 2: not a journal line: field "username" has the wrong type`, "hunter2"},
		"not json":               {h + "hunter2", "line 2: not a journal line: not one JSON object", "hunter2"},
		"not an object":          {h + `["hunter2"]`, "line 2: not a journal line: not one JSON object", "hunter2"},
		"two values":             {h + `{"index":0,"username":"maria","status":"sent"} {}`, "line 2: not a journal line: more than one JSON value", ""},
		"unknown status":         {h + `{"index":0,"username":"maria","status":"SENT"}`, `line 2: unknown status "SENT"`, ""},
		"escapes in a status":    {h + `{"index":0,"username":"maria","status":"\u001b[2J"}`, `line 2: unknown status "\x1b[2J"`, "\x1b"},
		"escapes in a pool":      {header(`\u001b]0;owned\u0007`, "full"), `line 1: a journal of pool "\x1b]0;owned\a", not "` + pool + `"`, "\x1b"},
		"another pool":           {header("us-west-2_bbbbbbbbb", "full"), `line 1: a journal of pool "us-west-2_bbbbbbbbb", not "` + pool + `": refusing to resume it`, ""},
		"old format":             {`{"status":"run","pool":"` + pool + `"}`, `line 1: journal format "", not "` + Format + `"`, ""},
		"no run line":            {`{"index":0,"username":"maria","status":"sent"}`, `line 1: a "sent" line before any run line`, "maria"},
		"empty":                  {"", "no run line", ""},
		"no username":            {h + `{"index":0,"status":"sent"}`, `line 2: a "sent" line without a username`, ""},
		"duplicate of nothing":   {h + `{"index":1,"username":"maria","status":"duplicate"}`, "line 2: a duplicate line without duplicate_of", "maria"},
		"line too long":          {h + `{"index":0,"status":"sent","username":"` + strings.Repeat("a", 100<<10) + `"}`, "line 2: line longer than 65536 bytes", "aaaa"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.body+"\n"), pool)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			if tc.secret != "" {
				assert.NotContains(t, err.Error(), tc.secret)
			}
			assert.False(t, strings.ContainsFunc(err.Error(), unicode.IsControl), "no control character reaches a terminal: %q", err)
		})
	}
}

func TestRead_StatusOfEachUser(t *testing.T) {
	h := header(pool, "full")
	for name, tc := range map[string]struct {
		body  string
		names []string
		want  string
	}{
		"sent, by the input":     {h + `{"index":0,"username":"diego@example.com","status":"sent","sent_as":"diego"}`, []string{"diego@example.com"}, "sent"},
		"sent, by the user sent": {h + `{"index":0,"username":"diego@example.com","status":"sent","sent_as":"diego"}`, []string{"diego"}, "sent"},
		"sending, no outcome":    {h + `{"index":0,"username":"diego@example.com","status":"sending","sent_as":"diego"}`, []string{"diego"}, "sending"},
		"sending, then unknown": {h + `{"index":0,"username":"diego","status":"sending","sent_as":"diego"}` + "\n" + h +
			`{"index":3,"username":"diego","status":"unknown","maybe_sent":true}`, []string{"diego"}, "unknown"},
		"failed, sent nothing": {h + `{"index":0,"username":"diego","status":"sending","sent_as":"diego"}` + "\n" +
			`{"index":0,"username":"diego","status":"failed","kind":"throttled"}`, []string{"diego"}, ""},
		"failed, maybe sent": {h + `{"index":0,"username":"diego","status":"sending","sent_as":"diego"}` + "\n" +
			`{"index":0,"username":"diego","status":"failed","maybe_sent":true}`, []string{"diego"}, "unknown"},
		"a duplicate of a user sent": {h + `{"index":0,"username":"diego","status":"sent","sent_as":"diego"}` + "\n" +
			`{"index":1,"username":"DIEGO","status":"duplicate","duplicate_of":0}`, []string{"DIEGO"}, "sent"},
		"the most cautious name wins": {h + `{"index":0,"username":"diego","status":"sent","sent_as":"diego"}`, []string{"maria", "diego"}, "sent"},
		"a plan sends nothing":        {h + `{"index":0,"username":"diego","status":"would_send"}`, []string{"diego"}, ""},
		"never seen":                  {h, []string{"maria"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			hist, err := Read(strings.NewReader(tc.body+"\n"), pool)
			require.NoError(t, err)
			assert.Equal(t, tc.want, hist.Status(tc.names...))
			assert.Equal(t, tc.want == "", hist.Empty())
		})
	}
}

func TestRead_LastLineCutShortIsLeftOut(t *testing.T) {
	body := header(pool, "full") + `{"index":0,"username":"diego","status":"sending","sent_as":"diego"}` + "\n" + `{"index":0,"username":"diego","status":"sen`
	h, err := Read(strings.NewReader(body), pool)
	require.NoError(t, err)
	assert.True(t, h.CutShort)
	assert.Equal(t, "sending", h.Status("diego"))
	assert.Equal(t, int64(strings.LastIndex(body, "\n")+1), h.keep)
}

func TestHistory_ResolveGivesALooseRunsNamesToTheirUsers(t *testing.T) {
	for _, tc := range []struct {
		preflight string
		asked     []string
		want      string
	}{
		{"pool", []string{"DIEGO@example.com"}, "sent"},
		{"off", []string{"DIEGO@example.com"}, "sent"},
		{"", []string{"DIEGO@example.com"}, "sent"}, // no preflight recorded: trusted no more than pool
		{"full", nil, ""}, // a full preflight sent the user's own username
	} {
		t.Run(tc.preflight, func(t *testing.T) {
			h, err := Read(strings.NewReader(header(pool, tc.preflight)+`{"index":0,"username":"DIEGO@example.com","status":"sent","sent_as":"DIEGO@example.com"}`+"\n"), pool)
			require.NoError(t, err)
			var asked []string
			require.NoError(t, h.Resolve(func(names []string) ([]string, error) {
				asked = names
				return []string{"diego"}, nil
			}))
			assert.Equal(t, tc.asked, asked)
			assert.Equal(t, tc.want, h.Status("diego"))
		})
	}
	h, err := Read(strings.NewReader(header(pool, "off")+`{"index":0,"username":"a","status":"sent"}`+"\n"), pool)
	require.NoError(t, err)
	assert.ErrorContains(t, h.Resolve(func([]string) ([]string, error) { return nil, nil }), "returned 0 usernames for 1 names")
}

func TestHistory_SameInputs(t *testing.T) {
	var j strings.Builder
	require.NoError(t, New(&j, "test").Begin(pool, []string{"diego", "maria"}, "full"))
	h, err := Read(strings.NewReader(j.String()), pool)
	require.NoError(t, err)
	assert.True(t, h.SameInputs([]string{"diego", "maria"}))
	assert.False(t, h.SameInputs([]string{"maria", "diego"}))
	assert.False(t, h.SameInputs([]string{"diego"}))
}

func TestHistory_NilIsEmpty(t *testing.T) {
	var h *History
	assert.Empty(t, h.Status("diego"))
	assert.True(t, h.Empty())
	assert.True(t, h.SameInputs([]string{"x"}))
	assert.NoError(t, h.Resolve(nil))
}

// SentAt gives each user sent or maybe sent the latest time a code can
// have gone out: a "sent", "unknown" or maybe-sent "failed" line's time,
// a "sending" line's plus a minute when no outcome followed, and nothing
// for a failure that sent nothing or a plan.
func TestHistory_SentAtIsTheLatestTimeACodeCanHaveGoneOut(t *testing.T) {
	const t0 = "2026-12-05T08:00:00Z"
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	line := func(index int, status, extra, when string) string {
		return `{"index":` + fmt.Sprint(index) + `,"username":"diego@example.com","sent_as":"diego","status":"` + status + `"` + extra + `,"at":"` + when + `"}` + "\n"
	}
	h := header(pool, "full")
	for name, tc := range map[string]struct {
		body string
		want map[string]time.Time
	}{
		"sent":                   {h + line(0, "sending", "", t0) + line(0, "sent", "", "2026-12-05T08:00:01Z"), map[string]time.Time{"diego": at("2026-12-05T08:00:01Z")}},
		"sending, no outcome":    {h + line(0, "sending", "", t0), map[string]time.Time{"diego": at(t0).Add(time.Minute)}},
		"failed, maybe sent":     {h + line(0, "sending", "", t0) + line(0, "failed", `,"maybe_sent":true`, "2026-12-05T08:00:30Z"), map[string]time.Time{"diego": at("2026-12-05T08:00:30Z")}},
		"failed, sent nothing":   {h + line(0, "sending", "", t0) + line(0, "failed", "", "2026-12-05T08:00:30Z"), map[string]time.Time{}},
		"a plan":                 {h + line(0, "would_send", "", t0), map[string]time.Time{}},
		"a second code is later": {h + line(0, "sent", "", t0) + h + line(0, "sent", "", "2026-12-05T09:30:00Z"), map[string]time.Time{"diego": at("2026-12-05T09:30:00Z")}},
		"no time: zero":          {h + `{"index":0,"username":"diego","sent_as":"diego","status":"sent"}` + "\n", map[string]time.Time{"diego": {}}},
	} {
		t.Run(name, func(t *testing.T) {
			hist, err := Read(strings.NewReader(tc.body), pool)
			require.NoError(t, err)
			assert.Equal(t, tc.want, hist.SentAt())
		})
	}
	_, err := Read(strings.NewReader(h+line(0, "sent", "", "yesterday")), pool)
	require.ErrorContains(t, err, `line 2: not a journal line: field "at" is not an RFC 3339 time`)
	assert.NotContains(t, err.Error(), "yesterday")
}

// Resolve gives a loose run's send time to the user's own username.
func TestHistory_ResolveMovesSendTimesToTheUser(t *testing.T) {
	body := header(pool, "pool") + `{"index":0,"username":"Diego@example.com","sent_as":"Diego@example.com","status":"sent","at":"2026-12-05T08:00:00Z"}` + "\n"
	h, err := Read(strings.NewReader(body), pool)
	require.NoError(t, err)
	require.NoError(t, h.Resolve(func(names []string) ([]string, error) { return []string{"diego"}, nil }))
	assert.Equal(t, []string{"diego"}, slices.Collect(maps.Keys(h.SentAt())))
}

// Unfinished lists the users of "sending" lines no later line answered,
// even when an earlier run sent them a code.
func TestHistory_UnfinishedAreSendingLinesWithoutAnOutcome(t *testing.T) {
	h := header(pool, "full")
	sending := func(i int, n string) string {
		return `{"index":` + fmt.Sprint(i) + `,"username":"` + n + `","sent_as":"` + n + `","status":"sending"}` + "\n"
	}
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"in flight":                       {h + sending(0, "diego"), []string{"diego"}},
		"answered":                        {h + sending(0, "diego") + `{"index":0,"username":"diego","status":"sent"}` + "\n", nil},
		"sent before, in flight now":      {h + `{"index":0,"username":"diego","sent_as":"diego","status":"sent"}` + "\n" + h + sending(0, "diego"), []string{"diego"}},
		"recorded unknown by a later run": {h + sending(0, "diego") + h + `{"index":5,"username":"diego","sent_as":"diego","status":"unknown","maybe_sent":true}` + "\n", nil},
		"a plan is no outcome":            {h + sending(0, "diego") + h + `{"index":0,"username":"diego","status":"would_send"}` + "\n", []string{"diego"}},
	} {
		t.Run(name, func(t *testing.T) {
			hist, err := Read(strings.NewReader(tc.body), pool)
			require.NoError(t, err)
			assert.Equal(t, tc.want, hist.Unfinished())
		})
	}
}

// NotSent counts the inputs whose every reset failed and sent nothing, and
// that no later line shows as sent or maybe sent.
func TestHistory_NotSentCountsWhoNeverGotACode(t *testing.T) {
	h := header(pool, "full")
	for name, tc := range map[string]struct {
		body string
		want int
	}{
		"refused":                 {`{"index":0,"username":"maria","status":"failed","kind":"user_state"}`, 1},
		"stopped before the send": {`{"index":0,"username":"maria","status":"failed","kind":"run_stopped"}`, 1},
		"maybe sent":              {`{"index":0,"username":"maria","status":"failed","kind":"unavailable","maybe_sent":true}`, 0},
		"failed, then sent by a resumed run": {`{"index":0,"username":"maria","status":"failed","kind":"unavailable"}` + "\n" + header(pool, "full") +
			`{"index":0,"username":"maria","sent_as":"maria","status":"sent"}`, 0},
		"two failed, one sent": {`{"index":0,"username":"maria","status":"failed","kind":"user_not_found"}` + "\n" +
			`{"index":1,"username":"diego","status":"failed","kind":"user_state"}` + "\n" +
			`{"index":2,"username":"ana","sent_as":"ana","status":"sent"}`, 2},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Read(strings.NewReader(h+tc.body+"\n"), pool)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.NotSent)
		})
	}
}

// A resumed run's "unknown" line for a reset an earlier run left in flight
// moves no send time; an "unknown" line alone gives one.
func TestHistory_AnUnknownLineMovesNoEarlierSendTime(t *testing.T) {
	sending := `{"index":0,"username":"maria","sent_as":"maria","status":"sending","at":"2026-12-05T08:00:00Z"}` + "\n"
	unknown := `{"index":0,"username":"maria","sent_as":"maria","status":"unknown","maybe_sent":true,"at":"2026-12-05T10:00:00Z"}` + "\n"
	for name, tc := range map[string]struct {
		body string
		want time.Time
	}{
		"after a sending line left in flight": {header(pool, "full") + sending + header(pool, "full") + unknown, time.Date(2026, 12, 5, 8, 1, 0, 0, time.UTC)},
		"alone":                               {header(pool, "full") + unknown, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			h, err := Read(strings.NewReader(tc.body), pool)
			require.NoError(t, err)
			assert.Equal(t, tc.want, h.SentAt()["maria"])
			assert.Equal(t, "unknown", h.Status("maria"))
		})
	}
}
