package bulk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// checkRun checks a bulk run's outcomes against what the Fake recorded:
// one outcome per input read, indexed 0..Read−1; counts that add up; no user
// with two codes; a code for every success, and none for an input whose
// outcome says nothing was sent (ErrRunStopped, or MaybeSent false), unless
// another input of the same user (owner) may have sent it; every code
// claimed by one success or one MaybeSent outcome; every error a *Error
// with a recorded fate.
func checkRun(t *testing.T, f *resetpwtest.Fake, owner func(string) string, outs []bulk.Outcome, sum bulk.Summary, runErr error) {
	t.Helper()
	assert.Equal(t, seq(sum.Read), indexes(outs), "one outcome per input read")
	assert.Equal(t, sum.Read, sum.Done)
	assert.Equal(t, sum.Done, sum.Sent+sum.Failed+sum.Duplicates, "%+v", sum.Progress)
	codes := map[string]int{}
	for _, d := range f.Deliveries() {
		codes[d.Username]++
	}
	for u, n := range codes {
		assert.Equal(t, 1, n, "user %s got %d codes", u, n)
	}
	maySend := map[string]int{} // outcomes that sent or may have sent, by user
	for _, o := range outs {
		if !o.Duplicate && (o.Err == nil || resetpw.MaybeSent(o.Err)) {
			maySend[owner(o.Input.Request.Username)]++
		}
	}
	stopped := false
	for _, o := range outs {
		u := owner(o.Input.Request.Username)
		switch {
		case o.Duplicate:
			assert.Nil(t, o.Err)
			assert.Less(t, o.DuplicateOf, sum.Read)
			assert.Equal(t, u, owner(outs[o.DuplicateOf].Input.Request.Username), "input %d is a duplicate of another user's input", o.Index)
		case o.Err == nil:
			assert.Equal(t, 1, codes[u], "input %d (%s) succeeded: one code", o.Index, u)
			assert.Equal(t, 1, maySend[u], "input %d (%s): no other input of the user may have sent", o.Index, u)
		default:
			var e *resetpw.Error
			if assert.ErrorAs(t, o.Err, &e) {
				assert.NotEmpty(t, e.Fate, "input %d: the fate is recorded: %v", o.Index, o.Err)
			}
			if errors.Is(o.Err, resetpw.ErrRunStopped) {
				assert.False(t, resetpw.MaybeSent(o.Err))
				assert.Equal(t, resetpw.OpBulk, e.Op)
				if !strings.Contains(o.Err.Error(), "daily email cap") {
					stopped = true
				}
			}
			if !resetpw.MaybeSent(o.Err) && maySend[u] == 0 {
				assert.Zero(t, codes[u], "input %d (%s) not sent, but the user has a code: %v", o.Index, u, o.Err)
			}
		}
	}
	sends := 0
	for _, n := range maySend {
		sends += n
	}
	assert.LessOrEqual(t, len(codes), sends, "every code is claimed by an outcome that sent or may have")
	if stopped {
		assert.ErrorIs(t, runErr, resetpw.ErrRunStopped)
		var e *resetpw.Error
		if assert.ErrorAs(t, runErr, &e) {
			assert.Equal(t, resetpw.FateNotSent, e.Fate, "a run's error names no request")
		}
	}
}

func ownerOf(id string) string { return strings.TrimSuffix(strings.TrimSpace(id), "@example.com") }

// stopInputs are 30 users, then repeats of some, by username and by email.
func stopInputs() []string {
	names := userNames(30)
	for i := range 30 {
		if i%3 == 0 {
			names = append(names, fmt.Sprintf("user%04d@example.com", i))
		}
		if i%7 == 0 {
			names = append(names, fmt.Sprintf("user%04d", i))
		}
	}
	return names
}

