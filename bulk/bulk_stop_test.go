package bulk_test

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// failUser is the Fake, but a reset of one user fails with err, and the
// users each call names are recorded.
type failUser struct {
	*resetpwtest.Fake
	name string
	err  error

	mu     sync.Mutex
	called map[string]int
	resets int // AdminResetUserPassword calls
	failed int // resets when the failure was answered; -1 before
}

func (f *failUser) record(name *string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.called == nil {
		f.called = map[string]int{}
	}
	f.called[aws.ToString(name)]++
}

func (f *failUser) calls(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.called[name]
}

func (f *failUser) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	f.record(in.Username)
	f.mu.Lock()
	f.resets++
	fail := aws.ToString(in.Username) == f.name
	if fail {
		f.failed = f.resets
	}
	f.mu.Unlock()
	if fail {
		return nil, f.err
	}
	return f.Fake.AdminResetUserPassword(ctx, in, o...)
}

func (f *failUser) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	f.record(in.Username)
	return f.Fake.AdminGetUser(ctx, in, o...)
}

var accessDenied = &types.NotAuthorizedException{Message: aws.String("User: arn:aws:iam::000000000000:user/x is not authorized to perform: cognito-idp:AdminResetUserPassword")}

// 100 inputs and a stop at the 6th: 100 outcomes, those after the stop
// ErrRunStopped naming the cause, with no Cognito call for them.
func TestBulk_EveryInputHasAnOutcomeAfterAStop(t *testing.T) {
	diskFull := errors.New("journal.jsonl: no space left on device")
	for _, tt := range []struct {
		name        string
		concurrency int
		stopAt      string // the input whose reset stops the run
		how         string // breaker, beforeSend, cancel
		cause       error
		stopReading bool
	}{
		{"breaker, one worker", 1, "user0005", "breaker", resetpw.ErrAccessDenied, false},
		{"breaker, eight workers", 8, "user0005", "breaker", resetpw.ErrAccessDenied, false},
		{"BeforeSend failed", 4, "user0005", "beforeSend", diskFull, false},
		{"context cancelled", 4, "user0005", "cancel", context.Canceled, false},
		{"breaker, StopReading", 4, "user0005", "breaker", resetpw.ErrAccessDenied, true},
		{"context cancelled, StopReading", 4, "user0005", "cancel", context.Canceled, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := bulkWorld(t, 100)
				api := &failUser{Fake: f}
				if tt.how == "breaker" {
					api.name, api.err = tt.stopAt, accessDenied
				}
				r, err := resetpw.New(api)
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				opts := bulk.Options{Concurrency: tt.concurrency, StopReading: tt.stopReading, BeforeSend: func(_ int, _ bulk.Input, name string) error {
					switch {
					case name != tt.stopAt:
					case tt.how == "beforeSend":
						return diskFull
					case tt.how == "cancel":
						cancel()
					}
					return nil
				}}
				outs, sum, err := collect(t, r, ctx, requests(pool, userNames(100)...), opts)
				require.ErrorIs(t, err, resetpw.ErrRunStopped)
				require.ErrorIs(t, err, tt.cause)

				stopped, calledAfterStop := 0, 0
				for _, o := range outs {
					if !errors.Is(o.Err, resetpw.ErrRunStopped) {
						continue
					}
					stopped++
					assert.ErrorIs(t, o.Err, tt.cause, "input %d names the cause", o.Index)
					assert.False(t, resetpw.MaybeSent(o.Err))
					var e *resetpw.Error
					require.ErrorAs(t, o.Err, &e)
					assert.Equal(t, resetpw.OpBulk, e.Op)
					if o.Input.Request.Username != tt.stopAt && api.calls(o.Input.Request.Username) > 0 {
						calledAfterStop++ // in flight when the run stopped
					}
				}
				assert.LessOrEqual(t, calledAfterStop, tt.concurrency-1, "no Cognito call for an input after the stop but those in flight")
				if tt.how == "breaker" {
					assert.LessOrEqual(t, api.resets-api.failed, tt.concurrency-1, "no reset after the failure that tripped the breaker but those in flight")
				}
				if tt.concurrency == 1 {
					assert.Equal(t, 6, f.Calls("AdminGetUser"), "exactly the six users before the stop were read")
					assert.Equal(t, 5, len(f.Deliveries()))
					assert.LessOrEqual(t, api.resets, 6)
				}
				if tt.stopReading {
					assert.Less(t, sum.Read, 100, "reading stopped")
					assert.False(t, sum.ReadAll)
					assert.Equal(t, seq(sum.Read), indexes(outs), "an outcome for every input read, and only those")
					assert.Equal(t, sum.Read, sum.Done)
					return
				}
				assert.Equal(t, seq(100), indexes(outs), "one outcome per input")
				assert.Equal(t, 100, sum.Read)
				assert.Equal(t, 100, sum.Done)
				assert.True(t, sum.ReadAll)
				assert.Equal(t, 100, len(f.Deliveries())+stopped+sum.ByKind[resetpw.ErrAccessDenied]+sum.ByKind[resetpw.ErrUnavailable], "%v", sum.ByKind)
				if tt.concurrency == 1 {
					assert.Equal(t, 94, stopped+sum.ByKind[resetpw.ErrUnavailable])
				}
			})
		})
	}
}

