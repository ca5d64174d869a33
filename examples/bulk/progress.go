package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cognitoreset/cognitoreset/bulk"
)

// progressBar draws on stderr only when stderr is a terminal.
type progressBar struct {
	w     io.Writer
	total int
	on    bool
	last  time.Time
}

func newProgressBar(w io.Writer, total int) *progressBar {
	return &progressBar{w: w, total: total, on: isTerminal(w)}
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (b *progressBar) update(p bulk.Progress) {
	if !b.on || (time.Since(b.last) < 100*time.Millisecond && p.Done < b.total) {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := 0
	if b.total > 0 {
		filled = width * p.Done / b.total
	}
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Sent) / s
	}
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d  sent %d  failed %d  %.1f/s ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, b.total, p.Sent, p.Failed, rate)
}

func (b *progressBar) done() {
	if b.on {
		fmt.Fprintln(b.w)
	}
}
