package custommessage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// Trigger sources the handler writes messages for (R50).
const (
	sourceForgotPassword  = "CustomMessage_ForgotPassword"
	sourceAdminCreateUser = "CustomMessage_AdminCreateUser"
)

// Cognito's limits on a message, in characters (R54).
const (
	maxSMS          = 140
	maxEmailSubject = 140
	maxEmailBody    = 20000
)

// Config is a deployer's settings for a [Handler].
type Config struct {
	// ResetURL is the app's reset page: https (http only on a loopback
	// host), without user information or fragment. The handler adds the
	// fragment that carries the code and the username.
	ResetURL string

	// OriginKey, when set, names the ClientMetadata key whose value may
	// replace ResetURL's origin (scheme, host and port) with one of
	// Origins, compared as a whole string. The path stays ResetURL's.
	OriginKey string
	// Origins are the origins OriginKey's value may name, each written as a
	// browser writes an origin: "https://eu.app.example.com".
	Origins []string

	// ForgotPassword builds the messages of a reset
	// (CustomMessage_ForgotPassword: AdminResetUserPassword and
	// ForgotPassword), AdminCreateUser those of an invitation
	// (CustomMessage_AdminCreateUser). A zero Templates leaves that trigger
	// source's messages as Cognito sent them.
	ForgotPassword, AdminCreateUser Templates
}

// Templates are the messages of one trigger source; the package
// documentation lists their slots. An empty field leaves that message as
// Cognito sent it.
type Templates struct {
	EmailSubject string // plain text, one line
	EmailHTML    string // HTML
	EmailText    string // plain text, used when EmailHTML is empty
	SMS          string
}

// Handler is a custom message trigger. It is safe for concurrent use.
type Handler struct {
	origin, rest string          // ResetURL's origin and path with query
	originKey    string          // Config.OriginKey
	origins      map[string]bool // Config.Origins
	forgot       *messages
	invite       *messages
}

// messages are the parsed Templates of one trigger source.
type messages struct {
	subject, body, sms template
	bodyIsText         bool // body is EmailText: escape its text too
}

// New checks c and returns its Handler. It refuses a ResetURL or an origin
// that a link must not have, a template that doesn't parse, and a body or an
// SMS that would reach the user without the code (or, for an invitation,
// without the username: R53).
func New(c Config) (*Handler, error) {
	origin, rest, err := parseResetURL(c.ResetURL)
	if err != nil {
		return nil, err
	}
	h := &Handler{origin: origin, rest: rest, originKey: c.OriginKey, origins: map[string]bool{}}
	if c.OriginKey != "" && !validKey(c.OriginKey) {
		return nil, errors.New("custommessage: OriginKey must be ASCII letters, digits, '_', '-' or '.'")
	}
	if c.OriginKey == "" && len(c.Origins) > 0 {
		return nil, errors.New("custommessage: Origins without an OriginKey to choose among them")
	}
	for _, o := range c.Origins {
		o, err := parseOrigin(o)
		if err != nil {
			return nil, err
		}
		h.origins[o] = true
	}
	if h.forgot, err = parseMessages(c.ForgotPassword, false); err != nil {
		return nil, fmt.Errorf("custommessage: ForgotPassword: %w", err)
	}
	if h.invite, err = parseMessages(c.AdminCreateUser, true); err != nil {
		return nil, fmt.Errorf("custommessage: AdminCreateUser: %w", err)
	}
	return h, nil
}

// parseMessages parses ts; invite says the username must reach the user too
// and that the link does not carry the code.
func parseMessages(ts Templates, invite bool) (*messages, error) {
	var m messages
	var err error
	if m.subject, err = parseTemplate(ts.EmailSubject); err != nil {
		return nil, fmt.Errorf("EmailSubject: %w", err)
	}
	body := ts.EmailHTML
	if body == "" {
		body, m.bodyIsText = ts.EmailText, true
	}
	if m.body, err = parseTemplate(body); err != nil {
		return nil, fmt.Errorf("email body: %w", err)
	}
	if m.sms, err = parseTemplate(ts.SMS); err != nil {
		return nil, fmt.Errorf("SMS: %w", err)
	}
	for _, x := range []struct {
		name string
		t    template
	}{{"EmailSubject", m.subject}, {"email body", m.body}, {"SMS", m.sms}} {
		if err := x.t.checkBraces(); err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
		if x.name == "SMS" {
			continue
		}
		if err := x.t.checkText(); err != nil {
			return nil, fmt.Errorf("%s: %w", x.name, err)
		}
	}
	if !m.bodyIsText {
		if err := m.body.checkHTML(); err != nil {
			return nil, fmt.Errorf("EmailHTML: %w", err)
		}
	}
	for _, x := range []struct {
		name string
		t    template
	}{{"email body", m.body}, {"SMS", m.sms}} {
		if x.t == nil {
			continue
		}
		if !x.t.has(slotCode) && (invite || !x.t.has(slotLink)) {
			return nil, fmt.Errorf("%s shows no code: it needs {####}%s", x.name, map[bool]string{false: " or {link}", true: ""}[invite])
		}
		if invite && !x.t.has(slotUsername) {
			return nil, fmt.Errorf("%s shows no username: it needs {username}", x.name)
		}
		if invite && x.t.punctuatedCode() {
			return nil, fmt.Errorf("%s puts '.' or ',' right after {####}: a reader takes it for the temporary password's last character", x.name)
		}
	}
	if m.subject == nil && m.body == nil && m.sms == nil {
		return nil, nil
	}
	return &m, nil
}

