package journal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// inFlight bounds how long after its "sending" line a reset whose outcome
// was never written can have reached Cognito: the process that sent it
// died, and its connection with it (docs/cognito-rules.md, R66: assumed).
const inFlight = time.Minute

// state is what a journal says of a user, in increasing order of caution:
// the state of a user is the highest any line gives it.
type state int

const (
	none    state = iota // nothing, or a failure that sent nothing: send
	sending              // "sending" with no outcome: unknown, not yet recorded so
	unknown              // a reset may have gone out: don't send again unless asked
	sent                 // sent: skip
)

var statuses = [...]string{none: "", sending: "sending", unknown: "unknown", sent: "sent"}

// History is what a journal says of its users, read by [Read] or [Resume].
// A nil *History is an empty one. Once [History.Resolve] has returned, its
// other methods are safe for concurrent use (a run's workers asking
// [History.Status] before each send).
type History struct {
	// CutShort says that the journal's last line has no newline: a crash
	// cut it short before it was synced, so the reset it announced was not
	// sent yet, or its "sending" line is complete above it. It is left out
	// (and [Resume] cuts it off the file).
	CutShort bool
	// NotSent counts the inputs, by their name, whose every reset failed
	// and sent nothing (a "failed" line without MaybeSent, the run
	// stopped before them included) and that no line shows as sent or
	// maybe sent: who never got a code.
	NotSent int

	by     map[string]state
	failed map[string]bool      // the inputs of "failed" lines that sent nothing
	loose  map[string]state     // names sent by runs that did not read the user
	sentAt map[string]time.Time // by the username sent: the latest time a code can have gone out
	// unfinished are the users, by the username sent, of "sending" lines
	// no later line gave an outcome.
	unfinished map[string]bool
	keep       int64 // the length of the complete lines
	// digest is the inputs digest of the last run.
	digest   string
	curLoose bool // the run being read is a loose one
}

// Status returns what the journal says of the user known by any of names
// (the input, the username sent, the user's own username): "sent",
// "unknown" (a reset may have gone out), "sending" (a "sending" line without
// an outcome: as "unknown", not yet recorded so), or "" (nothing was sent).
// When names disagree, the most cautious status wins.
func (h *History) Status(names ...string) string {
	st := none
	if h != nil {
		for _, n := range names {
			st = max(st, h.by[name(n)])
		}
	}
	return statuses[st]
}

// Empty reports whether the journal shows no user as sent or maybe sent.
func (h *History) Empty() bool {
	if h == nil {
		return true
	}
	for _, st := range h.by {
		if st > none {
			return false
		}
	}
	return true
}

// SameInputs reports whether inputs are those of the journal's last run, by
// their digest (true when its run line has none).
func (h *History) SameInputs(inputs []string) bool {
	return h == nil || h.digest == "" || h.digest == digest(inputs)
}

// Resolve gives the names sent by runs that did not read the user (a
// preflight other than "full"), which may be another spelling of the user
// (an email, another case), to resolve, sorted; resolve returns the user's
// own username of each, or "" where there is none, and each user takes the
// status of its spelling. Resolve calls resolve only when there are such
// names; its error is resolve's.
func (h *History) Resolve(resolve func(names []string) ([]string, error)) error {
	if h == nil || len(h.loose) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(h.loose))
	users, err := resolve(keys)
	if err != nil {
		return err
	}
	if len(users) != len(keys) {
		return fmt.Errorf("journal: resolve returned %d usernames for %d names", len(users), len(keys))
	}
	for i, k := range keys {
		u := name(users[i])
		if u != "" && h.loose[k] > h.by[u] {
			h.by[u] = h.loose[k]
		}
		if t, ok := h.sentAt[k]; ok && u != "" && u != k {
			h.sent(u, t)
			delete(h.sentAt, k)
		}
	}
	h.countNotSent()
	return nil
}

// countNotSent sets NotSent.
func (h *History) countNotSent() {
	h.NotSent = 0
	for k := range h.failed {
		if h.by[k] == none {
			h.NotSent++
		}
	}
}

// SentAt returns each user the journal shows as sent or maybe sent, by the
// username sent (History.Resolve maps a loose run's spellings to the
// user's own username), with the latest time a code can have gone out to
// them: the time of its "sent" line, of a "failed" line with MaybeSent, of
// a "sending" line left without an outcome plus a minute (R66), or of an
// "unknown" line for a user no earlier line names (a resumed run's
// "unknown" line for a reset an earlier run left in flight moves nothing). It is the zero time for lines written without one (before
// lines had times). The code's hour runs from it (R63). The map is the
// caller's.
func (h *History) SentAt() map[string]time.Time {
	if h == nil {
		return map[string]time.Time{}
	}
	return maps.Clone(h.sentAt)
}

// Unfinished returns the users of "sending" lines that no later line gave
// an outcome (a crash or a kill caught the reset in flight), by the
// username sent, sorted, even where an earlier run sent them a code (so
// Status says "sent"): a resumed run writes an "unknown" line for each.
func (h *History) Unfinished() []string {
	if h == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(h.unfinished))
}

// sent records that a code can have gone out to user by t.
func (h *History) sent(user string, t time.Time) {
	if user == "" {
		return
	}
	if old, ok := h.sentAt[user]; !ok || t.After(old) {
		h.sentAt[user] = t
	}
}

func (h *History) raise(key string, st state) {
	if key == "" {
		return
	}
	if st > h.by[key] {
		h.by[key] = st
	}
	if h.curLoose && st > h.loose[key] {
		h.loose[key] = st
	}
}

