package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// journalFormat names the format of the journal's "run" lines; a journal
// without one (an older format) is refused by --resume.
const journalFormat = "cognitoreset-bulk-journal/2"

// Line is one JSON line of the journal (--out). Destination is masked.
//
// Every run starts with a "run" line: the format, the pool, a run ID and the
// digest of its inputs. Before each reset is sent, a "sending" line is
// written and synced to disk, with the username actually sent (sent_as); the
// outcome line follows: "sent", "failed" (with maybe_sent when the code may
// have gone out anyway), "duplicate" (of the earlier input duplicate_of), or,
// written by --resume for a user whose "sending" line has no outcome,
// "unknown". --plan writes "would_send" and "would_fail". Index is the
// input's position in its run.
type Line struct {
	Status string `json:"status"`
	// On "run" lines.
	Format       string `json:"format,omitempty"`
	Pool         string `json:"pool,omitempty"`
	RunID        string `json:"run_id,omitempty"`
	InputsDigest string `json:"inputs_digest,omitempty"`
	Inputs       int    `json:"inputs,omitempty"`
	Started      string `json:"started,omitempty"`
	// Preflight is the run's --preflight: under "pool" and "off" the
	// username sent is the input as given, not always the user's own
	// username, so --resume resolves it again.
	Preflight string `json:"preflight,omitempty"`
	// On every other line.
	Index int `json:"index"`
	// Username is the input as read (its first maxJournalName bytes).
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
	// SignedOut and SignOutError say how the sign-out after a reset went
	// (--sign-out); a failed sign-out never hides that the reset was sent.
	SignedOut    bool   `json:"signed_out,omitempty"`
	SignOutError string `json:"sign_out_error,omitempty"`
}

// maxJournalName bounds the input kept in a line: a Cognito username has at
// most 128 characters, so a longer input can only fail validation, and a
// hostile 300 KB line is not journaled whole.
const maxJournalName = 512

// maxJournalLine is the longest line --resume reads.
const maxJournalLine = 64 << 10

// journalName is how an input is kept in, and looked up from, the journal:
// valid UTF-8 (as JSON keeps it), at most maxJournalName bytes.
func journalName(n string) string {
	n = strings.ToValidUTF8(n, "\uFFFD")
	if len(n) <= maxJournalName {
		return n
	}
	cut := maxJournalName
	for cut > 0 && !utf8.RuneStart(n[cut]) {
		cut--
	}
	return n[:cut]
}

// journal appends lines to the output, each synced to disk before write
// returns when the output is a file. It is safe for concurrent use. Its first
// write error sticks: every later write returns it, naming the file.
type journal struct {
	mu   sync.Mutex
	w    io.Writer
	file *os.File // nil for stdout
	path string
	err  error
}

// openJournal opens the journal at path: a new file (created 0600; an
// existing non-empty journal is refused, so that a run is never appended to
// another by mistake) or, to resume, an existing regular file, its
// permissions made 0600. Symlinks are refused, dangling ones too. The file
// is locked (flock) for as long as the run holds it: a second run on the
// same journal, which would read it while the first still sends and so
// send the same users again, is refused.
func openJournal(path string, stdout io.Writer, resume bool) (*journal, error) {
	if path == "-" {
		return &journal{w: stdout, path: "stdout"}, nil
	}
	st, err := os.Lstat(path)
	switch {
	case err == nil && st.Mode()&os.ModeSymlink != 0:
		return nil, fmt.Errorf("journal %s is a symlink: name the file itself", path)
	case err == nil && st.IsDir():
		return nil, fmt.Errorf("journal %s is a directory", path)
	case err == nil && !resume && st.Mode().IsRegular() && st.Size() > 0:
		return nil, fmt.Errorf("journal %s already exists: --resume continues it, or name a new file", path)
	case errors.Is(err, os.ErrNotExist) && resume:
		return nil, fmt.Errorf("--resume: journal %s does not exist (run without --resume to start a new one)", path)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	flags := os.O_WRONLY | os.O_APPEND | syscall.O_NOFOLLOW
	switch {
	case errors.Is(err, os.ErrNotExist):
		flags |= os.O_CREATE | os.O_EXCL
	case resume:
		flags = os.O_RDWR | os.O_APPEND | syscall.O_NOFOLLOW | syscall.O_NONBLOCK // read back under the lock; a FIFO doesn't block
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening journal %s: %w", path, err)
	}
	fail := func(err error) (*journal, error) {
		f.Close()
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return fail(fmt.Errorf("journal %s is in use by another run: wait for it to end (a second run would send its users again)", path))
			}
			return fail(fmt.Errorf("locking journal %s: %w", path, err))
		}
		if err := f.Chmod(0o600); err != nil {
			return fail(fmt.Errorf("journal %s: %w", path, err))
		}
	} else if resume {
		return fail(fmt.Errorf("--resume: journal %s is not a regular file", path))
	}
	return &journal{w: f, file: f, path: path}, nil
}