// Handle answers Cognito's custom message event: for
// CustomMessage_ForgotPassword and CustomMessage_AdminCreateUser it writes
// the response's messages from the templates; any other trigger source is
// returned as it came. A message it doesn't write goes back null, so that
// Cognito sends its own (R58). It never returns an error, since a failing
// trigger fails the user's reset (R57).
func (h *Handler) Handle(_ context.Context, in events.CognitoEventUserPoolsCustomMessage) (Event, error) {
	return Event{h.handle(in)}, nil
}

// handle writes ev's response.
func (h *Handler) handle(ev events.CognitoEventUserPoolsCustomMessage) events.CognitoEventUserPoolsCustomMessage {
	// The response as it came is not the handler's to send back: Cognito
	// sends it null (R51), and a value set by another step is dropped.
	ev.Response = events.CognitoEventUserPoolsCustomMessageResponse{}
	var m *messages
	switch ev.TriggerSource {
	case sourceForgotPassword:
		m = h.forgot
	case sourceAdminCreateUser:
		m = h.invite
	}
	invite := ev.TriggerSource == sourceAdminCreateUser
	if m == nil || ev.Request.CodeParameter == "" || invite && ev.Request.UsernameParameter == "" {
		return ev // nothing to place the code (or username) with: Cognito's own message
	}
	r := render{
		code:   ev.Request.CodeParameter,
		link:   h.link(ev),
		meta:   ev.Request.ClientMetadata,
		invite: invite,
	}
	r.username = ev.UserName
	if invite {
		r.username, r.name = ev.Request.UsernameParameter, ev.UserName
	}
	if m.subject != nil {
		ev.Response.EmailSubject = r.fit(m.subject, plain, maxEmailSubject)
	}
	if m.body != nil {
		mode := inHTML
		if m.bodyIsText {
			mode = textInHTML
		}
		ev.Response.EmailMessage = r.fit(m.body, mode, maxEmailBody)
	}
	if m.sms != nil {
		ev.Response.SMSMessage = r.fit(m.sms, plain, maxSMS)
	}
	return ev
}

// link returns the reset page's link for ev: ResetURL, or its path on the
// origin that ClientMetadata[OriginKey] names when Origins lists it, with a
// fragment carrying the code (a reset only) and the query-escaped username.
func (h *Handler) link(ev events.CognitoEventUserPoolsCustomMessage) string {
	origin := h.origin
	if v, ok := ev.Request.ClientMetadata[h.originKey]; ok && h.originKey != "" && h.origins[v] {
		origin = v
	}
	var frag strings.Builder
	if ev.TriggerSource == sourceForgotPassword {
		frag.WriteString("code=" + ev.Request.CodeParameter + "&")
	}
	frag.WriteString("username=" + url.QueryEscape(ev.UserName))
	return origin + h.rest + "#" + frag.String()
}

// CheckMetadata reports what a reset's ClientMetadata md lacks for the
// messages h writes, as a *metadata.ValidationError: each key that a
// ForgotPassword template shows and md doesn't hold
// (metadata.RuleKeyMissing), and an OriginKey whose value Origins doesn't
// list (metadata.RuleValueNotAllowed: the link would use ResetURL's
// origin). It names keys, never values. Give it to
// resetpw.WithCustomMessage, so that the Resetter refuses such a reset
// before sending it.
func (h *Handler) CheckMetadata(md map[string]string) error {
	var vs []metadata.Violation
	if h.forgot != nil {
		var keys []string
		for _, t := range []template{h.forgot.subject, h.forgot.body, h.forgot.sms} {
			keys = t.keys(keys)
		}
		slices.Sort(keys)
		for _, k := range slices.Compact(keys) {
			if _, ok := md[k]; !ok {
				vs = append(vs, metadata.Violation{Key: k, Rule: metadata.RuleKeyMissing, Detail: "the reset message shows it"})
			}
		}
	}
	if v, ok := md[h.originKey]; ok && h.originKey != "" && !h.origins[v] {
		vs = append(vs, metadata.Violation{Key: h.originKey, Rule: metadata.RuleValueNotAllowed,
			Detail: "names an origin not in Origins; the link would go to ResetURL's"})
	}
	if vs == nil {
		return nil
	}
	return &metadata.ValidationError{Violations: vs}
}
