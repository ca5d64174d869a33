package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// Format names the format of a journal's "run" lines. [Read] refuses a
// journal of another format, or without one (an older format).
const Format = "cognitoreset-bulk-journal/2"

// Line is one JSON line of a journal. The package comment says which
// statuses there are and what they mean.
type Line struct {
	Status string `json:"status"`
	// On "run" lines.
	Format       string `json:"format,omitempty"`
	Pool         string `json:"pool,omitempty"`
	RunID        string `json:"run_id,omitempty"`
	InputsDigest string `json:"inputs_digest,omitempty"`
	Inputs       int    `json:"inputs,omitempty"`
	Started      string `json:"started,omitempty"`
	// Preflight is the run's preflight: under "pool" and "off" the
	// username sent is the input as given, not always the user's own
	// username (see History.Resolve).
	Preflight string `json:"preflight,omitempty"`
	// On every other line.
	Index int `json:"index"`
	// Username is the input as read: Write keeps its first 512 bytes, in
	// valid UTF-8 (a Cognito username has at most 128 characters, so a
	// longer input can only fail, and a hostile line is not kept whole).
	Username string `json:"username,omitempty"`
	// SentAs is the username sent to Cognito, once known.
	SentAs      string `json:"sent_as,omitempty"`
	Kind        string `json:"kind,omitempty"`
	MaybeSent   bool   `json:"maybe_sent,omitempty"`
	Medium      string `json:"medium,omitempty"`
	Destination string `json:"destination,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	DuplicateOf *int   `json:"duplicate_of,omitempty"`
	Error       string `json:"error,omitempty"`
	// SignedOut and SignOutError say how the sign-out after a reset went;
	// a failed sign-out never hides that the reset was sent.
	SignedOut    bool   `json:"signed_out,omitempty"`
	SignOutError string `json:"sign_out_error,omitempty"`
	// At is when the line was written, in RFC 3339 (UTC): Write stamps
	// it when empty. A "sent" line's is the latest time its code can have
	// gone out, from which the code's hour runs (docs/cognito-rules.md,
	// R63; History.SentAt).
	At string `json:"at,omitempty"`
}

// maxName bounds the names kept in a line.
const maxName = 512

// maxLine is the longest line Read reads.
const maxLine = 64 << 10

// name is how a name is kept in, and looked up from, a journal: valid UTF-8
// (as JSON keeps it), at most maxName bytes.
func name(n string) string {
	n = strings.ToValidUTF8(n, "\uFFFD")
	if len(n) <= maxName {
		return n
	}
	cut := maxName
	for cut > 0 && !utf8.RuneStart(n[cut]) {
		cut--
	}
	return n[:cut]
}

// fields are the JSON names of Line's fields.
var fields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeFor[Line]()
	for i := range t.NumField() {
		n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[n] = true
	}
	return m
}()

// quote quotes s, cut to 64 bytes, for an error: journal text never reaches
// a terminal raw.
func quote(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q…", s[:64])
	}
	return fmt.Sprintf("%q", s)
}

// errNotJSON says a line is not one JSON object.
var errNotJSON = errors.New("not a journal line: not one JSON object")

// decodeLine parses one line strictly: one JSON object whose fields are
// Line's, each at most once and of its type. Its errors quote nothing of b
// but the name of one of Line's fields.
func decodeLine(b []byte) (Line, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return Line{}, errNotJSON
	}
	seen := make(map[string]bool, 8)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Line{}, errNotJSON
		}
		key, _ := tok.(string)
		switch {
		case !fields[key]:
			return Line{}, errors.New("not a journal line: unknown field")
		case seen[key]:
			return Line{}, fmt.Errorf("not a journal line: field %q appears twice", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return Line{}, errNotJSON
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return Line{}, errNotJSON
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Line{}, errors.New("not a journal line: more than one JSON value")
	}
	var l Line
	if err := json.Unmarshal(b, &l); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && fields[te.Field] {
			return Line{}, fmt.Errorf("not a journal line: field %q has the wrong type", te.Field)
		}
		return Line{}, errNotJSON
	}
	if l.At != "" {
		if _, err := time.Parse(time.RFC3339Nano, l.At); err != nil {
			return Line{}, errors.New(`not a journal line: field "at" is not an RFC 3339 time`)
		}
	}
	return l, nil
}
