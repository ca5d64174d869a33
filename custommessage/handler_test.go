package custommessage_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/custommessage"
	"github.com/cognitoreset/cognitoreset/metadata"
)

var ctx = context.Background()

// event reads a testdata event, shaped as the AWS developer guide's
// examples of the custom message trigger
// (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-custom-message.md)
// and aws-lambda-go's events/testdata/cognito-event-userpools-custommessage.json.
func event(t testing.TB, name string) events.CognitoEventUserPoolsCustomMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var ev events.CognitoEventUserPoolsCustomMessage
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev
}

// config is a deployer's configuration used across the tests.
func config() custommessage.Config {
	return custommessage.Config{
		ResetURL:  "https://app.example.com/account/reset?lang=en",
		OriginKey: "app_origin",
		Origins:   []string{"https://eu.app.example.com", "http://localhost:3000"},
		ForgotPassword: custommessage.Templates{
			EmailSubject: "Reset your password, {username}",
			EmailHTML:    `<p>Hello {username},</p><p><a href="{link}">Choose a new password</a> (ticket {meta:ticket})</p>`,
			SMS:          "Reset your password: {link}",
		},
		AdminCreateUser: custommessage.Templates{
			EmailSubject: "Welcome",
			EmailText:    "Your username is {username} and your temporary password is {####}\nSign in at {link}",
			SMS:          "User {username}, password {####}",
		},
	}
}

func handle(t testing.TB, c custommessage.Config, ev events.CognitoEventUserPoolsCustomMessage) events.CognitoEventUserPoolsCustomMessage {
	t.Helper()
	h, err := custommessage.New(c)
	require.NoError(t, err)
	out, err := h.Handle(ctx, ev)
	require.NoError(t, err)
	return out.CognitoEventUserPoolsCustomMessage
}

func TestHandle_MessagesPerTriggerSource(t *testing.T) {
	tests := []struct {
		name                string
		event               string
		metadata            map[string]string
		subject, email, sms string
	}{
		{
			name:     "a reset links to the page with the code in the fragment",
			event:    "forgot-password.json",
			metadata: map[string]string{"ticket": "T-42"},
			subject:  "Reset your password, test-user",
			email: `<p>Hello test-user,</p><p><a href="https://app.example.com/account/reset?lang=en#code={####}&amp;username=test-user">` +
				`Choose a new password</a> (ticket T-42)</p>`,
			sms: "Reset your password: https://app.example.com/account/reset?lang=en#code={####}&username=test-user",
		},
		{
			name:    "an invitation carries Cognito's placeholders and a link without the password",
			event:   "admin-create-user.json",
			subject: "Welcome",
			email: "Your username is {username} and your temporary password is {####}<br>\n" +
				"Sign in at https://app.example.com/account/reset?lang=en#username=test-user",
			sms: "User {username}, password {####}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(t, tt.event)
			ev.Request.ClientMetadata = tt.metadata
			out := handle(t, config(), ev)
			assert.Equal(t, tt.subject, out.Response.EmailSubject)
			assert.Equal(t, tt.email, out.Response.EmailMessage)
			assert.Equal(t, tt.sms, out.Response.SMSMessage)
			assert.Equal(t, ev.Request, out.Request, "the request is returned as it came")
		})
	}
}

func TestHandle_LinkEscapesTheUsername(t *testing.T) {
	ev := event(t, "forgot-password.json")
	ev.UserName = `a+b&c=d#e f@example.com`
	out := handle(t, config(), ev)

	sms := out.Response.SMSMessage
	require.Contains(t, sms, "https://app.example.com/account/reset?lang=en#")
	frag, err := url.ParseQuery(sms[strings.Index(sms, "#")+1:])
	require.NoError(t, err)
	assert.Equal(t, ev.UserName, frag.Get("username"), "the page reads back the username")
	assert.Equal(t, "{####}", frag.Get("code"), "Cognito's placeholder is left whole for Cognito to fill")
	assert.Contains(t, out.Response.EmailMessage, "Hello a+b&amp;c=d#e f@example.com,", "the username is HTML-escaped in the body")
	assert.Contains(t, out.Response.EmailMessage, "username=a%2Bb%26c%3Dd%23e+f%40example.com\"", "the link's username is query-escaped, then HTML-escaped")
}

