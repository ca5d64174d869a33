package custommessage_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
)

// Cognito's patterns for an email's body and subject (MessageTemplateType,
// docs/cognito-rules.md R54), \s written as Java reads it.
var (
	emailBodyRE    = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\x0B\f\r *]*\{####\}[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\x0B\f\r *]*$`)
	emailSubjectRE = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\x0B\f\r ]+$`)
)

// FuzzTemplates parses any template and renders it with any ClientMetadata
// value and username: what New accepts never panics, keeps Cognito's
// limits, keeps the code placeholder it was given, and lets no value spell
// a placeholder.
func FuzzTemplates(f *testing.F) {
	for _, s := range []string{"{link}", "{####} {meta:ticket}", "{meta:", "{meta:}", "{{link}}", "{meta:a.b-c_d}{link}", "é{####}<b>{username}</b>", "{link}{meta:x}{meta:x}"} {
		f.Add(s, "T-1", "test-user")
	}
	f.Add("{link}", strings.Repeat("{####}", 40), strings.Repeat("é", 200))
	f.Add("<p>{meta:ticket}</p>{link}", "T\u00a0\u200b1\u202e", "user\u00ad")
	f.Fuzz(func(t *testing.T, tmpl, value, username string) {
		c := custommessage.Config{
			ResetURL: "https://app.example.com/reset",
			ForgotPassword: custommessage.Templates{
				EmailSubject: tmpl, EmailHTML: tmpl, SMS: tmpl,
			},
		}
		h, err := custommessage.New(c)
		if err != nil {
			return
		}
		ev := events.CognitoEventUserPoolsCustomMessage{}
		ev.TriggerSource = "CustomMessage_ForgotPassword"
		ev.UserName = username
		ev.Request.CodeParameter = "{####}"
		ev.Request.ClientMetadata = map[string]string{}
		for _, k := range []string{"ticket", "x", "a.b-c_d"} {
			ev.Request.ClientMetadata[k] = value
		}
		out, err := h.Handle(ctx, ev)
		require.NoError(t, err)
		r := out.Response
		assert.LessOrEqual(t, utf8.RuneCountInString(r.SMSMessage), 140)
		assert.LessOrEqual(t, utf8.RuneCountInString(r.EmailSubject), 140)
		assert.LessOrEqual(t, utf8.RuneCountInString(r.EmailMessage), 20000)
		if r.EmailMessage != "" {
			assert.Regexp(t, emailBodyRE, r.EmailMessage, "Cognito's pattern for an email body")
		}
		if r.EmailSubject != "" {
			assert.Regexp(t, emailSubjectRE, r.EmailSubject, "Cognito's pattern for a subject")
		}
		for _, m := range []string{r.SMSMessage, r.EmailMessage} {
			if m != "" {
				assert.Contains(t, m, "{####}", "the code reaches the user")
				assert.LessOrEqual(t, strings.Count(m, "{####}"), strings.Count(tmpl, "{####}")+strings.Count(tmpl, "{link}"),
					"only the template places the code")
			}
		}
	})
}

// FuzzOrigins configures any origin and sends any ClientMetadata value:
// what New accepts is an origin as a browser writes it, and the link goes to
// ResetURL's origin or to one configured, with ResetURL's path, whatever
// the value.
func FuzzOrigins(f *testing.F) {
	for _, s := range [][2]string{
		{"https://eu.app.example.com", "https://eu.app.example.com"},
		{"https://eu.app.example.com", "https://eu.app.example.com/x"},
		{"https://eu.app.example.com:8443", "https://eu.app.example.com:8443@evil"},
		{"http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"https://EU.example", "https://EU.example"},
		{"https://[::1]", "javascript:alert(1)"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, origin, value string) {
		h, err := custommessage.New(custommessage.Config{
			ResetURL:       "https://app.example.com/reset",
			OriginKey:      "app_origin",
			Origins:        []string{origin},
			ForgotPassword: custommessage.Templates{SMS: "{link}", EmailHTML: `<a href="{link}">x</a>`},
		})
		if err != nil {
			return
		}
		_, host, _ := strings.Cut(origin, "://")
		assert.NotContains(t, host, "/", "an accepted origin has no path")
		assert.NotContains(t, host, "@", "an accepted origin has no user information")
		ev := events.CognitoEventUserPoolsCustomMessage{}
		ev.TriggerSource = "CustomMessage_ForgotPassword"
		ev.UserName = "u"
		ev.Request.CodeParameter = "{####}"
		ev.Request.ClientMetadata = map[string]string{"app_origin": value}
		out, err := h.Handle(ctx, ev)
		require.NoError(t, err)
		want := "https://app.example.com/reset#code={####}&username=u"
		if value == origin {
			want = origin + "/reset#code={####}&username=u"
		}
		if utf8.RuneCountInString(want) <= 140 {
			assert.Equal(t, want, out.Response.SMSMessage)
		}
	})
}
