package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
)

// onSignals returns a context that the first signal of sigs (SIGINT,
// SIGTERM) cancels: the run stops, and every input read gets an outcome.
// A second signal ends the tool at once, through exit, for an operator who
// can't wait. stop releases the watcher.
func onSignals(parent context.Context, sigs <-chan os.Signal, stderr io.Writer, exit func(code int)) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "bulk: %v: stopping the run (a second signal ends it at once)\n", s)
			cancel(fmt.Errorf("%v: %w", s, context.Canceled))
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(stderr, "bulk: %v again: ending at once; the journal holds every line written so far\n", s)
			code := 130 // 128 + SIGINT, as a shell reports it
			if n, ok := s.(syscall.Signal); ok {
				code = 128 + int(n)
			}
			exit(code)
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		cancel(context.Canceled)
	}
}