// Every kind of stop, at several points, with one worker and eight: the
// invariants of checkRun hold, with and without StopReading.
func TestBulk_StopInvariants(t *testing.T) {
	diskFull := errors.New("journal: no space left on device")
	type setup struct {
		api   resetpw.API
		opts  bulk.Options
		ctx   context.Context
		cause error // what the run's error matches; nil: no stop
	}
	kinds := map[string]func(t *testing.T, f *resetpwtest.Fake, at int) setup{
		"breaker: access denied": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			return setup{api: &failUser{Fake: f, name: fmt.Sprintf("user%04d", at), err: accessDenied}, cause: resetpw.ErrAccessDenied}
		},
		"breaker: MaxUnavailable": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			api := &failAfter{Fake: f, after: at, n: 3, err: &types.InternalErrorException{Message: aws.String("oops")}}
			return setup{api: api, opts: bulk.Options{MaxUnavailable: 3}, cause: resetpw.ErrUnavailable}
		},
		"BeforeSend": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			n := 0
			return setup{api: f, cause: diskFull, opts: bulk.Options{BeforeSend: func(int, bulk.Input, string) error {
				// BeforeSend is called concurrently: count under no lock is
				// fine with one worker; with eight it fails at some point.
				n++
				if n > at {
					return diskFull
				}
				return nil
			}}}
		},
		"cancel mid-preflight": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			f.SetLatency("AdminGetUser", 100*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(at)*100*time.Millisecond+50*time.Millisecond)
			t.Cleanup(cancel)
			return setup{api: f, ctx: ctx, cause: context.DeadlineExceeded}
		},
		"cancel mid-send, answer lost": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			f.DelayAnswers(100 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(at)*100*time.Millisecond+50*time.Millisecond)
			t.Cleanup(cancel)
			return setup{api: f, ctx: ctx, cause: context.DeadlineExceeded}
		},
		"cancel mid-send, not processed": func(t *testing.T, f *resetpwtest.Fake, at int) setup {
			f.SetLatency("AdminResetUserPassword", 100*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(at)*100*time.Millisecond+50*time.Millisecond)
			t.Cleanup(cancel)
			return setup{api: f, ctx: ctx, cause: context.DeadlineExceeded}
		},
	}
	for name, mk := range kinds {
		for _, at := range []int{0, 4, 17} {
			for _, c := range []int{1, 8} {
				for _, stopReading := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/at=%d/c=%d/stopReading=%v", name, at, c, stopReading), func(t *testing.T) {
						synctest.Test(t, func(t *testing.T) {
							f, pool := bulkWorld(t, 30)
							s := mk(t, f, at)
							if name == "BeforeSend" && c > 1 {
								var mu chan struct{} = make(chan struct{}, 1)
								inner := s.opts.BeforeSend
								s.opts.BeforeSend = func(i int, r bulk.Input, u string) error {
									mu <- struct{}{}
									defer func() { <-mu }()
									return inner(i, r, u)
								}
							}
							if s.ctx == nil {
								s.ctx = context.Background()
							}
							r, err := resetpw.New(s.api, resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
							require.NoError(t, err)
							s.opts.Concurrency, s.opts.StopReading = c, stopReading
							s.opts.Rates = map[quota.Category]float64{quota.CategoryUserAccountRecovery: 30}
							outs, sum, runErr := collect(t, r, s.ctx, requests(pool, stopInputs()...), s.opts)
							checkRun(t, f, ownerOf, outs, sum, runErr)
							if runErr == nil && s.ctx != context.Background() {
								return // the run ended before its deadline
							}
							require.ErrorIs(t, runErr, resetpw.ErrRunStopped)
							require.ErrorIs(t, runErr, s.cause)
							if !stopReading {
								assert.Equal(t, len(stopInputs()), sum.Read)
								assert.True(t, sum.ReadAll)
							}
						})
					})
				}
			}
		}
	}
}

// failAfter is the Fake, but the n resets after the first `after` fail
// with err, unprocessed.
type failAfter struct {
	*resetpwtest.Fake
	after, n int
	err      error

	mu    sync.Mutex
	calls int
}

func (f *failAfter) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, o ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	f.mu.Lock()
	f.calls++
	fail := f.calls > f.after && f.calls <= f.after+f.n
	f.mu.Unlock()
	if fail {
		return nil, f.err
	}
	return f.Fake.AdminResetUserPassword(ctx, in, o...)
}

