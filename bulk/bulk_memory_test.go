package bulk_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
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

// The memory of a bulk run, per input: what a run keeps for each input it
// has read (to find repeats), measured as the live heap's peak while it
// runs, less the heap before it. The figures are in BENCHMARKS.md.

// heapMeter measures the live heap two ways, after a GC at its start: at
// the marks a run sets (Mark: a forced GC, then runtime/metrics
// "/gc/heap/live:bytes"), exact; and sampled every millisecond from a
// goroutine of its own, for the record: the live heap as the latest GC
// marked it, which counts what was allocated while it marked, and the
// heap's objects, live or not yet collected
// ("/memory/classes/heap/objects:bytes").
type heapMeter struct {
	base    uint64        // live heap after the GC at the start
	marked  atomic.Uint64 // the peak at the marks
	peak    atomic.Uint64 // the sampled peak of the live heap
	objects atomic.Uint64 // the sampled peak of the heap's objects
	stop    chan struct{}
	done    sync.WaitGroup
}

var heapSamples = []string{"/gc/heap/live:bytes", "/memory/classes/heap/objects:bytes"}

func startHeapMeter() *heapMeter {
	runtime.GC()
	m := &heapMeter{stop: make(chan struct{})}
	s := sample()
	m.base = s[0].Value.Uint64()
	m.done.Go(func() {
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			s := sample()
			maxTo(&m.peak, s[0].Value.Uint64())
			maxTo(&m.objects, s[1].Value.Uint64())
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	})
	return m
}

func sample() []metrics.Sample {
	s := make([]metrics.Sample, len(heapSamples))
	for i, n := range heapSamples {
		s[i].Name = n
	}
	metrics.Read(s)
	return s
}

func maxTo(a *atomic.Uint64, v uint64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}

// Mark forces a GC and records the live heap: called at points of a run
// (its last outcome among them, while everything the run keeps is still
// reachable).
func (m *heapMeter) Mark() {
	runtime.GC()
	maxTo(&m.marked, sample()[0].Value.Uint64())
}

// markEvery returns an outcome callback that marks every n/16 outcomes
// and at the n-th.
func (m *heapMeter) markEvery(n int) func(bulk.Outcome) {
	done := 0
	return func(bulk.Outcome) {
		if done++; done == n || done%max(n/16, 1) == 0 {
			m.Mark()
		}
	}
}

// Stop ends the sampling.
func (m *heapMeter) Stop() {
	close(m.stop)
	m.done.Wait()
}

// Growth is the live heap's peak at the marks above the start.
func (m *heapMeter) Growth() float64 {
	return float64(int64(m.marked.Load()) - int64(m.base))
}

func (m *heapMeter) String() string {
	mib := func(v uint64) string { return fmt.Sprintf("%.1f MiB", float64(v)/(1<<20)) }
	return fmt.Sprintf("base %s, live peak at the marks %s; sampled: live %s, objects (garbage included) %s",
		mib(m.base), mib(m.marked.Load()), mib(m.peak.Load()), mib(m.objects.Load()))
}

// echoAPI answers every call at once and keeps nothing, for a pool that
// signs in with usernames only: AdminGetUser of a username returns a
// confirmed user of that name whose verified email is the name at
// example.com (an email-shaped name is no user's username), ListUsers
// finds that user by that email, and AdminResetUserPassword succeeds. A
// scale run then measures the run's own memory, not a fake's (the Fake
// records every delivery).
type echoAPI struct{ resets atomic.Int64 }

func (a *echoAPI) AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	a.resets.Add(1)
	return &cip.AdminResetUserPasswordOutput{}, nil
}

func (*echoAPI) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	name := aws.ToString(in.Username)
	if strings.Contains(name, "@") {
		return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
	}
	u := echoUser(name)
	return &cip.AdminGetUserOutput{Username: u.Username, Enabled: u.Enabled, UserStatus: u.UserStatus, UserAttributes: u.Attributes}, nil
}

func echoUser(name string) types.UserType {
	return types.UserType{Username: aws.String(name), Enabled: true, UserStatus: types.UserStatusTypeConfirmed,
		Attributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}
}

func (*echoAPI) DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	return &cip.DescribeUserPoolOutput{UserPool: &types.UserPoolType{
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}}}, nil
}

func (*echoAPI) ListUsers(_ context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	f := aws.ToString(in.Filter)
	if v, ok := strings.CutPrefix(f, `email = "`); ok {
		if local, ok := strings.CutSuffix(strings.TrimSuffix(v, `"`), "@example.com"); ok {
			return &cip.ListUsersOutput{Users: []types.UserType{echoUser(local)}}, nil
		}
	}
	return &cip.ListUsersOutput{}, nil
}

