package journal

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// Read never panics, never keeps more than it read, and its errors name a
// line without a control character (so no terminal escape) and without
// more than a quoted fragment of the file.
func FuzzRead(f *testing.F) {
	h := header(pool, "full")
	f.Add(h + `{"index":0,"username":"diego","status":"sending","sent_as":"diego"}` + "\n")
	f.Add(h + `{"index":1,"username":"d","status":"duplicate","duplicate_of":0}` + "\n" + `{"index":0,"username":"x","status":"sent"}`)
	f.Add(h + `{"index":0,"username":"d","status":"failed","status":"sent"}` + "\n")
	f.Add(h + `{"index":0,"username":"d","status":"\u001b[31m"}` + "\n")
	f.Add(header(`\u001b[2J`, "off") + "\n")
	f.Add(h + `{"index":0,"username":"diego","status":"sent","sent_as":"diego","at":"2026-12-05T08:00:00Z"}` + "\n")
	f.Add(h + `{"index":0,"username":"diego","status":"sent","at":"yesterday"}` + "\n")
	f.Add("not json\n")
	f.Fuzz(func(t *testing.T, body string) {
		hist, err := Read(strings.NewReader(body), pool)
		if err != nil {
			msg := err.Error()
			assert.False(t, strings.ContainsFunc(msg, unicode.IsControl), "%q", msg)
			assert.Less(t, len(msg), 400, "%q", msg)
			return
		}
		assert.LessOrEqual(t, hist.keep, int64(len(body)))
		assert.Contains(t, []string{"", "sending", "unknown", "sent"}, hist.Status("diego"))
		for _, u := range hist.Unfinished() {
			assert.Contains(t, hist.SentAt(), u, "a reset in flight has a send time")
		}
	})
}