// A run's stop ends the wait of the resets queued at its limiter: none of
// them is sent after the breaker tripped, and each is ErrRunStopped. Before,
// with a reset rate of 1 and eight workers, seven more resets went out over the
// seven seconds after the stop.
func TestBulk_StopEndsTheWaitAtTheLimiter(t *testing.T) {
	for _, plan := range []bool{false, true} {
		t.Run(fmt.Sprintf("plan=%v", plan), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, pool := bulkWorld(t, 20)
				// Every reset is refused, half a second after it is sent:
				// meanwhile the other workers pass their preflight and
				// wait their turn at the limiter.
				f.SetLatency("AdminResetUserPassword", 500*time.Millisecond)
				f.FailNext("AdminResetUserPassword", 100, accessDenied)
				r, err := resetpw.New(f)
				require.NoError(t, err)
				opts := bulk.Options{Concurrency: 8, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 1}}
				if plan {
					// A plan stops on a read, user0000's AdminGetUser, while
					// the others wait their turn to read.
					opts.Rates[quota.CategoryUserRead] = 1
					f.FailNext("AdminGetUser", 1, accessDenied)
				}
				start := time.Now()
				outs, sum, runErr := collect(t, r, context.Background(), requests(pool, userNames(20)...), opts, plan)
				require.ErrorIs(t, runErr, resetpw.ErrAccessDenied)
				checkRun(t, f, ownerOf, outs, sum, runErr)
				assert.Less(t, time.Since(start), time.Second, "nothing waited out its turn")
				if plan {
					assert.Equal(t, 1, f.Calls("AdminGetUser"), "no read after the stop")
				} else {
					assert.Equal(t, 1, f.Calls("AdminResetUserPassword"), "no reset after the stop")
					assert.Empty(t, f.Deliveries())
				}
				assert.Equal(t, 19, sum.ByKind[resetpw.ErrRunStopped], "%v", sum.ByKind)
			})
		})
	}
}

// A run with a deadline: the inputs whose turn at the limiter would come
// after it are the run's stop (ErrRunStopped, wrapping
// context.DeadlineExceeded), not failures: before, the pacer failed them at
// once as unavailable ("rate: Wait(n=1) would exceed context deadline"), each
// logged as a failed reset, and five in a row tripped the breaker, whose
// cause the run then returned instead of the deadline.
func TestBulk_DeadlineIsTheStopNotAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 40)
		var logs bytes.Buffer
		r, err := resetpw.New(f, resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 2600*time.Millisecond) // between two turns
		defer cancel()
		outs, sum, runErr := collect(t, r, ctx, requests(pool, userNames(40)...), bulk.Options{Concurrency: 8, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 4}})
		checkRun(t, f, ownerOf, outs, sum, runErr)
		require.ErrorIs(t, runErr, resetpw.ErrRunStopped)
		require.ErrorIs(t, runErr, context.DeadlineExceeded, "the cause is the deadline, not the breaker")
		assert.Equal(t, sum.Done, sum.Sent+sum.ByKind[resetpw.ErrRunStopped], "%v", sum.ByKind)
		assert.Equal(t, 40, sum.Done)
		assert.NotContains(t, logs.String(), "password reset failed")
	})
}

// One user named three ways in a run (username, sub, an email the pool
// signs in with) gets one code whatever the preflight reads: with
// PreflightPool, nothing read the user, so the three names never met, and
// the user got three codes. PreflightOff reads nothing, and tells inputs
// apart only as typed (documented).
func TestBulk_OneUserNamedThreeWaysOneCode(t *testing.T) {
	for _, pf := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
		t.Run(string(pf), func(t *testing.T) {
			f := resetpwtest.NewFake()
			pool := f.AddPool(types.UserPoolType{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}, EmailConfiguration: sesPool.EmailConfiguration})
			sub, err := f.AddUser(pool, resetpwtest.User("alice", "email", "alice@example.com", "email_verified", "true"))
			require.NoError(t, err)
			_, err = f.AddUser(pool, resetpwtest.User("bob", "email", "bob@example.com", "email_verified", "true"))
			require.NoError(t, err)
			r, err := resetpw.New(f, resetpw.WithPreflight(pf))
			require.NoError(t, err)
			for _, plan := range []bool{false, true} {
				outs, sum, err := collect(t, r, context.Background(), requests(pool, "alice", sub, "alice@example.com", "bob"), bulk.Options{Concurrency: 4}, plan)
				require.NoError(t, err)
				assert.Equal(t, 2, sum.Sent, "plan=%v", plan)
				assert.Equal(t, 2, sum.Duplicates, "plan=%v", plan)
				checkRun(t, f, func(id string) string {
					if id == sub || id == "alice@example.com" {
						return "alice"
					}
					return id
				}, outs, sum, err)
			}
			assert.Len(t, f.Deliveries(), 2)
		})
	}
}

