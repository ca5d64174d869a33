package custommessage_test

import (
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHandle_HugeClientMetadataCostsWorkBoundedByTheLimits(t *testing.T) {
	// Four values of 1.25 MB, each shown twice: a caller of ForgotPassword
	// may send them (R56). The work must depend on the message limits, not
	// on the values' size.
	c := config()
	c.ForgotPassword = custommessage.Templates{
		EmailSubject: "{meta:a}{meta:b}{meta:c}{meta:d}{meta:a}",
		EmailHTML:    `<a href="{link}">reset</a> {meta:a} {meta:b} {meta:c} {meta:d} {meta:a}`,
		SMS:          "{link} {meta:a}{meta:b}{meta:c}{meta:d}",
	}
	h, err := custommessage.New(c)
	require.NoError(t, err)
	ev := event(t, "forgot-password.json")
	big := strings.Repeat("<&x", 1_250_000/3)
	ev.Request.ClientMetadata = map[string]string{"a": big, "b": big, "c": big, "d": big}

	var subject, body, sms string
	n := allocated(func() {
		out, err := h.Handle(ctx, ev)
		require.NoError(t, err)
		subject, body, sms = out.Response.EmailSubject, out.Response.EmailMessage, out.Response.SMSMessage
	})
	assert.Less(t, n, uint64(64<<20), "bytes allocated for one event")
	assert.LessOrEqual(t, utf8.RuneCountInString(subject), 140)
	assert.LessOrEqual(t, utf8.RuneCountInString(body), 20000)
	assert.Contains(t, body, "&lt;&amp;x", "the values are shown, cut and escaped")
	assert.LessOrEqual(t, utf8.RuneCountInString(sms), 140)
}