// After a stop, a repeat of an identifier the run took is still a
// duplicate; anything else read then is not sent, and takes nothing.
func TestBulk_DuplicatesAfterAStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 10)
		r, err := resetpw.New(&failUser{Fake: f, name: "user0005", err: accessDenied})
		require.NoError(t, err)
		names := append(userNames(10), "user0002", "user0005", "user0008", "user0008")
		outs, _, err := collect(t, r, context.Background(), requests(pool, names...), bulk.Options{Concurrency: 1})
		require.ErrorIs(t, err, resetpw.ErrAccessDenied)
		require.Len(t, outs, len(names))
		for i, want := range []string{"sent", "sent", "sent", "sent", "sent", "access_denied", "stopped", "stopped", "stopped", "stopped",
			"dup 2", "dup 5", "stopped", "stopped"} {
			o := outs[i]
			got := "sent"
			switch {
			case o.Duplicate:
				got = "dup " + string(rune('0'+o.DuplicateOf))
			case errors.Is(o.Err, resetpw.ErrRunStopped):
				got = "stopped"
			case o.Err != nil:
				got = resetpw.KindOf(o.Err).Code()
			}
			assert.Equal(t, want, got, "input %d (%s)", i, names[i])
		}
	})
}

// pipe is an iterator fed from a channel, like lines from a pipe: it
// blocks until the writer sends or closes. refused records an input that
// yield refused.
type pipe struct {
	lines   chan string
	mu      sync.Mutex
	refused []string
	ended   bool
}

func (p *pipe) seq(pool string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		defer func() { p.mu.Lock(); p.ended = true; p.mu.Unlock() }()
		for l := range p.lines {
			if !yield(resetpw.Request{UserPoolID: pool, Username: l}) {
				p.mu.Lock()
				p.refused = append(p.refused, l)
				p.mu.Unlock()
				return
			}
		}
	}
}

// A context that ends while the iterator blocks (a pipe whose writer is
// still open) can't hold Bulk: it returns a second after the last outcome,
// or at once with StopReading, and the input the pipe yields next is
// refused. While ctx lives, a stopped run waits for the pipe.
func TestBulk_BlockingIterator(t *testing.T) {
	for _, tt := range []struct {
		name        string
		stopReading bool
		wait        time.Duration
	}{
		{"reads on, then gives up", false, time.Second},
		{"StopReading", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := bulkWorld(t, 10)
				r, err := resetpw.New(f)
				require.NoError(t, err)
				ctx, cancel := context.WithCancel(context.Background())
				p := &pipe{lines: make(chan string)}
				var outs []bulk.Outcome
				var sum bulk.Summary
				var runErr error
				returned := make(chan struct{})
				go func() {
					defer close(returned)
					sum, runErr = bulk.Run(ctx, r, bulk.Requests(p.seq(pool)), bulk.Options{Concurrency: 2, StopReading: tt.stopReading, Limiter: freeLimiter{}},
						func(o bulk.Outcome) { outs = append(outs, o) })
				}()
				for _, n := range userNames(3) {
					p.lines <- n
				}
				synctest.Wait() // the three are sent; the reader waits on the pipe
				assert.Len(t, f.Deliveries(), 3)
				cancel()
				start := time.Now()
				<-returned
				assert.Equal(t, tt.wait, time.Since(start), "Bulk returned")
				require.ErrorIs(t, runErr, context.Canceled)
				assert.Equal(t, 3, sum.Read)
				assert.Equal(t, 3, sum.Done)
				assert.False(t, sum.ReadAll, "the pipe was not read to its end")
				assert.Equal(t, seq(3), indexes(outs))

				p.lines <- "user0003" // the blocked reader takes it, and Bulk refuses it
				close(p.lines)
				synctest.Wait()
				p.mu.Lock()
				assert.Equal(t, []string{"user0003"}, p.refused)
				assert.True(t, p.ended, "the reader is gone")
				p.mu.Unlock()
				assert.Len(t, outs, 3, "no outcome after Bulk returned")
				assert.Len(t, f.Deliveries(), 3)
			})
		})
	}

	t.Run("a stopped run with a live context waits for the pipe", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f, pool := bulkWorld(t, 10)
			r, err := resetpw.New(&failUser{Fake: f, name: "user0001", err: accessDenied})
			require.NoError(t, err)
			p := &pipe{lines: make(chan string)}
			var sum bulk.Summary
			var runErr error
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				sum, runErr = bulk.Run(context.Background(), r, bulk.Requests(p.seq(pool)), bulk.Options{Concurrency: 1}, nil)
			}()
			p.lines <- "user0000"
			p.lines <- "user0001" // trips the breaker
			synctest.Wait()
			time.Sleep(time.Hour) // the fake clock: Bulk still waits
			select {
			case <-returned:
				t.Fatal("Bulk returned before the pipe ended")
			default:
			}
			p.lines <- "user0002"
			close(p.lines)
			<-returned
			require.ErrorIs(t, runErr, resetpw.ErrAccessDenied)
			assert.Equal(t, 3, sum.Read)
			assert.True(t, sum.ReadAll)
			assert.Equal(t, 1, sum.ByKind[resetpw.ErrRunStopped])
			assert.Len(t, f.Deliveries(), 1)
		})
	})
}

// A run whose context ends logs no failure for the inputs it never sent:
// those waiting their turn at the limiter get ErrRunStopped outcomes, not
// "password reset failed" lines.
func TestBulk_CancelledInputsAreNotLoggedAsFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 20)
		var logs bytes.Buffer
		r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		outs, sum, err := collect(t, r, ctx, requests(pool, userNames(20)...), bulk.Options{Concurrency: 4, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 1},
			Progress: func(p bulk.Progress) {
				if p.Sent == 2 {
					cancel() // three workers wait at the limiter, a second apart
				}
			}})
		require.ErrorIs(t, err, context.Canceled)
		require.Len(t, outs, 20)
		assert.Equal(t, 2, sum.Sent)
		assert.Equal(t, 18, sum.ByKind[resetpw.ErrRunStopped], "%v", sum.ByKind)
		assert.NotContains(t, logs.String(), "password reset failed")
		assert.Equal(t, 2, strings.Count(logs.String(), "password reset sent"))
	})
}