func TestHandle_LeavesOtherMessagesAsCognitoSentThem(t *testing.T) {
	tests := []struct {
		name   string
		c      func(*custommessage.Config)
		event  func(*events.CognitoEventUserPoolsCustomMessage)
		source string
	}{
		{name: "another trigger source", source: "sign-up.json"},
		{name: "a trigger source without templates", source: "admin-create-user.json",
			c: func(c *custommessage.Config) { c.AdminCreateUser = custommessage.Templates{} }},
		{name: "an event without a code placeholder", source: "forgot-password.json",
			event: func(ev *events.CognitoEventUserPoolsCustomMessage) { ev.Request.CodeParameter = "" }},
		{name: "an invitation without a username placeholder", source: "admin-create-user.json",
			event: func(ev *events.CognitoEventUserPoolsCustomMessage) { ev.Request.UsernameParameter = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config()
			if tt.c != nil {
				tt.c(&c)
			}
			ev := event(t, tt.source)
			if tt.event != nil {
				tt.event(&ev)
			}
			assert.Equal(t, ev, handle(t, c, ev))
		})
	}
}

func TestHandle_OneMessageTemplatedLeavesTheOthers(t *testing.T) {
	c := config()
	c.ForgotPassword = custommessage.Templates{SMS: "{link}"}
	out := handle(t, c, event(t, "forgot-password.json"))
	assert.Empty(t, out.Response.EmailMessage)
	assert.Empty(t, out.Response.EmailSubject)
	assert.NotEmpty(t, out.Response.SMSMessage)
}

func TestHandle_ChoosesAnAllowedOrigin(t *testing.T) {
	tests := []struct{ value, want string }{
		{"https://eu.app.example.com", "https://eu.app.example.com/account/reset?lang=en#"},
		{"http://localhost:3000", "http://localhost:3000/account/reset?lang=en#"},
		{"https://evil.example", "https://app.example.com/account/reset?lang=en#"},
		{"", "https://app.example.com/account/reset?lang=en#"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			ev := event(t, "forgot-password.json")
			ev.Request.ClientMetadata = map[string]string{"app_origin": tt.value}
			out := handle(t, config(), ev)
			assert.Equal(t, "Reset your password: "+tt.want+"code={####}&username=test-user", out.Response.SMSMessage)
		})
	}
}

