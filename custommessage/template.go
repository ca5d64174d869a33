package custommessage

import (
	"errors"
	"fmt"
	"strings"
)

// slot is what a template segment stands for.
type slot int

const (
	slotText     slot = iota // the deployer's text
	slotLink                 // {link}
	slotCode                 // {####}
	slotUsername             // {username}
	slotMeta                 // {meta:KEY}
)

// segment is one piece of a parsed template: text, or a slot (with its
// ClientMetadata key for slotMeta).
type segment struct {
	slot slot
	text string // the text, or the key of a slotMeta
}

// template is a parsed template.
type template []segment

const metaPrefix = "{meta:"

// maxMetaKey bounds a {meta:KEY} key; Cognito's own keys are short and a
// longer one is a typo.
const maxMetaKey = 128

// parseTemplate splits s into text and slots. Braces that open no slot are
// text; "{meta:" must be followed by a key of ASCII letters, digits, '_',
// '-' or '.' and a closing brace.
func parseTemplate(s string) (template, error) {
	var t template
	text := func(x string) {
		if x == "" {
			return
		}
		if n := len(t); n > 0 && t[n-1].slot == slotText {
			t[n-1].text += x
			return
		}
		t = append(t, segment{slotText, x})
	}
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			text(s)
			break
		}
		text(s[:i])
		s = s[i:]
		switch {
		case strings.HasPrefix(s, "{link}"):
			t, s = append(t, segment{slot: slotLink}), s[len("{link}"):]
		case strings.HasPrefix(s, "{####}"):
			t, s = append(t, segment{slot: slotCode}), s[len("{####}"):]
		case strings.HasPrefix(s, "{username}"):
			t, s = append(t, segment{slot: slotUsername}), s[len("{username}"):]
		case strings.HasPrefix(s, metaPrefix):
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return nil, fmt.Errorf("custommessage: %q has no closing brace", metaPrefix)
			}
			key := s[len(metaPrefix):end]
			if !validKey(key) {
				return nil, fmt.Errorf("custommessage: {meta:KEY} needs a key of 1 to %d ASCII letters, digits, '_', '-' or '.'", maxMetaKey)
			}
			t, s = append(t, segment{slotMeta, key}), s[end+1:]
		default:
			text("{")
			s = s[1:]
		}
	}
	return t, nil
}

// validKey reports whether k may name a ClientMetadata key in a template.
func validKey(k string) bool {
	if k == "" || len(k) > maxMetaKey {
		return false
	}
	for _, c := range []byte(k) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// has reports whether t holds slot s.
func (t template) has(s slot) bool {
	for _, seg := range t {
		if seg.slot == s {
			return true
		}
	}
	return false
}

// keys appends the ClientMetadata keys t shows to dst.
func (t template) keys(dst []string) []string {
	for _, seg := range t {
		if seg.slot == slotMeta {
			dst = append(dst, seg.text)
		}
	}
	return dst
}

// checkText refuses a template whose own text holds a character that
// Cognito's email patterns refuse (R54): anything but letters, marks,
// symbols, numbers, punctuation and ASCII white space, such as U+00A0 or
// U+200B, which an editor may have put there unseen.
func (t template) checkText() error {
	for _, seg := range t {
		if seg.slot != slotText {
			continue
		}
		for _, c := range seg.text {
			if !cognitoText(c) && !strings.ContainsRune("\t\n\v\f\r ", c) {
				return fmt.Errorf("the character %U is one Cognito refuses in an email", c)
			}
		}
	}
	return nil
}

// checkBraces refuses a brace that touches a slot: "{" before one or "}"
// after one. Around a value or a username, it could spell a placeholder
// that Cognito fills ("{{meta:ticket}}" with the value "####" is "{####}").
func (t template) checkBraces() error {
	for i, seg := range t {
		if seg.slot == slotText {
			continue
		}
		if i > 0 && t[i-1].slot == slotText && strings.HasSuffix(t[i-1].text, "{") ||
			i+1 < len(t) && t[i+1].slot == slotText && strings.HasPrefix(t[i+1].text, "}") {
			return errors.New("a brace touches a slot; it could spell a placeholder")
		}
	}
	return nil
}

// checkHTML refuses, in the deployer's HTML, a {meta:KEY} or {username}
// slot inside a tag (an attribute's value included) or inside a script or
// a style element: there an escaped value is still the attacker's link,
// attribute or code. {link}, {####} and text between tags are fine.
func (t template) checkHTML() error {
	var (
		inTag   bool
		quote   byte   // the quote of the attribute value being read, in a tag
		tagName []byte // the name of the tag being read
		naming  bool   // reading tagName
		raw     string // "script" or "style" when inside one
	)
	for _, seg := range t {
		if seg.slot != slotText {
			if (seg.slot == slotMeta || seg.slot == slotUsername) && (inTag || raw != "") {
				return errors.New("EmailHTML shows {meta:KEY} or {username} inside a tag, a script or a style; show them as text between tags")
			}
			naming = false
			continue
		}
		s := seg.text
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case raw != "":
				if end := "/" + raw; c == '<' && len(s) > i+len(end) && strings.EqualFold(s[i+1:i+1+len(end)], end) {
					raw, inTag, naming, tagName = "", true, false, tagName[:0]
					i += len(end)
				}
			case inTag && quote != 0:
				if c == quote {
					quote = 0
				}
			case inTag:
				switch {
				case c == '"' || c == '\'':
					quote, naming = c, false
				case c == '>':
					inTag, naming = false, false
					if n := strings.ToLower(string(tagName)); n == "script" || n == "style" {
						raw = n
					}
				case naming && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'):
					tagName = append(tagName, c)
				default:
					naming = false
				}
			case c == '<' && (i+1 == len(s) || tagStart(s[i+1])):
				// A '<' before a slot is taken as a tag: a value must
				// not name one.
				inTag, naming, tagName = true, true, tagName[:0]
			}
		}
	}
	return nil
}

// tagStart reports whether c, after '<', opens a tag, a closing tag, a
// comment or a declaration, as HTML reads it.
func tagStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' || c == '?'
}

// punctuatedCode reports whether a '.' or a ',' follows {####} right away.
// In an invitation, {####} is the temporary password, which may itself
// end in such a character: the user can't tell where it ends (R53).
func (t template) punctuatedCode() bool {
	for i, seg := range t {
		if seg.slot == slotCode && i+1 < len(t) && t[i+1].slot == slotText &&
			(strings.HasPrefix(t[i+1].text, ".") || strings.HasPrefix(t[i+1].text, ",")) {
			return true
		}
	}
	return false
}