// resumeFrom reads the journal's states under its lock, and cuts off a last
// line cut short by a crash.
func (j *journal) resumeFrom(pool string) (*journalStates, error) {
	st, err := j.file.Stat()
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", j.path, err)
	}
	s, err := readJournalFrom(io.NewSectionReader(j.file, 0, st.Size()), j.path, pool)
	if err != nil {
		return nil, err
	}
	if s.keep < st.Size() {
		if err := j.file.Truncate(s.keep); err != nil {
			return nil, fmt.Errorf("journal %s: %w", j.path, err)
		}
	}
	return s, nil
}

// write appends l durably.
func (j *journal) write(l Line) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if _, err := j.w.Write(append(b, '\n')); err != nil {
		j.err = fmt.Errorf("writing %s: %w", j.path, err)
		return j.err
	}
	if j.file != nil {
		if err := j.file.Sync(); err != nil {
			j.err = fmt.Errorf("syncing %s: %w", j.path, err)
			return j.err
		}
	}
	return nil
}

func (j *journal) close() error {
	if j.file == nil {
		return nil
	}
	return j.file.Close()
}

// runLine returns the "run" line of a run of names in pool under preflight.
func runLine(pool string, names []string, preflight string) Line {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{'\n'})
	}
	return Line{Status: "run", Format: journalFormat, Pool: pool, RunID: hex.EncodeToString(id),
		InputsDigest: "sha256:" + hex.EncodeToString(h.Sum(nil)), Inputs: len(names), Started: time.Now().UTC().Format(time.RFC3339), Preflight: preflight}
}

// userState is what an earlier journal says of a user, in increasing order
// of caution: the state of a user is the highest any line gives it.
type userState int

const (
	stateNone    userState = iota // nothing, or a failure that sent nothing: send
	stateSending                  // "sending" with no outcome: unknown, not yet recorded so
	stateUnknown                  // a reset may have gone out: don't send again unless asked
	stateSent                     // sent: skip
)

// journalStates is what --resume knows from the journal: the state of each
// user, by the input as read and by the username sent.
type journalStates struct {
	by map[string]userState
	// keep is the length of the journal's complete lines.
	keep int64
	// lastDigest is the inputs digest of the last run.
	lastDigest string
	// cutShort is true when the last line had no newline.
	cutShort bool
	// loose holds the names recorded by runs that did not read the user
	// (--preflight pool or off, or not recorded): they may be another
	// spelling of the user (an email, another case), so --resume resolves
	// them to the user's own username before trusting them.
	loose map[string]userState
	// curLoose says the run being read is such a run.
	curLoose bool
}

func (s *journalStates) raise(key string, st userState) {
	if key == "" {
		return
	}
	if st > s.by[key] {
		s.by[key] = st
	}
	if s.curLoose && st > s.loose[key] {
		s.loose[key] = st
	}
}

// of is the state of input n.
func (s *journalStates) of(n string) userState { return s.by[journalName(n)] }

// any reports whether some user is sent or may have been.
func (s *journalStates) any() bool {
	for _, st := range s.by {
		if st > stateNone {
			return true
		}
	}
	return false
}

// entry is one input of one run of the journal.
type entry struct {
	username, sentAs string
	pending          bool // "sending" without an outcome so far
	dupOf            *int
}