func TestNew_RefusesUnsafeOrIncompleteConfig(t *testing.T) {
	tests := []struct {
		name string
		c    func(*custommessage.Config)
		want string
	}{
		{"no reset URL", func(c *custommessage.Config) { c.ResetURL = "" }, "needs a scheme and a host"},
		{"a relative reset URL", func(c *custommessage.Config) { c.ResetURL = "/reset" }, "needs a scheme and a host"},
		{"http off loopback", func(c *custommessage.Config) { c.ResetURL = "http://app.example.com/reset" }, "must be https"},
		{"javascript", func(c *custommessage.Config) { c.ResetURL = "javascript:alert(1)" }, "needs a scheme and a host"},
		{"user information", func(c *custommessage.Config) { c.ResetURL = "https://app.example.com@evil.example/" }, "user information"},
		{"a fragment", func(c *custommessage.Config) { c.ResetURL = "https://app.example.com/reset#x" }, "fragment"},
		{"an origin with a path", func(c *custommessage.Config) { c.Origins = []string{"https://eu.app.example.com/x"} }, "write origin"},
		{"an origin in capitals", func(c *custommessage.Config) { c.Origins = []string{"https://EU.app.example.com"} }, "write origin"},
		{"an http origin", func(c *custommessage.Config) { c.Origins = []string{"http://eu.app.example.com"} }, "must be https"},
		{"origins without a key", func(c *custommessage.Config) { c.OriginKey = "" }, "without an OriginKey"},
		{"a bad origin key", func(c *custommessage.Config) { c.OriginKey = "a b" }, "OriginKey"},
		{"a reset SMS without code or link", func(c *custommessage.Config) { c.ForgotPassword.SMS = "Call us" }, "ForgotPassword: SMS shows no code"},
		{"a reset body without code or link", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = "<p>Hi</p>" }, "email body shows no code"},
		{"an invitation relying on the link for the code", func(c *custommessage.Config) { c.AdminCreateUser.SMS = "{username}: {link}" }, "AdminCreateUser: SMS shows no code"},
		{"an invitation without the username", func(c *custommessage.Config) { c.AdminCreateUser.SMS = "{####}" }, "shows no username"},
		{"an invitation's password followed by a full stop", func(c *custommessage.Config) {
			c.AdminCreateUser.EmailText = "User {username}, password {####}."
		}, "right after {####}"},
		{"an invitation's password followed by a comma", func(c *custommessage.Config) { c.AdminCreateUser.SMS = "{####}, user {username}" }, "right after {####}"},
		{"an unclosed meta slot", func(c *custommessage.Config) { c.ForgotPassword.EmailSubject = "{meta:ticket" }, "no closing brace"},
		{"a meta slot with a bad key", func(c *custommessage.Config) { c.ForgotPassword.EmailSubject = "{meta:a b}" }, "needs a key"},
		{"a no-break space in the body", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = "<p>Reset:\u00a0{link}</p>" }, "U+00A0 is one Cognito refuses"},
		{"a zero-width space in the subject", func(c *custommessage.Config) { c.ForgotPassword.EmailSubject = "Reset\u200b" }, "U+200B is one Cognito refuses"},
		{"a soft hyphen in the text body", func(c *custommessage.Config) { c.AdminCreateUser.EmailText = "{username} pass\u00adword {####}" }, "U+00AD"},
		{"a value in a link", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `<a href="{meta:next}">{link}</a>` }, "inside a tag"},
		{"a value in an attribute", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `<img alt='{meta:t}' src=x>{link}` }, "inside a tag"},
		{"a value as an attribute", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `<a {meta:attr} href="{link}">go</a>` }, "inside a tag"},
		{"a value as a tag's name", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `<{meta:tag}>{link}` }, "inside a tag"},
		{"the username in an attribute", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `<p title={username}>{link}</p>` }, "inside a tag"},
		{"a value in a script", func(c *custommessage.Config) {
			c.ForgotPassword.EmailHTML = `<script>var t = "{meta:t}";</script>{link}`
		}, "inside a tag, a script or a style"},
		{"a value in a style", func(c *custommessage.Config) {
			c.ForgotPassword.EmailHTML = `<STYLE>p { color: {meta:c} }</STYLE>{link}`
		}, "a style"},
		{"a brace before a value", func(c *custommessage.Config) { c.ForgotPassword.EmailHTML = `{{meta:ticket}} {link}` }, "a brace touches a slot"},
		{"a brace after the username", func(c *custommessage.Config) { c.ForgotPassword.SMS = `{link} {username}}` }, "a brace touches a slot"},
		{"a bidirectional override in an origin", func(c *custommessage.Config) { c.Origins = []string{"https://app\u202eelpmaxe.com"} }, "host must be ASCII"},
		{"a non-ASCII reset host", func(c *custommessage.Config) { c.ResetURL = "https://аpp.example.com/reset" }, "host must be ASCII"},
		{"port 0", func(c *custommessage.Config) { c.Origins = []string{"https://eu.app.example.com:0"} }, "port must be"},
		{"a port out of range", func(c *custommessage.Config) { c.ResetURL = "https://app.example.com:65536/reset" }, "port must be"},
		{"a port with a leading zero", func(c *custommessage.Config) { c.Origins = []string{"https://eu.app.example.com:0443"} }, "port must be"},
		{"a no-break space in the reset URL's query", func(c *custommessage.Config) { c.ResetURL = "https://app.example.com/reset?x=\u00a0" }, "printable ASCII"},
		{"an empty port", func(c *custommessage.Config) { c.Origins = []string{"https://eu.app.example.com:"} }, "port must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config()
			tt.c(&c)
			_, err := custommessage.New(c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestHandle_StaysWithinCognitosLimits(t *testing.T) {
	long := strings.Repeat("é<", 30000)
	tests := []struct {
		name     string
		c        func(*custommessage.Config)
		user     string
		field    func(events.CognitoEventUserPoolsCustomMessageResponse) string
		limit    int
		contains string
	}{
		{"SMS with a long value", func(c *custommessage.Config) { c.ForgotPassword.SMS = "Ticket {meta:ticket}: {link}" },
			"test-user", func(r events.CognitoEventUserPoolsCustomMessageResponse) string { return r.SMSMessage }, 140, "#code={####}&username=test-user"},
		{"subject with a long value", func(c *custommessage.Config) { c.ForgotPassword.EmailSubject = "Ticket {meta:ticket}" },
			"test-user", func(r events.CognitoEventUserPoolsCustomMessageResponse) string { return r.EmailSubject }, 140, "Ticket é"},
		{"body with a long value", nil,
			"test-user", func(r events.CognitoEventUserPoolsCustomMessageResponse) string { return r.EmailMessage }, 20000, "code={####}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config()
			if tt.c != nil {
				tt.c(&c)
			}
			ev := event(t, "forgot-password.json")
			ev.UserName = tt.user
			ev.Request.ClientMetadata = map[string]string{"ticket": long}
			got := tt.field(handle(t, c, ev).Response)
			assert.LessOrEqual(t, utf8.RuneCountInString(got), tt.limit)
			assert.Contains(t, got, tt.contains)
			assert.Contains(t, got, "…", "the value is cut, visibly")
		})
	}
}

func TestHandle_SMSTooLongForItsLinkIsLeftToCognito(t *testing.T) {
	ev := event(t, "forgot-password.json")
	ev.UserName = strings.Repeat("u", 128)
	out := handle(t, config(), ev)
	assert.Empty(t, out.Response.SMSMessage, "Cognito's own SMS, with the code, rather than a cut link")
	assert.Contains(t, out.Response.EmailMessage, "code={####}", "the email has room")
}

func TestCheckMetadata(t *testing.T) {
	h, err := custommessage.New(config())
	require.NoError(t, err)
	tests := []struct {
		name string
		md   map[string]string
		want []metadata.Violation // Key and Rule
		text []string
	}{
		{"complete", map[string]string{"ticket": "T-1", "app_origin": "https://eu.app.example.com"}, nil, nil},
		{"without the origin key", map[string]string{"ticket": "T-1"}, nil, nil},
		{"a shown key missing", map[string]string{}, []metadata.Violation{{Key: "ticket", Rule: metadata.RuleKeyMissing}},
			[]string{`key "ticket": key_missing (the reset message shows it)`}},
		{"an origin not allowed", map[string]string{"ticket": "T-1", "app_origin": "https://evil.example"},
			[]metadata.Violation{{Key: "app_origin", Rule: metadata.RuleValueNotAllowed}},
			[]string{`key "app_origin": value_not_allowed (names an origin not in Origins`}},
		{"both", map[string]string{"app_origin": "https://evil.example"},
			[]metadata.Violation{{Key: "ticket", Rule: metadata.RuleKeyMissing}, {Key: "app_origin", Rule: metadata.RuleValueNotAllowed}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.CheckMetadata(tt.md)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var ve *metadata.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, metadata.ErrInvalid)
			var got []metadata.Violation
			for _, v := range ve.Violations {
				got = append(got, metadata.Violation{Key: v.Key, Rule: v.Rule})
			}
			assert.Equal(t, tt.want, got)
			for _, w := range tt.text {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "evil.example", "values are never named")
		})
	}
}

