package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// maxRecord bounds a line of the input, or a record of a CSV input: a
// reader holds one whole, and a hostile 50 MB field would be.
const maxRecord = 1 << 20

// interrupted is the error of a run stopped while reading its input.
type interrupted struct{ cause error }

func (e *interrupted) Error() string {
	return fmt.Sprintf("stopped while reading the input: %v", e.cause)
}

func (e *interrupted) Unwrap() []error { return []error{resetpw.ErrRunStopped, e.cause} }

// readNames reads the input: one name a line, or a CSV column. A signal
// (ctx) while it waits for input stops it: it returns what it read so far
// and an *interrupted error.
func readNames(ctx context.Context, o options, stdin io.Reader) ([]string, error) {
	var mu sync.Mutex
	var names []string
	done := make(chan error, 1)
	go func() {
		done <- scanNames(o, stdin, func(n string) {
			mu.Lock()
			names = append(names, n)
			mu.Unlock()
		})
	}()
	select {
	case err := <-done:
		return names, err
	case <-ctx.Done():
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names), &interrupted{context.Cause(ctx)}
	}
}

// scanNames reads the input, passing each name to add. Opening the input is
// part of it: opening a FIFO waits for its writer. A UTF-8 byte-order mark
// (as spreadsheets write) is skipped. Its errors hold no byte of the input
// unmasked.
func scanNames(o options, stdin io.Reader, add func(string)) error {
	in, inName := stdin, "stdin"
	if o.input != "-" {
		f, err := os.Open(o.input)
		if err != nil {
			return err
		}
		defer f.Close()
		in, inName = f, o.input
	}
	br := bufio.NewReader(in)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	if o.csvColumn == "" {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 64<<10), maxRecord)
		line := 0
		for sc.Scan() {
			line++
			if n := strings.TrimSpace(sc.Text()); n != "" && !strings.HasPrefix(n, "#") {
				add(n)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("%s:%d: %w", inName, line+1, err)
		}
		return nil
	}
	return scanCSV(br, inName, o.csvColumn, add)
}

// errRecordTooLong is the error of a CSV record longer than maxRecord.
var errRecordTooLong = fmt.Errorf("a record longer than %d bytes", maxRecord)

// capped reads from r, failing with errRecordTooLong once more than
// maxRecord bytes were read since the last reset (which the CSV reader's
// read-ahead exceeds by at most its buffer, 4 KiB).
type capped struct {
	r io.Reader
	n int
}

func (c *capped) Read(p []byte) (int, error) {
	if c.n >= maxRecord {
		return 0, errRecordTooLong
	}
	if len(p) > maxRecord-c.n {
		p = p[:maxRecord-c.n]
	}
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// scanCSV reads the column named column of the CSV in, which has a header
// row, passing each name to add.
func scanCSV(in io.Reader, inName, column string, add func(string)) error {
	c := &capped{r: in}
	cr := csv.NewReader(c)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("reading the CSV header of %s: %w", inName, csvError(err))
	}
	col := slices.Index(header, column)
	if col < 0 {
		return noColumn(header, column)
	}
	for record := 2; ; record++ {
		c.n = 0
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: CSV record %d: %w", inName, record, csvError(err))
		}
		if n := strings.TrimSpace(rec[col]); n != "" {
			add(n)
		}
	}
}

// csvError is err of the CSV reader, without the 4 KiB it read ahead of a
// record too long.
func csvError(err error) error {
	if errors.Is(err, errRecordTooLong) {
		return errRecordTooLong
	}
	return err
}

// noColumn is the error of a CSV without column: it names the columns it
// has, masked (a file without a header row has a user in its first row),
// and says what looks wrong.
func noColumn(header []string, column string) error {
	masked := make([]string, len(header))
	looksLikeData := false
	for i, h := range header {
		masked[i] = alias.Mask(h)
		if alias.Classify(strings.TrimSpace(h)) != alias.Username {
			looksLikeData = true
		}
	}
	hint := ""
	switch {
	case len(header) == 1 && strings.ContainsAny(header[0], ";\t"):
		hint = "; the file looks separated by semicolons or tabs: bulk reads commas"
	case looksLikeData:
		hint = "; the first row looks like data: add a header row"
	}
	return fmt.Errorf("CSV has no column %q (its %d columns, masked: %s%s)", column, len(header), strings.Join(masked, ", "), hint)
}
