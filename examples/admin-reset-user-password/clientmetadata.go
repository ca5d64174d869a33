package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// maxMetadataBytes is the largest input parseMetadata reads. Larger input is refused
// before any work is done on it.
const maxMetadataBytes = 4 << 20

// parseMetadata reads ClientMetadata as the AWS CLI takes it: a JSON object whose
// values are all strings ({"k": "v"}), or the shorthand k1=v1,k2=v2. In
// shorthand, spaces around keys and values are trimmed, and a key or value
// holding ',', '=', a quote or edge spaces is quoted with " or ', with \
// escaping the quote and \ itself inside. Empty input gives an empty map.
//
// Duplicate keys, a pair without '=', non-string JSON values and other
// malformed input give a *metadataParseError that says where; it matches
// [metadata.ErrInvalid]. Work is linear in the input and nothing nests, so hostile
// input (deep JSON nesting, megabytes of text) costs little.
func parseMetadata(s string) (map[string]string, error) {
	if len(s) > maxMetadataBytes {
		return nil, &metadataParseError{Offset: maxMetadataBytes, Msg: fmt.Sprintf("input is %d bytes, limit %d", len(s), maxMetadataBytes)}
	}
	t := strings.TrimLeft(s, " \t\r\n")
	if t == "" {
		return map[string]string{}, nil
	}
	if t[0] == '{' {
		return parseJSON(s)
	}
	return parseShorthand(s)
}

func parseJSON(s string) (map[string]string, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	// off is where the next token starts: past spaces, ':' and ','.
	off := func() int {
		o := int(dec.InputOffset())
		for o < len(s) && strings.IndexByte(" \t\r\n:,", s[o]) >= 0 {
			o++
		}
		return o
	}
	fail := func(o int, format string, a ...any) (map[string]string, error) {
		return nil, &metadataParseError{Offset: o, Msg: fmt.Sprintf(format, a...)}
	}
	syntax := func(err error) (map[string]string, error) {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// The decoder's own message quotes input; this one does not.
			return fail(int(se.Offset), "invalid JSON syntax")
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(len(s), "unexpected end of JSON input")
		}
		return fail(off(), "invalid JSON")
	}
	if _, err := dec.Token(); err != nil { // the '{'
		return syntax(err)
	}
	m := map[string]string{}
	for dec.More() {
		at := off()
		tok, err := dec.Token()
		if err != nil {
			return syntax(err)
		}
		k, ok := tok.(string)
		if !ok {
			return fail(at, "expected a key")
		}
		if _, dup := m[k]; dup {
			return fail(at, "duplicate key %s", quoteKey(k))
		}
		at = off()
		tok, err = dec.Token()
		if err != nil {
			return syntax(err)
		}
		v, ok := tok.(string)
		if !ok {
			return fail(at, "value of key %s is %s, not a string", quoteKey(k), jsonKind(tok))
		}
		m[k] = v
	}
	if _, err := dec.Token(); err != nil { // the '}'
		return syntax(err)
	}
	end := off()
	if _, err := dec.Token(); err != io.EOF {
		return fail(end, "text after the JSON object")
	}
	return m, nil
}

func jsonKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "an array"
	case bool:
		return "a boolean"
	case float64, json.Number:
		return "a number"
	case nil:
		return "null"
	}
	return "not a string"
}

type shorthand struct {
	s string
	i int
}

func (p *shorthand) fail(format string, a ...any) error {
	return &metadataParseError{Offset: p.i, Msg: fmt.Sprintf(format, a...)}
}

func (p *shorthand) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r' || p.s[p.i] == '\n') {
		p.i++
	}
}

// quoted reads a quoted string starting at the quote character.
func (p *shorthand) quoted() (string, error) {
	q := p.s[p.i]
	start := p.i
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\\' && p.i+1 < len(p.s) && (p.s[p.i+1] == q || p.s[p.i+1] == '\\'):
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case c == q:
			p.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	p.i = start
	return "", p.fail("unterminated %c quote", q)
}