// responseJSON returns the response Handle's answer carries on the wire,
// null as nil.
func responseJSON(t *testing.T, c custommessage.Config, ev events.CognitoEventUserPoolsCustomMessage) map[string]*string {
	t.Helper()
	h, err := custommessage.New(c)
	require.NoError(t, err)
	out, err := lambda.NewHandler(h.Handle).Invoke(ctx, mustJSON(t, ev))
	require.NoError(t, err)
	var got struct {
		Response map[string]*string `json:"response"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	return got.Response
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestHandle_AnswersNullForTheMessagesItDoesNotWrite(t *testing.T) {
	long := event(t, "forgot-password.json")
	long.UserName = strings.Repeat("u", 128)
	smsOnly := config()
	smsOnly.ForgotPassword = custommessage.Templates{SMS: "{link}"}
	tests := []struct {
		name  string
		c     custommessage.Config
		ev    events.CognitoEventUserPoolsCustomMessage
		wrote []string // the fields set; the others must be null, never ""
	}{
		{name: "another trigger source", c: config(), ev: event(t, "sign-up.json")},
		{name: "one message templated", c: smsOnly, ev: event(t, "forgot-password.json"), wrote: []string{"smsMessage"}},
		{name: "an SMS too long for its link", c: config(), ev: long, wrote: []string{"emailMessage"}},
		{name: "all three", c: config(), ev: event(t, "forgot-password.json"), wrote: []string{"emailMessage", "emailSubject", "smsMessage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := responseJSON(t, tt.c, tt.ev)
			for _, f := range []string{"emailMessage", "emailSubject", "smsMessage"} {
				v, ok := r[f]
				require.True(t, ok, "%s is in the response", f)
				if slices.Contains(tt.wrote, f) {
					require.NotNil(t, v, f)
					assert.NotEmpty(t, *v, f)
				} else {
					assert.Nil(t, v, "%s is null: Cognito's own message", f)
				}
			}
		})
	}
}

func TestNew_AcceptsValuesAsTextBetweenTags(t *testing.T) {
	for _, body := range []string{
		`<p>Hello {username},</p><p><a href="{link}">reset</a> (ticket {meta:ticket})</p>`,
		`<a href="x" title="a > b">{meta:ticket}</a> {link}`,
		`<a href='{link}'>{username}</a>`,
		`<script>var code = "{####}";</script><b>{meta:ticket}</b> {link}`,
		`<style>p { color: red }</style><p>{meta:ticket} {link}</p>`,
		`1 < 2 and {meta:ticket} > 0 {link}`,
	} {
		t.Run(body, func(t *testing.T) {
			c := config()
			c.ForgotPassword.EmailHTML = body
			_, err := custommessage.New(c)
			assert.NoError(t, err)
		})
	}
}

func TestHandle_CountsLimitsAsCognitoDoes(t *testing.T) {
	emoji := strings.Repeat("😀", 100) // 100 runes, 200 UTF-16 units
	tests := []struct {
		name   string
		source string
		c      func(*custommessage.Config)
		user   string
		want   func(t *testing.T, sms string)
	}{
		{name: "a reset SMS counts UTF-16 units", source: "forgot-password.json",
			c: func(c *custommessage.Config) { c.ForgotPassword.SMS = "Ticket {meta:ticket}: {link}" }, user: "test-user",
			want: func(t *testing.T, sms string) {
				assert.Contains(t, sms, "😀…", "the value is cut")
				assert.LessOrEqual(t, len(utf16.Encode([]rune(sms))), 140)
			}},
		{name: "an invitation SMS counts the username Cognito fills in", source: "admin-create-user.json",
			user: strings.Repeat("u", 40),
			want: func(t *testing.T, sms string) {
				assert.Empty(t, sms, "40 for the username and 99 for the password leave no room: Cognito's own SMS")
			}},
		{name: "an invitation SMS with a short username", source: "admin-create-user.json", user: "test-user",
			want: func(t *testing.T, sms string) { assert.Equal(t, "User {username}, password {####}", sms) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config()
			if tt.c != nil {
				tt.c(&c)
			}
			ev := event(t, tt.source)
			ev.UserName = tt.user
			ev.Request.ClientMetadata = map[string]string{"ticket": emoji}
			tt.want(t, handle(t, c, ev).Response.SMSMessage)
		})
	}
}
