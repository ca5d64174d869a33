package custommessage_test

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trusting is the handler this package is not: it takes the link's base
// from ClientMetadata and shows ClientMetadata values as they came. Every
// case of TestHandle_ClientMetadataCannotRedirectOrInject fails on it.
func trusting(ev events.CognitoEventUserPoolsCustomMessage) events.CognitoEventUserPoolsCustomMessage {
	md := ev.Request.ClientMetadata
	base := "https://app.example.com/account/reset?lang=en"
	if o := md["app_origin"]; o != "" {
		base = o + "/account/reset?lang=en"
		if strings.Count(o, "/") > 2 {
			base = o // a full URL
		}
	}
	link := base + "#code=" + ev.Request.CodeParameter + "&username=" + url.QueryEscape(ev.UserName)
	fill := func(s string) string {
		return strings.NewReplacer("{link}", link, "{username}", ev.UserName, "{meta:ticket}", md["ticket"]).Replace(s)
	}
	c := config().ForgotPassword
	ev.Response.EmailSubject = fill("Ticket {meta:ticket}")
	ev.Response.EmailMessage = fill(c.EmailHTML)
	ev.Response.SMSMessage = fill("Ticket {meta:ticket}: {link}")
	return ev
}

// hrefRE finds the links of an email; smsLinkRE the reset link of an SMS
// (a URL with a fragment: text from ClientMetadata may hold other URLs, as
// text, which the package documentation warns about).
var (
	hrefRE    = regexp.MustCompile(`href="([^"]*)"`)
	smsLinkRE = regexp.MustCompile(`[a-zA-Z]+:[^\s]*#[^\s]*`)
)

// linkGoesHome checks that every link of the email and the SMS's reset link
// go to an allowed origin and to ResetURL's path.
func linkGoesHome(r events.CognitoEventUserPoolsCustomMessageResponse) error {
	allowed := map[string]bool{"https://app.example.com": true, "https://eu.app.example.com": true, "http://localhost:3000": true}
	var links []string
	for _, m := range hrefRE.FindAllStringSubmatch(r.EmailMessage, -1) {
		links = append(links, html.UnescapeString(m[1]))
	}
	links = append(links, smsLinkRE.FindAllString(r.SMSMessage, -1)...)
	if len(links) < 2 {
		return fmt.Errorf("a link is missing: %q", links)
	}
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil {
			return err
		}
		if !allowed[u.Scheme+"://"+u.Host] || u.User != nil || u.Path != "/account/reset" || u.RawQuery != "lang=en" {
			return fmt.Errorf("link %q leaves the reset page", l)
		}
	}
	return nil
}

func TestHandle_ClientMetadataCannotRedirectOrInject(t *testing.T) {
	c := config()
	c.ForgotPassword.EmailSubject = "Ticket {meta:ticket}"
	c.ForgotPassword.SMS = "Ticket {meta:ticket}: {link}"
	tests := []struct {
		name  string
		md    map[string]string
		check func(events.CognitoEventUserPoolsCustomMessageResponse) error
	}{
		{"another host", map[string]string{"app_origin": "https://evil.example"}, linkGoesHome},
		{"another scheme", map[string]string{"app_origin": "http://eu.app.example.com"}, linkGoesHome},
		{"another scheme, javascript", map[string]string{"app_origin": "javascript://eu.app.example.com/%0aalert(1)"}, linkGoesHome},
		{"another path", map[string]string{"app_origin": "https://eu.app.example.com/phish"}, linkGoesHome},
		{"a path up", map[string]string{"app_origin": "https://eu.app.example.com/account/reset/../../phish"}, linkGoesHome},
		{"user information", map[string]string{"app_origin": "https://eu.app.example.com@evil.example"}, linkGoesHome},
		{"an allowed origin in capitals", map[string]string{"app_origin": "https://EU.app.example.com.evil.example"}, linkGoesHome},
		{"markup in the email", map[string]string{"ticket": `T-1</p><a href="https://evil.example">Reset here</a>`},
			func(r events.CognitoEventUserPoolsCustomMessageResponse) error {
				if strings.Contains(r.EmailMessage, "<a href=\"https://evil") {
					return errors.New("markup from ClientMetadata reached the email")
				}
				return linkGoesHome(r)
			}},
		{"an attribute break-out", map[string]string{"ticket": `" onmouseover="alert(1)`},
			func(r events.CognitoEventUserPoolsCustomMessageResponse) error {
				if strings.Contains(r.EmailMessage, `" onmouseover=`) {
					return errors.New("a quote from ClientMetadata reached the email")
				}
				return nil
			}},
		{"a placeholder Cognito would fill with the code", map[string]string{"ticket": "see https://evil.example/?c={####}"},
			func(r events.CognitoEventUserPoolsCustomMessageResponse) error {
				for _, m := range []string{r.EmailSubject, r.EmailMessage, r.SMSMessage} {
					if strings.Count(m, "{####}") > 1 || strings.Contains(m, "c={####}") {
						return fmt.Errorf("ClientMetadata spelled the code placeholder: %q", m)
					}
				}
				return nil
			}},
		{"a line break in the subject", map[string]string{"ticket": "T-1\r\nBcc: victim@example.com"},
			func(r events.CognitoEventUserPoolsCustomMessageResponse) error {
				if strings.ContainsAny(r.EmailSubject, "\r\n") || strings.ContainsAny(r.SMSMessage, "\r\n") {
					return errors.New("a line break from ClientMetadata reached the subject or the SMS")
				}
				return nil
			}},
		{"the SMS past its limit", map[string]string{"ticket": strings.Repeat("x", 200)},
			func(r events.CognitoEventUserPoolsCustomMessageResponse) error {
				if n := utf8.RuneCountInString(r.SMSMessage); n > 140 || !strings.Contains(r.SMSMessage, "#code={####}") {
					return fmt.Errorf("SMS of %d characters, or without its link: %q", n, r.SMSMessage)
				}
				return nil
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event(t, "forgot-password.json")
			ev.Request.ClientMetadata = tt.md
			require.NoError(t, tt.check(handle(t, c, ev).Response), "the handler")
			assert.Error(t, tt.check(trusting(ev).Response), "a handler that trusted ClientMetadata fails this case")
		})
	}
}