// bare reads up to one of stops, trimming spaces.
func (p *shorthand) bare(stops string) string {
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(stops, rune(p.s[p.i])) {
		p.i++
	}
	return strings.TrimSpace(p.s[start:p.i])
}

func parseShorthand(s string) (map[string]string, error) {
	p := &shorthand{s: s}
	m := map[string]string{}
	for {
		p.skipSpace()
		keyAt := p.i
		var k string
		switch {
		case p.i < len(s) && (s[p.i] == '"' || s[p.i] == '\''):
			var err error
			if k, err = p.quoted(); err != nil {
				return nil, err
			}
			p.skipSpace()
		default:
			k = p.bare("=,\"'")
			if p.i < len(s) && (s[p.i] == '"' || s[p.i] == '\'') {
				return nil, p.fail("quote inside a key; quote the whole key")
			}
			if k == "" {
				if p.i >= len(s) || s[p.i] == ',' {
					return nil, p.fail("empty pair")
				}
				return nil, p.fail("missing key before '='")
			}
		}
		if p.i >= len(s) || s[p.i] != '=' {
			return nil, &metadataParseError{Offset: keyAt, Msg: fmt.Sprintf("pair for key %s has no '='", quoteKey(k))}
		}
		p.i++ // '='
		p.skipSpace()
		var v string
		if p.i < len(s) && (s[p.i] == '"' || s[p.i] == '\'') {
			var err error
			if v, err = p.quoted(); err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.i < len(s) && s[p.i] != ',' {
				return nil, p.fail("text after the quoted value of key %s", quoteKey(k))
			}
		} else {
			v = p.bare(",=\"'")
			if p.i < len(s) && s[p.i] != ',' {
				return nil, p.fail("unquoted '%c' in the value of key %s; quote the value", s[p.i], quoteKey(k))
			}
		}
		if _, dup := m[k]; dup {
			return nil, &metadataParseError{Offset: keyAt, Msg: "duplicate key " + quoteKey(k)}
		}
		m[k] = v
		if p.i >= len(s) {
			return m, nil
		}
		p.i++ // ','
		p.skipSpace()
		if p.i >= len(s) {
			return nil, p.fail("trailing ','")
		}
	}
}

// formatMetadata writes m as shorthand, keys sorted, quoting keys and values only
// where parseMetadata needs it, so that parseMetadata(formatMetadata(m)) gives m back. It is meant
// for command lines and fixtures, not for logs: it holds the values.
func formatMetadata(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeShorthand(&b, k, true)
		b.WriteByte('=')
		writeShorthand(&b, m[k], false)
	}
	return b.String()
}

func writeShorthand(b *strings.Builder, s string, key bool) {
	if !needsQuote(s, key) {
		b.WriteString(s)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

func needsQuote(s string, key bool) bool {
	if s == "" {
		return key
	}
	if strings.TrimSpace(s) != s || (key && s[0] == '{') {
		return true
	}
	return strings.ContainsAny(s, ",=\"'")
}

// metadataParseError says where parseMetadata found its input malformed. It never holds a
// value.
type metadataParseError struct {
	Offset int    // byte offset in the input
	Msg    string // what is wrong
}

func (e *metadataParseError) Error() string {
	return fmt.Sprintf("metadata: cannot parse client metadata at byte %d: %s", e.Offset, e.Msg)
}

// Is makes errors.Is(err, metadata.ErrInvalid) hold.
func (e *metadataParseError) Is(target error) bool { return target == metadata.ErrInvalid }

// quoteKey quotes a key for a message, cut to 40 runes.
func quoteKey(k string) string {
	const most = 40
	n := 0
	for i := range k {
		if n == most {
			return fmt.Sprintf("%q…", k[:i])
		}
		n++
	}
	return fmt.Sprintf("%q", k)
}
