package followup_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// markingFake is a Fake that marks the live heap (after a GC) every 20
// ListUsers pages: the high mark is what Read keeps, its garbage left out.
// It serves one page at a time, so that no page is being built (and its
// garbage allocated, which a GC under way counts as live) while it marks.
type markingFake struct {
	*resetpwtest.Fake
	mu        sync.Mutex
	pages     int
	base, top uint64
}

func (m *markingFake) ListUsers(ctx context.Context, in *cip.ListUsersInput, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out, err := m.Fake.ListUsers(ctx, in, o...)
	if m.pages++; m.pages%20 == 0 {
		m.mark()
	}
	return out, err
}

func (m *markingFake) mark() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.top = max(m.top, ms.HeapAlloc)
}

// free lets every call go at once.
type free struct{}

func (free) Wait(ctx context.Context, _ quota.Category) error { return ctx.Err() }

// readHeap reads a pool of n users, of whom 1,000 were sent a code two
// hours ago (the rest CONFIRMED, never sent), and returns the live heap
// Read kept above its start, at its high mark.
func readHeap(t *testing.T, n int) uint64 {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	sent := map[string]time.Time{}
	at := time.Now().Add(-2 * time.Hour)
	f.SetClock(func() time.Time { return at }) // the users were reset then
	for i := range n {
		name := fmt.Sprintf("u%07d", i)
		u := resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")
		if i%(n/1000) == 0 {
			u.UserStatus, sent[name] = types.UserStatusTypeResetRequired, at
		}
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	f.SetClock(time.Now)
	m := &markingFake{Fake: f}
	r, err := resetpw.New(m)
	require.NoError(t, err)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.base = ms.HeapAlloc
	// Read's each: one call at a time; the 1,000 users sent are expired.
	expired := 0
	rep, err := followup.Read(t.Context(), r, pool, sent, followup.Options{Run: bulk.Options{Limiter: free{}}}, func(u followup.User) {
		if u.State == followup.Expired {
			expired++
		}
	})
	m.mark()
	require.NoError(t, err)
	require.Equal(t, 1000, expired, "%v", rep.Counts)
	if m.top < m.base {
		return 0
	}
	return m.top - m.base
}

// Read keeps the users sent and nothing per listed user: its live heap is
// the same for a pool of 10,000 and one of 100,000 with the same 1,000
// users sent, within noise.
func TestRead_MemoryIndependentOfPoolSize(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100,000-user pool")
	}
	n := 100_000
	if raceEnabled {
		n = 20_000
	}
	small, large := readHeap(t, n/10), readHeap(t, n)
	t.Logf("1,000 users sent: %d users, %d KiB kept; %d users, %d KiB kept", n/10, small>>10, n, large>>10)
	assert.Less(t, large, 2*max(small, 1<<20), "the heap does not grow with the pool")
}