// digest is the inputs digest of a run line.
func digest(inputs []string) string {
	h := sha256.New()
	for _, n := range inputs {
		h.Write([]byte(n))
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// entry is one input of one run of the journal.
type entry struct {
	username, sentAs string
	pending          bool // "sending" without an outcome so far
	sendingAt        time.Time
	dupOf            *int
}

// key is the name an entry's send time is kept by: the username sent.
func (e *entry) key() string {
	if e.sentAs != "" {
		return e.sentAs
	}
	return e.username
}

// Read reads a journal of pool from r, under the rules of the package
// comment. Its errors name the line ("line 3: ...").
func Read(r io.Reader, pool string) (*History, error) {
	return read(r, pool, "")
}

// read is Read, its errors naming file (file:3: ...) when it is not "".
func read(r io.Reader, pool, file string) (*History, error) {
	at := func(n int) string {
		if file == "" {
			return fmt.Sprintf("line %d", n)
		}
		return fmt.Sprintf("%s:%d", file, n)
	}
	h := &History{by: map[string]state{}, failed: map[string]bool{}, loose: map[string]state{}, sentAt: map[string]time.Time{}, unfinished: map[string]bool{}}
	var run map[int]*entry
	endRun := func() {
		for _, e := range run {
			if e.pending {
				h.raise(e.username, sending)
				h.raise(e.sentAs, sending)
				at := e.sendingAt
				if !at.IsZero() {
					at = at.Add(inFlight)
				}
				h.sent(e.key(), at)
				h.unfinished[e.key()] = true
			}
		}
		for _, e := range run { // a duplicate is as sent as the input it repeats
			if e.dupOf == nil {
				continue
			}
			if o := run[*e.dupOf]; o != nil {
				h.raise(e.username, max(h.by[o.username], h.by[o.sentAs]))
			}
		}
	}
	rd := bufio.NewReaderSize(r, maxLine+1)
	var offset int64
	for n := 1; ; n++ {
		b, err := rd.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%s: line longer than %d bytes: not a journal line", at(n), maxLine)
		}
		if errors.Is(err, io.EOF) {
			h.CutShort = len(b) > 0
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at(n), err)
		}
		offset += int64(len(b))
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		l, err := decodeLine(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at(n), err)
		}
		if err := h.apply(l, pool, &run, endRun); err != nil {
			return nil, fmt.Errorf("%s: %w", at(n), err)
		}
	}
	if run == nil {
		if file == "" {
			return nil, fmt.Errorf("no run line: not a journal of format %s", Format)
		}
		return nil, fmt.Errorf("%s: no run line: not a journal of format %s", file, Format)
	}
	endRun()
	h.countNotSent()
	h.keep = offset
	return h, nil
}

// apply takes line l of the journal into h.
func (h *History) apply(l Line, pool string, run *map[int]*entry, endRun func()) error {
	if l.Status == "run" {
		if l.Format != Format {
			return fmt.Errorf("journal format %s, not %q", quote(l.Format), Format)
		}
		if l.Pool != pool {
			return fmt.Errorf("a journal of pool %s, not %s: refusing to resume it", quote(l.Pool), quote(pool))
		}
		if *run != nil {
			endRun()
		}
		*run = map[int]*entry{}
		h.digest = l.InputsDigest
		h.curLoose = l.Preflight != "full"
		return nil
	}
	if l.Username == "" && l.SentAs == "" {
		return fmt.Errorf("a %s line without a username", quote(l.Status))
	}
	if *run == nil {
		return fmt.Errorf("a %s line before any run line: not a journal of format %s", quote(l.Status), Format)
	}
	e := (*run)[l.Index]
	if e == nil {
		e = &entry{}
		(*run)[l.Index] = e
	}
	if l.Username != "" {
		e.username = name(l.Username)
	}
	if l.SentAs != "" {
		e.sentAs = name(l.SentAs)
	}
	at, _ := time.Parse(time.RFC3339Nano, l.At) // checked by decodeLine; zero when absent
	if l.Status != "sending" && l.Status != "would_send" && l.Status != "would_fail" {
		delete(h.unfinished, e.key()) // an outcome, for this run or an earlier one's reset
		delete(h.unfinished, name(l.Username))
	}
	switch l.Status {
	case "sending":
		e.pending, e.sendingAt = true, at
	case "sent":
		e.pending = false
		h.raise(e.username, sent)
		h.raise(e.sentAs, sent)
		h.sent(e.key(), at)
	case "unknown":
		// A resumed run's bookkeeping for a reset an earlier run left in
		// flight: that run's lines already bound when its code can have
		// gone out, and this line's later time would move the code's
		// hour (and turn a user who completed since into one changed
		// otherwise). Only a user with no earlier line takes its time.
		e.pending = false
		first := h.by[e.username] == none && (e.sentAs == "" || h.by[e.sentAs] == none)
		h.raise(e.username, unknown)
		h.raise(e.sentAs, unknown)
		if first {
			h.sent(e.key(), at)
		}
	case "failed":
		if k := e.username; !l.MaybeSent {
			if k == "" {
				k = e.sentAs
			}
			h.failed[k] = true
		}
		if e.pending || l.MaybeSent {
			e.pending = false
			if l.MaybeSent {
				h.raise(e.username, unknown)
				h.raise(e.sentAs, unknown)
				h.sent(e.key(), at)
				h.unfinished[e.key()] = true
			}
		}
	case "duplicate":
		if l.DuplicateOf == nil {
			return errors.New("a duplicate line without duplicate_of")
		}
		e.dupOf = l.DuplicateOf
	case "would_send", "would_fail":
	default:
		return fmt.Errorf("unknown status %s", quote(l.Status))
	}
	return nil
}
