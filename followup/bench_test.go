package followup_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// The follow-through of a run that reset 100,000 users, on the Fake with
// quotas ×10 (ListUsers 300 pages/s): 30% completed, 50% pending, 20%
// expired.
const (
	followUsers = 100_000
	followScale = 10
)

// followWorld is the pool after the run, and its journal: u%06d, the
// first 30% CONFIRMED since their code (sent 100 minutes ago), the next 50%
// RESET_REQUIRED with a code sent 10 minutes ago, the last 20%
// RESET_REQUIRED with a code sent 100 minutes ago.
func followWorld(b *testing.B) (f *resetpwtest.Fake, pool, path string, expired map[string]bool) {
	b.Helper()
	f = resetpwtest.NewFake()
	now := time.Now()
	old, recent := now.Add(-100*time.Minute), now.Add(-10*time.Minute)
	clock := old
	f.SetClock(func() time.Time { return clock })
	pool = f.AddPool(types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOff,
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	var buf bytes.Buffer
	j := journal.New(&buf, "buffer")
	if err := j.Begin(pool, nil, "full"); err != nil {
		b.Fatal(err)
	}
	expired = map[string]bool{}
	for i := range followUsers {
		name := fmt.Sprintf("u%06d", i)
		u := resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")
		sent := old
		switch {
		case i < followUsers*3/10: // completed 30 minutes after the send
			clock = old.Add(30 * time.Minute)
		case i < followUsers*8/10:
			u.UserStatus, sent, clock = types.UserStatusTypeResetRequired, recent, recent
		default:
			u.UserStatus, clock = types.UserStatusTypeResetRequired, old
			expired[name] = true
		}
		if _, err := f.AddUser(pool, u); err != nil {
			b.Fatal(err)
		}
		if err := j.Write(journal.Line{Index: i, Username: name, SentAs: name, Status: "sent", At: sent.UTC().Format(time.RFC3339Nano)}); err != nil {
			b.Fatal(err)
		}
	}
	f.SetClock(time.Now)
	f.EnableQuotas(followScale)
	path = filepath.Join(b.TempDir(), "run.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return f, pool, path, expired
}

// heapPeak samples the live heap until stop is closed, and returns the
// highest it saw above the heap at its start.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak - base
				return
			case <-t.C:
			}
		}
	}()
	return out
}

// BenchmarkFollowThrough measures Read against its floor (⌈N/60⌉ ListUsers
// pages at the scaled quota: the RESET_REQUIRED and CONFIRMED sweeps
// together list the pool once), its requests per user and its heap, prints
// the report, then runs Resend and checks that it sent a code to exactly
// the expired users. Run with -benchtime 1x: it takes about two minutes.
func BenchmarkFollowThrough(b *testing.B) {
	floor := float64((followUsers+59)/60) / (30 * followScale)
	rates := map[quota.Category]float64{quota.CategoryUserList: 0.98 * 30 * followScale,
		quota.CategoryUserAccountRecovery: 0.98 * 30 * followScale, quota.CategoryUserRead: 0.98 * 120 * followScale,
		quota.CategoryUserPoolRead: 0.98 * 15 * followScale}
	opts := followup.Options{Run: bulk.Options{Concurrency: 32, QuotaScale: followScale, Rates: rates}}
	for b.Loop() {
		b.StopTimer()
		f, pool, path, expired := followWorld(b)
		r, err := resetpw.New(f, resetpw.WithEmailCap(-1, nil))
		if err != nil {
			b.Fatal(err)
		}
		jf, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h, err := journal.Read(jf, pool)
		jf.Close()
		if err != nil {
			b.Fatal(err)
		}
		sent := h.SentAt()
		h = nil
		b.StartTimer()
		stop := make(chan struct{})
		peak := heapPeak(stop)
		rep, err := followup.Read(b.Context(), r, pool, sent, opts, nil)
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		heap := <-peak
		b.StopTimer()
		want := map[followup.State]int{followup.Completed: followUsers * 3 / 10, followup.Pending: followUsers / 2, followup.Expired: followUsers / 5}
		for s, n := range want {
			if rep.Counts[s] != n {
				b.Fatalf("%s: %d, want %d\n%s", s, rep.Counts[s], n, rep)
			}
		}
		b.ReportMetric(rep.Elapsed.Seconds(), "s/read")
		b.ReportMetric(floor, "floor-s")
		b.ReportMetric(100*floor/rep.Elapsed.Seconds(), "%floor")
		b.ReportMetric(float64(f.Calls("ListUsers")+f.Calls("AdminGetUser"))/followUsers, "req/user")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		b.Log("\n" + rep.String())

		before := len(f.Deliveries())
		start := time.Now()
		sum, err := followup.Resend(b.Context(), r, path, pool, opts, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/resend")
		got := map[string]bool{}
		for _, d := range f.Deliveries()[before:] {
			if got[d.Username] || !expired[d.Username] {
				b.Fatalf("a code to %s: not expired, or a second one", d.Username)
			}
			got[d.Username] = true
		}
		if len(got) != len(expired) || sum.Sent != len(expired) {
			b.Fatalf("resent %d (summary %d), want the %d expired", len(got), sum.Sent, len(expired))
		}
		b.StartTimer()
	}
}