func (*echoAPI) AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return &cip.AdminUserGlobalSignOutOutput{}, nil
}

// freeLimiter lets every call go at once.
type freeLimiter struct{}

func (freeLimiter) Wait(ctx context.Context, _ quota.Category) error { return ctx.Err() }

// distinctUsers yields n requests for n distinct users, by username or by
// email (suffix "@example.com"), made as they are read: the caller holds no
// list.
func distinctUsers(pool string, n int, suffix string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		buf := make([]byte, 0, 32)
		for i := range n {
			buf = append(strconv.AppendInt(append(buf[:0], "user"...), int64(10_000_000+i), 10), suffix...)
			if !yield(resetpw.Request{UserPoolID: pool, Username: string(buf)}) {
				return
			}
		}
	}
}

// bulkHeap runs Bulk over n distinct users, named by suffix, and returns
// its heap meter.
func bulkHeap(t testing.TB, n int, p resetpw.Preflight, suffix string) *heapMeter {
	api := &echoAPI{}
	r, err := resetpw.New(api, resetpw.WithPreflight(p))
	require.NoError(t, err)
	m := startHeapMeter()
	sum, err := bulk.Run(context.Background(), r, bulk.Requests(distinctUsers("us-west-2_aaaaaaaaa", n, suffix)), bulk.Options{Limiter: freeLimiter{}}, m.markEvery(n))
	m.Stop()
	require.NoError(t, err)
	require.Equal(t, n, sum.Sent, "%v", sum.ByKind)
	require.Equal(t, int64(n), api.resets.Load())
	return m
}

// maxBulkBytesPerInput is what a bulk run may keep per distinct input.
const maxBulkBytesPerInput = 100

func TestBulk_MemoryPerInput(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100,000-input run")
	}
	n := 100_000
	switch {
	case os.Getenv("RESETPW_SCALE") != "":
		n = 1_000_000
	case raceEnabled:
		n = 40_000 // big enough that a run's fixed heap (under 1 MiB) stays under 40 bytes an input
	}
	for _, tt := range []struct {
		p      resetpw.Preflight
		suffix string
	}{
		{resetpw.PreflightOff, ""},
		{resetpw.PreflightFull, ""},
		{resetpw.PreflightFull, "@example.com"}, // an email resolved to a username: two names a user
	} {
		t.Run(fmt.Sprintf("preflight=%v/%s", tt.p, map[string]string{"": "usernames", "@example.com": "emails"}[tt.suffix]), func(t *testing.T) {
			if raceEnabled && tt.suffix == "" {
				t.Skip("under the race detector, only the case with the most per input")
			}
			m := bulkHeap(t, n, tt.p, tt.suffix)
			t.Logf("%d inputs: %.1f bytes/input at the marks, %.1f sampled (%s)", n, m.Growth()/float64(n),
				float64(int64(m.peak.Load())-int64(m.base))/float64(n), m)
			assert.LessOrEqual(t, m.Growth()/float64(n), float64(maxBulkBytesPerInput), "heap kept per input")
		})
	}
}

// planPoolHeap runs PlanPool over a pool of n users on the Fake and returns
// its heap meter; the Fake's users are in the heap before it starts.
func planPoolHeap(t testing.TB, n int) *heapMeter {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOff,
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for i := range n {
		name := fmt.Sprintf("user%07d", i)
		_, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	r, err := resetpw.New(f, resetpw.WithEmailCap(-1, nil))
	require.NoError(t, err)
	m := startHeapMeter()
	sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{Limiter: freeLimiter{}}, m.markEvery(n))
	m.Stop()
	require.NoError(t, err)
	require.Equal(t, n, sum.ByMedium["EMAIL"], "%+v", sum)
	return m
}

// PlanPool keeps nothing per listed user: its peak heap is the same for
// 10,000 and 100,000 users, within noise.
func TestPlanPool_MemoryIndependentOfPoolSize(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100,000-user pool")
	}
	n := 100_000
	if raceEnabled {
		n = 20_000
	}
	small, large := planPoolHeap(t, n/10), planPoolHeap(t, n)
	t.Logf("%d users: %.0f KiB above the start (%s)", n/10, small.Growth()/1024, small)
	t.Logf("%d users: %.0f KiB above the start (%s)", n, large.Growth()/1024, large)
	assert.Less(t, large.Growth(), 2*max(small.Growth(), 1<<20), "the peak does not grow with the pool")
	assert.Less(t, large.Growth()/float64(n), 10.0, "under 10 bytes per user")
}
