package journal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// A Journal appends lines to a file ([Create], [Resume]), each synced to
// disk before [Journal.Write] returns, or to a writer ([New]). It is safe
// for concurrent use. Its first write error sticks: every later write
// returns it, naming the file.
type Journal struct {
	mu   sync.Mutex
	w    io.Writer
	file *os.File // nil for New's
	name string
	err  error
}

// New returns a journal that appends to w (stdout, a pipe), naming it name
// in its errors. Nothing is synced, locked or resumed.
func New(w io.Writer, name string) *Journal {
	return &Journal{w: w, name: name}
}

// Begin writes the "run" line of a run of inputs in pool, read under
// preflight ("full", "pool" or "off"): a new run ID, the inputs' digest
// and the time.
func (j *Journal) Begin(pool string, inputs []string, preflight string) error {
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	return j.Write(Line{Status: "run", Format: Format, Pool: pool, RunID: hex.EncodeToString(id),
		InputsDigest: digest(inputs), Inputs: len(inputs), Started: time.Now().UTC().Format(time.RFC3339), Preflight: preflight})
}

// Write appends l, with its Username and SentAs kept as a journal keeps
// names (valid UTF-8, at most 512 bytes) and At stamped with the time when
// empty, and syncs a file to disk.
func (j *Journal) Write(l Line) error {
	l.Username, l.SentAs = name(l.Username), name(l.SentAs)
	if l.At == "" {
		l.At = time.Now().UTC().Format(time.RFC3339Nano)
	}
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
		j.err = fmt.Errorf("writing %s: %w", j.name, err)
		return j.err
	}
	if j.file != nil {
		if err := j.file.Sync(); err != nil {
			j.err = fmt.Errorf("syncing %s: %w", j.name, err)
			return j.err
		}
	}
	return nil
}

// Err returns the journal's first write error, or nil.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Close closes the journal's file, and so releases its lock. A journal of
// [New] leaves its writer open.
func (j *Journal) Close() error {
	if j.file == nil {
		return nil
	}
	return j.file.Close()
}