// A run that stopped at its last input, with StopReading, read all its
// inputs: ReadAll says so (Summary: "false unless all were read already").
func TestBulk_StopAtTheLastInputReadAll(t *testing.T) {
	for _, c := range []int{1, 8} {
		synctest.Test(t, func(t *testing.T) {
			f, pool := bulkWorld(t, 6)
			r, err := resetpw.New(&failUser{Fake: f, name: "user0005", err: accessDenied})
			require.NoError(t, err)
			outs, sum, runErr := collect(t, r, context.Background(), requests(pool, userNames(6)...), bulk.Options{Concurrency: c, StopReading: true})
			require.ErrorIs(t, runErr, resetpw.ErrAccessDenied)
			checkRun(t, f, ownerOf, outs, sum, runErr)
			assert.Equal(t, 6, sum.Read)
			assert.True(t, sum.ReadAll, "c=%d: the iterator had ended", c)
		})
	}
}

// An iterator that yields again after yield returned false is refused
// again, with no outcome: before, the range loop in Bulk's reading
// goroutine panicked ("range function continued iteration after function
// for loop body returned false") and crashed the program.
func TestBulk_IteratorYieldsAfterFalse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 10)
		r, err := resetpw.New(&failUser{Fake: f, name: "user0002", err: accessDenied})
		require.NoError(t, err)
		refused := 0
		rude := func(yield func(resetpw.Request) bool) {
			for _, n := range userNames(10) {
				if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
					refused++
				}
			}
		}
		outs, sum, runErr := collect(t, r, context.Background(), rude, bulk.Options{Concurrency: 1, StopReading: true})
		require.ErrorIs(t, runErr, resetpw.ErrAccessDenied)
		checkRun(t, f, ownerOf, outs, sum, runErr)
		assert.False(t, sum.ReadAll)
		synctest.Wait() // the reading goroutine, which Bulk does not wait for
		assert.Equal(t, 10-sum.Read, refused, "every yield after the stop refused")
	})
}

// An iterator that panics: the inputs it gave have their outcomes, and Bulk
// panics with its value in the caller's goroutine, where it can be
// recovered (as from a range loop). Before, it panicked in Bulk's reading
// goroutine and crashed the program.
func TestBulk_IteratorPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 10)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		boom := errors.New("boom")
		bad := func(yield func(resetpw.Request) bool) {
			for _, n := range userNames(4) {
				if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
					return
				}
			}
			panic(boom)
		}
		var outs []bulk.Outcome
		var recovered any
		func() {
			defer func() { recovered = recover() }()
			_, _ = bulk.Run(context.Background(), r, bulk.Requests(bad), bulk.Options{Concurrency: 2}, func(o bulk.Outcome) { outs = append(outs, o) })
		}()
		require.NotNil(t, recovered)
		err, ok := recovered.(error)
		require.True(t, ok, "%T", recovered)
		assert.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), "TestBulk_IteratorPanics", "the iterator's stack")
		assert.Equal(t, seq(4), indexes(outs))
		assert.Len(t, f.Deliveries(), 4)
	})
}

