package resetpw_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Inputs in flight return to 0 however a run ends: a panic in each, a
// panic in the iterator, a cancelled context, for Bulk and Plan.
func TestTelemetry_ActiveInputsReturnToZero(t *testing.T) {
	f, pool := bulkWorld(t, 8)
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	names := []string{"user0000", "user0001", "user0002", "user0003", "user0004", "user0005", "user0006", "user0007"}
	panicking := func(yield func(resetpw.Request) bool) {
		for _, n := range names[:3] {
			if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
				return
			}
		}
		panic("iterator")
	}
	cases := map[string]func(r *resetpw.Resetter, run func(context.Context, iter.Seq[resetpw.Request], bulk.Options, func(bulk.Outcome)) (bulk.Summary, error)){
		"each panics": func(r *resetpw.Resetter, run func(context.Context, iter.Seq[resetpw.Request], bulk.Options, func(bulk.Outcome)) (bulk.Summary, error)) {
			defer func() { _ = recover() }()
			_, _ = run(t.Context(), requests(pool, names...), bulk.Options{Concurrency: 4}, func(bulk.Outcome) { panic("each") })
		},
		"iterator panics": func(r *resetpw.Resetter, run func(context.Context, iter.Seq[resetpw.Request], bulk.Options, func(bulk.Outcome)) (bulk.Summary, error)) {
			defer func() { _ = recover() }()
			_, _ = run(t.Context(), panicking, bulk.Options{Concurrency: 4}, nil)
		},
		"cancelled": func(r *resetpw.Resetter, run func(context.Context, iter.Seq[resetpw.Request], bulk.Options, func(bulk.Outcome)) (bulk.Summary, error)) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			_, _ = run(ctx, requests(pool, names...), bulk.Options{Concurrency: 4}, func(bulk.Outcome) { cancel() })
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec, opts := newRecorders(t)
			r, err := resetpw.New(srv.Client(), opts...)
			require.NoError(t, err)
			for _, run := range []func(context.Context, *resetpw.Resetter, iter.Seq[bulk.Input], bulk.Options, func(bulk.Outcome)) (bulk.Summary, error){bulk.Run, bulk.Plan} {
				c(r, func(ctx context.Context, reqs iter.Seq[resetpw.Request], o bulk.Options, each func(bulk.Outcome)) (bulk.Summary, error) {
					return run(ctx, r, bulk.Requests(reqs), o, each)
				})
			}
			// After a panic in each, what is in flight ends after the run.
			assert.Eventually(t, func() bool { return rec.sum(t, "cognitoreset.bulk.active_inputs", "*") == 0 },
				5*time.Second, 10*time.Millisecond, "nothing left in flight")
			var runs []string
			for _, s := range rec.ended() {
				if s.Name() == "cognitoreset.Bulk" || s.Name() == "cognitoreset.Plan" {
					runs = append(runs, s.Name())
				}
			}
			assert.Equal(t, []string{"cognitoreset.Bulk", "cognitoreset.Plan"}, runs, "the runs' spans ended, a panic or not")
		})
	}
}
