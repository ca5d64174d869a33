package custommessage

import (
	"html"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// mode is where a template's output goes.
type mode int

const (
	plain      mode = iota // a subject or an SMS: text, one line for a subject
	inHTML                 // EmailHTML: the deployer's HTML, slots escaped
	textInHTML             // EmailText: everything escaped, line breaks kept
)

// render fills a template's slots for one event.
type render struct {
	code     string            // request.codeParameter, Cognito's placeholder
	username string            // the event's userName, or request.usernameParameter for an invitation
	link     string            // the reset page's link
	meta     map[string]string // request.clientMetadata
	invite   bool              // username is Cognito's placeholder, filled in by Cognito
	name     string            // for an invitation, the event's userName: what Cognito fills in
}

// maxTempPassword is what an invitation's {####} counts for in a limit: the
// longest minimum length a pool's password policy may set, which a
// temporary password Cognito generates meets (R54).
const maxTempPassword = 99

// growth is how many characters t's message gains when Cognito fills in its
// placeholders (R54): none for a reset's six-digit code, which replaces the
// six characters of {####}; for an invitation, the username and a
// temporary password as long as maxTempPassword.
func (r render) growth(t template) int {
	codeLen := 6
	if r.invite {
		codeLen = maxTempPassword
	}
	n := 0
	for _, seg := range t {
		switch {
		case seg.slot == slotCode, seg.slot == slotLink && !r.invite:
			n += codeLen - utf16Len(r.code)
		case seg.slot == slotUsername && r.invite:
			n += utf16Len(r.name) - utf16Len(r.username)
		}
	}
	return n
}

// utf16Len is s's length as Cognito counts it: in UTF-16 code units, a
// character outside the Basic Multilingual Plane (an emoji) counting two
// (R54).
func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		n += utf16.RuneLen(c)
	}
	return n
}

// ellipsis ends a ClientMetadata value cut to fit.
const ellipsis = "…"

// fit renders t and keeps it within limit characters (UTF-16 units, once
// Cognito has filled in its placeholders): ClientMetadata values are cut,
// the last ones first, and a message whose fixed part alone is too long is
// left empty, so that Cognito sends its own (R54, R58).
func (r render) fit(t template, m mode, limit int) string {
	limit -= r.growth(t)
	if limit <= 0 {
		return ""
	}
	var keys []string // in the template's order, each once
	for _, k := range t.keys(nil) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	vals := make(map[string]string, len(keys))
	for _, k := range keys {
		// A value longer than the whole message can't be shown whole:
		// cutting it first bounds the work by limit, whatever the
		// caller sent.
		vals[k] = cut(shown(r.meta[k]), limit+1)
	}
	out := r.fill(t, m, vals)
	if n := utf16Len(out); n <= limit {
		return out
	}
	for i := len(keys) - 1; i >= 0 && utf16Len(out) > limit; i-- {
		k := keys[i]
		v := []rune(vals[k])
		with := func(n int) string {
			vals[k] = ""
			if n > 0 {
				vals[k] = string(v[:n]) + ellipsis
			}
			return r.fill(t, m, vals)
		}
		// The most runes of v that fit, found by bisection: escaping
		// makes a rune count for up to six characters.
		lo, hi := 0, len(v)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if utf16Len(with(mid)) <= limit {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		out = with(lo)
	}
	if utf16Len(out) > limit {
		return ""
	}
	return out
}

// cut returns s's first n runes.
func cut(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// fill writes t with vals for its {meta:KEY} slots, escaped for m.
func (r render) fill(t template, m mode, vals map[string]string) string {
	var b strings.Builder
	for _, seg := range t {
		switch seg.slot {
		case slotText:
			switch m {
			case textInHTML:
				b.WriteString(strings.ReplaceAll(html.EscapeString(seg.text), "\n", "<br>\n"))
			case plain:
				b.WriteString(seg.text)
			default:
				b.WriteString(seg.text) // the deployer's HTML
			}
		case slotCode:
			b.WriteString(r.code) // Cognito's placeholder, replaced by digits (R52)
		case slotUsername:
			if r.invite {
				b.WriteString(r.username) // Cognito's placeholder (R53)
			} else {
				b.WriteString(escape(shown(r.username), m))
			}
		case slotLink:
			b.WriteString(escape(r.link, m))
		case slotMeta:
			b.WriteString(escape(vals[seg.text], m))
		}
	}
	return b.String()
}

// escape makes s safe where m puts it: HTML-escaped (quotes included, for
// an attribute) in an email body, as is in plain text.
func escape(s string, m mode) string {
	if m == plain {
		return s
	}
	return html.EscapeString(s)
}

// shown is a value as a message may show it: without control characters
// (no line break to forge a header line or a second SMS line), without
// format characters (no bidirectional override to show text reversed, no
// invisible character), and without braces, so that no value can spell a
// placeholder that Cognito would fill with the code or the username (R52).
// Only letters, marks, symbols, numbers, punctuation and spaces are kept,
// every space written U+0020: Cognito refuses an email whose characters
// are others (R54), such as U+00A0 or U+200B.
func shown(v string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c == '{' || c == '}':
			return -1
		case c == ' ' || cognitoText(c):
			return c
		case unicode.Is(unicode.Zs, c):
			return ' '
		}
		return -1
	}, v)
}

// cognitoText reports whether c is a letter, a mark, a symbol, a number or
// punctuation: what Cognito's email patterns accept besides ASCII white
// space (R54).
func cognitoText(c rune) bool {
	return unicode.In(c, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P)
}