// The daily email cap reached mid-run, with and without a BeforeSend stop
// after it: the invariants hold, the inputs past the cap are ErrRunStopped
// (the run goes on), and the counter counts exactly the codes the Fake
// sent: every email taken for an input that sent nothing was given back.
// No outcome error and no log line names a user or an email unmasked.
func TestBulk_EmailCapMidRun(t *testing.T) {
	for _, c := range []int{1, 8} {
		for _, stopAt := range []int{-1, 7} {
			t.Run(fmt.Sprintf("c=%d/stopAt=%d", c, stopAt), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					f := resetpwtest.NewFake()
					pool := f.AddPool(types.UserPoolType{}) // COGNITO_DEFAULT
					for i := range 30 {
						_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprintf("user%04d", i), "email", fmt.Sprintf("user%04d@example.com", i), "email_verified", "true"))
						require.NoError(t, err)
					}
					counter := quota.NewLocalEmailCounter()
					var logs bytes.Buffer
					r, err := resetpw.New(f, resetpw.WithEmailCap(10, counter), resetpw.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
					require.NoError(t, err)
					diskFull := errors.New("journal: no space left on device")
					var mu sync.Mutex
					calls := 0
					opts := bulk.Options{Concurrency: c, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 30}, BeforeSend: func(int, bulk.Input, string) error {
						mu.Lock()
						defer mu.Unlock()
						calls++
						if stopAt >= 0 && calls > stopAt {
							return diskFull
						}
						return nil
					}}
					outs, sum, runErr := collect(t, r, context.Background(), requests(pool, stopInputs()...), opts)
					checkRun(t, f, ownerOf, outs, sum, runErr)
					n, err := counter.EmailsSent(context.Background(), resetpwtest.DefaultAccount, "us-west-2", time.Now())
					require.NoError(t, err)
					assert.Equal(t, len(f.Deliveries()), n, "the counter counts the codes sent, no more")
					if stopAt < 0 {
						require.NoError(t, runErr)
						assert.Len(t, f.Deliveries(), 10)
						assert.Equal(t, 20, sum.OverEmailCap, "the 20 distinct users past the cap")
					} else {
						require.ErrorIs(t, runErr, diskFull)
						if c == 1 {
							assert.Len(t, f.Deliveries(), stopAt)
						} else {
							// Those that passed BeforeSend and still waited
							// their turn when the run stopped sent nothing.
							assert.LessOrEqual(t, len(f.Deliveries()), stopAt)
						}
					}
					for _, o := range outs {
						if o.Err != nil {
							assert.NotContains(t, o.Err.Error(), "user00", "input %d", o.Index)
							assert.NotContains(t, o.Err.Error(), "@example.com", "input %d", o.Index)
						}
					}
					assert.NotContains(t, logs.String(), "user00")
					assert.NotContains(t, logs.String(), "@example.com")
				})
			})
		}
	}
}

// The same invariants through the real SDK client and the Server: a
// deadline mid-send (answers held back, so resets are processed while the
// client gives up: MaybeSent), and the breaker.
func TestBulk_StopInvariantsOverHTTP(t *testing.T) {
	for _, how := range []string{"deadline mid-send", "breaker"} {
		for _, c := range []int{1, 8} {
			t.Run(fmt.Sprintf("%s/c=%d", how, c), func(t *testing.T) {
				f, pool := bulkWorld(t, 30)
				srv := resetpwtest.NewServer(f)
				defer srv.Close()
				ctx := context.Background()
				var cause error = context.DeadlineExceeded
				if how == "breaker" {
					f.FailNext("AdminResetUserPassword", 4, &types.InternalErrorException{Message: aws.String("oops")})
					cause = resetpw.ErrUnavailable
				} else {
					f.DelayAnswers(60 * time.Millisecond)
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, 500*time.Millisecond)
					defer cancel()
				}
				r, err := resetpw.New(srv.Client(), resetpw.WithRetries(3, time.Millisecond, time.Millisecond))
				require.NoError(t, err)
				outs, sum, runErr := collect(t, r, ctx, requests(pool, stopInputs()...), bulk.Options{Concurrency: c, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 30}, MaxUnavailable: 4})
				checkRun(t, f, ownerOf, outs, sum, runErr)
				require.ErrorIs(t, runErr, resetpw.ErrRunStopped)
				require.ErrorIs(t, runErr, cause)
				assert.True(t, sum.ReadAll)
			})
		}
	}
}

// An each that panics (recovered by the caller, as net/http recovers a
// handler's) stops the run: the workers and the reader end, nothing more
// is sent, and no goroutine is left blocked. Before, the workers and the
// reader stayed blocked forever on the outcome channel.
func TestBulk_EachPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, pool := bulkWorld(t, 40)
		r, err := resetpw.New(f)
		require.NoError(t, err)
		n := 0
		func() {
			defer func() { assert.Equal(t, "each", recover()) }()
			_, _ = bulk.Run(context.Background(), r, bulk.Requests(requests(pool, userNames(40)...)), bulk.Options{Concurrency: 4}, func(bulk.Outcome) {
				if n++; n == 3 {
					panic("each")
				}
			})
		}()
		synctest.Wait() // fails the test if a goroutine of the run stays blocked
		assert.Less(t, len(f.Deliveries()), 3+4+1, "nothing sent after the panic but what was in flight")
	})
}
