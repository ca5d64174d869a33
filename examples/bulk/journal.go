package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Line is one JSON line of the journal (--out). Username is as read, so that
// --resume can match it; Destination is masked.
//
// Before each reset is sent, a "sending" line is written and synced to disk;
// the outcome line follows: "sent", "failed" (with maybe_sent when the code
// may have gone out anyway), "duplicate", or, written by --resume for a user
// whose "sending" line has no outcome, "unknown". --plan writes "would_send"
// and "would_fail".
type Line struct {
	Index       int    `json:"index"` // the user's position in the input
	Username    string `json:"username"`
	Status      string `json:"status"`
	SentAs      string `json:"sent_as,omitempty"` // the username sent to Cognito, on "sending"
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

func openJournal(path string, stdout io.Writer) (*journal, error) {
	if path == "-" {
		return &journal{w: stdout, path: "stdout"}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	return &journal{w: f, file: f, path: path}, nil
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

// userState is what an earlier journal says of a user.
type userState int

const (
	stateNone    userState = iota // nothing, or a failure that sent nothing: send
	stateSent                     // sent: skip
	stateUnknown                  // a reset may have gone out: don't send again unless asked
	stateSending                  // "sending" with no outcome yet: unknown, not yet recorded so
)

// readJournal reads an earlier journal: the state of each user, by the
// username as read. A missing file is an empty journal.
func readJournal(path string) (map[string]userState, error) {
	states := map[string]userState{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return states, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: not a journal line: %w", path, line, err)
		}
		switch l.Status {
		case "sending":
			states[l.Username] = stateSending
		case "sent":
			states[l.Username] = stateSent
		case "unknown":
			states[l.Username] = stateUnknown
		case "failed":
			if l.MaybeSent {
				states[l.Username] = stateUnknown
			} else if states[l.Username] != stateSent {
				states[l.Username] = stateNone
			}
		}
	}
	return states, sc.Err()
}
