package custommessage

import (
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