// readJournal reads an earlier journal of pool. It refuses a journal of
// another pool or format, a line it can't parse, with fields or a status it
// doesn't know, or longer than maxJournalLine, naming file and line. A last
// line cut short by a crash (no newline) is left out (cutShort).
func readJournal(path, pool string) (*journalStates, error) {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("--resume: journal %s does not exist (run without --resume to start a new one)", path)
	case err != nil:
		return nil, fmt.Errorf("--resume: %w", err)
	case st.Mode()&os.ModeSymlink != 0:
		return nil, fmt.Errorf("journal %s is a symlink: name the file itself", path)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("--resume: journal %s is not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	defer f.Close()
	return readJournalFrom(f, path, pool)
}

// readJournalFrom reads the journal path from f, as readJournal does.
func readJournalFrom(f io.Reader, path, pool string) (*journalStates, error) {
	s := &journalStates{by: map[string]userState{}, loose: map[string]userState{}}
	var run map[int]*entry
	endRun := func() {
		for _, e := range run {
			if e.pending {
				s.raise(e.username, stateSending)
				s.raise(e.sentAs, stateSending)
			}
		}
		for _, e := range run { // a duplicate is as sent as the input it repeats
			if e.dupOf == nil {
				continue
			}
			if o := run[*e.dupOf]; o != nil {
				st := max(s.by[o.username], s.by[o.sentAs])
				s.raise(e.username, st)
			}
		}
	}
	rd := bufio.NewReaderSize(f, maxJournalLine+1)
	var offset int64
	for n := 1; ; n++ {
		b, err := rd.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes: not a journal line", path, n, maxJournalLine)
		}
		if errors.Is(err, io.EOF) {
			// A last line without its newline was cut short by a crash
			// before it was synced: the reset it announced was not sent yet,
			// or its "sending" line is complete above it. It is left out,
			// and cut off when the journal is opened again.
			s.cutShort = len(b) > 0
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		offset += int64(len(b))
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var l Line
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%s:%d: not a journal line: %v", path, n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: not a journal line: more than one JSON value", path, n)
		}
		if err := s.apply(path, n, pool, l, &run, endRun); err != nil {
			return nil, err
		}
	}
	if run == nil {
		return nil, fmt.Errorf("%s: no run line: not a journal of this tool's format %s", path, journalFormat)
	}
	endRun()
	s.keep = offset
	return s, nil
}

// apply takes line n of the journal into s.
func (s *journalStates) apply(path string, n int, pool string, l Line, run *map[int]*entry, endRun func()) error {
	if l.Status == "run" {
		if l.Format != journalFormat {
			return fmt.Errorf("%s:%d: journal format %q, not %q", path, n, l.Format, journalFormat)
		}
		if l.Pool != pool {
			return fmt.Errorf("%s:%d: a journal of pool %s, not %s: refusing to resume it", path, n, l.Pool, pool)
		}
		if *run != nil {
			endRun()
		}
		*run = map[int]*entry{}
		s.lastDigest = l.InputsDigest
		s.curLoose = l.Preflight != "full"
		return nil
	}
	if l.Username == "" && l.SentAs == "" {
		return fmt.Errorf("%s:%d: a %q line without a username", path, n, l.Status)
	}
	if *run == nil {
		return fmt.Errorf("%s:%d: a %q line before any run line: not a journal of this tool's format %s", path, n, l.Status, journalFormat)
	}
	e := (*run)[l.Index]
	if e == nil {
		e = &entry{}
		(*run)[l.Index] = e
	}
	if l.Username != "" {
		e.username = l.Username
	}
	if l.SentAs != "" {
		e.sentAs = l.SentAs
	}
	switch l.Status {
	case "sending":
		e.pending = true
	case "sent":
		e.pending = false
		s.raise(e.username, stateSent)
		s.raise(e.sentAs, stateSent)
	case "unknown":
		e.pending = false
		s.raise(e.username, stateUnknown)
		s.raise(e.sentAs, stateUnknown)
	case "failed":
		if e.pending || l.MaybeSent {
			e.pending = false
			if l.MaybeSent {
				s.raise(e.username, stateUnknown)
				s.raise(e.sentAs, stateUnknown)
			}
		}
	case "duplicate":
		if l.DuplicateOf == nil {
			return fmt.Errorf("%s:%d: a duplicate line without duplicate_of", path, n)
		}
		e.dupOf = l.DuplicateOf
	case "would_send", "would_fail":
	default:
		return fmt.Errorf("%s:%d: unknown status %q", path, n, l.Status)
	}
	return nil
}
