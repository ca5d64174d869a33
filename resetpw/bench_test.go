package resetpw_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/otelreset"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Every benchmark talks to a resetpwtest.Server in this process, so that
// only the client's work differs between them.

func BenchmarkRawSDK(b *testing.B) {
	f, pool := bulkWorld(b, 1)
	srv := resetpwtest.NewServer(f)
	defer srv.Close()
	c := srv.Client()
	in := &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("user0000")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.AdminResetUserPassword(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReset(b *testing.B) {
	for _, p := range []resetpw.Preflight{resetpw.PreflightOff, resetpw.PreflightFull} {
		b.Run("preflight="+string(p), func(b *testing.B) {
			f, pool := bulkWorld(b, 1)
			srv := resetpwtest.NewServer(f)
			defer srv.Close()
			r, err := resetpw.New(srv.Client(), resetpw.WithPreflight(p))
			if err != nil {
				b.Fatal(err)
			}
			req := resetpw.Request{UserPoolID: pool, Username: "user0000"}
			if _, err := r.Reset(context.Background(), req); err != nil { // warm the pool cache
				b.Fatal(err)
			}
			before := srv.TotalCalls()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Reset(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(srv.TotalCalls()-before)/float64(b.N), "req/op")
		})
	}
}

// bulkUsers and bulkScale: 3,000 users against a server that enforces the
// quotas ×10 (300 resets/s).
const (
	bulkUsers = 3000
	bulkScale = 10
)

type bulkJob struct {
	srv   *resetpwtest.Server
	f     *resetpwtest.Fake
	pool  string
	names []string
}

func newBulkJob(b *testing.B) *bulkJob {
	f, pool := bulkWorld(b, bulkUsers)
	f.EnableQuotas(bulkScale)
	srv := resetpwtest.NewServer(f)
	b.Cleanup(srv.Close)
	return &bulkJob{srv: srv, f: f, pool: pool, names: userNames(bulkUsers)}
}

// report gives the figures every bulk variant shares: users reset per second
// as a share of the quota, codes delivered, and errors left to the caller.
func (j *bulkJob) report(b *testing.B, elapsed time.Duration, throttleErrs, otherErrs int) {
	reset := len(j.f.Deliveries())
	perSec := float64(reset) / elapsed.Seconds()
	b.ReportMetric(perSec, "resets/s")
	b.ReportMetric(100*perSec/(quotaUserAccountRecovery*bulkScale), "%quota")
	b.ReportMetric(float64(bulkUsers-reset), "users-not-reset")
	b.ReportMetric(float64(throttleErrs), "throttle-errors")
	b.ReportMetric(float64(otherErrs), "other-errors")
	b.ReportMetric(float64(j.srv.Calls("AdminResetUserPassword")), "reset-requests")
	b.ReportMetric(elapsed.Seconds(), "s/job")
}

func BenchmarkBulk(b *testing.B) {
	b.Run("bulk.Run", func(b *testing.B) {
		for b.Loop() {
			j := newBulkJob(b)
			r, err := resetpw.New(j.srv.Client())
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			outcomes := 0
			sum, err := bulk.Run(context.Background(), r, bulk.Requests(requests(j.pool, j.names...)), bulk.Options{
				Concurrency: 32, QuotaScale: bulkScale,
				Rates: map[quota.Category]float64{
					quota.CategoryUserAccountRecovery: 0.98 * quotaUserAccountRecovery * bulkScale,
					quota.CategoryUserRead:            0.98 * quotaUserRead * bulkScale,
				},
			}, func(bulk.Outcome) { outcomes++ })
			elapsed := time.Since(start)
			if err != nil || outcomes != bulkUsers {
				b.Fatalf("err %v, %d outcomes", err, outcomes)
			}
			j.report(b, elapsed, sum.ByKind[resetpw.ErrThrottled], sum.Failed-sum.ByKind[resetpw.ErrThrottled])
		}
	})
	b.Run("raw-sequential", func(b *testing.B) {
		for b.Loop() {
			j := newBulkJob(b)
			c := j.srv.Client()
			start := time.Now()
			var throttled, other int
			for _, n := range j.names {
				_, err := c.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{UserPoolId: &j.pool, Username: aws.String(n)})
				throttled, other = countErr(err, throttled, other)
			}
			j.report(b, time.Since(start), throttled, other)
		}
	})
	b.Run("raw-unbounded-goroutines", func(b *testing.B) {
		for b.Loop() {
			j := newBulkJob(b)
			c := j.srv.Client()
			start := time.Now()
			var mu sync.Mutex
			var wg sync.WaitGroup
			var throttled, other int
			for _, n := range j.names {
				wg.Go(func() {
					_, err := c.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{UserPoolId: &j.pool, Username: aws.String(n)})
					mu.Lock()
					throttled, other = countErr(err, throttled, other)
					mu.Unlock()
				})
			}
			wg.Wait()
			j.report(b, time.Since(start), throttled, other)
		}
	})
}

func countErr(err error, throttled, other int) (int, int) {
	switch {
	case err == nil:
	case resetpw.KindOf(err) == resetpw.ErrThrottled:
		throttled++
	default:
		other++
	}
	return throttled, other
}

// noopAPI answers every call at once, so that BenchmarkOverhead measures the
// library's own work per reset, free of the HTTP round trip's noise.
type noopAPI struct{}

func (noopAPI) AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	return &cip.AdminResetUserPasswordOutput{}, nil
}
func (noopAPI) AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return noopUser, nil
}
func (noopAPI) DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	return &cip.DescribeUserPoolOutput{UserPool: &types.UserPoolType{}}, nil
}
func (noopAPI) ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	return &cip.ListUsersOutput{}, nil
}
func (noopAPI) AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return &cip.AdminUserGlobalSignOutOutput{}, nil
}

var noopUser = &cip.AdminGetUserOutput{Username: aws.String("user0000"), Enabled: true, UserStatus: types.UserStatusTypeConfirmed,
	UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("user0000@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}

func BenchmarkOverhead(b *testing.B) {
	for _, p := range []resetpw.Preflight{resetpw.PreflightOff, resetpw.PreflightFull} {
		b.Run("preflight="+string(p), func(b *testing.B) {
			r, err := resetpw.New(noopAPI{}, resetpw.WithPreflight(p), resetpw.WithEmailCap(-1, nil)) // the cap would refuse the 51st
			if err != nil {
				b.Fatal(err)
			}
			req := resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "user0000", ClientMetadata: map[string]string{"source": "bench"}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Reset(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Cognito's quotas (docs/cognito-rules.md, R28), per second.
const (
	quotaUserAccountRecovery = 30
	quotaUserRead            = 120
	quotaUserList            = 30
)

// planUsers and planScale: PlanPool over 100,000 users on the Fake, whose
// quotas are enforced ×10 (ListUsers 300 pages/s, AdminGetUser 1,200/s).
const (
	planUsers = 100_000
	planScale = 10
)

func planWorld(b *testing.B) (*resetpwtest.Fake, string) {
	b.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{MfaConfiguration: types.UserPoolMfaTypeOff,
		EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for i := range planUsers {
		name := fmt.Sprintf("user%06d", i)
		if _, err := f.AddUser(pool, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true")); err != nil {
			b.Fatal(err)
		}
	}
	f.EnableQuotas(planScale)
	return f, pool
}

// BenchmarkPlanPool measures PlanPool over a 100,000-user pool whose MFA is
// off against its floor, ⌈N/60⌉ ListUsers pages at the scaled quota; and the
// same plan made with one AdminGetUser per user (Plan over the usernames).
// Run with -benchtime 1x: each takes seconds to minutes.
func BenchmarkPlanPool(b *testing.B) {
	floor := float64((planUsers+59)/60) / (quotaUserList * planScale)
	b.Run("PlanPool", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			f, pool := planWorld(b)
			r, err := resetpw.New(f, resetpw.WithEmailCap(-1, nil))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			sum, err := bulk.PlanPool(context.Background(), r, pool, bulk.Options{Concurrency: 8, QuotaScale: planScale,
				Rates: map[quota.Category]float64{quota.CategoryUserList: 0.98 * quotaUserList * planScale}}, nil)
			elapsed := time.Since(start)
			if err != nil || sum.Done != planUsers || sum.ByMedium["EMAIL"] != planUsers {
				b.Fatalf("err %v, %+v", err, sum)
			}
			reqs := f.Calls("ListUsers") + f.Calls("AdminGetUser") + f.Calls("DescribeUserPool")
			b.ReportMetric(elapsed.Seconds(), "s/plan")
			b.ReportMetric(floor, "floor-s")
			b.ReportMetric(100*floor/elapsed.Seconds(), "%floor")
			b.ReportMetric(float64(reqs)/planUsers, "req/user")
			b.ReportMetric(float64(f.Calls("AdminGetUser")), "AdminGetUser")
		}
	})
	b.Run("AdminGetUser-per-user", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			f, pool := planWorld(b)
			r, err := resetpw.New(f, resetpw.WithEmailCap(-1, nil))
			if err != nil {
				b.Fatal(err)
			}
			names := make([]string, planUsers)
			for i := range names {
				names[i] = fmt.Sprintf("user%06d", i)
			}
			b.StartTimer()
			start := time.Now()
			sum, err := bulk.Plan(context.Background(), r, bulk.Requests(requests(pool, names...)), bulk.Options{Concurrency: 32, QuotaScale: planScale,
				Rates: map[quota.Category]float64{quota.CategoryUserRead: 0.98 * quotaUserRead * planScale}}, nil)
			elapsed := time.Since(start)
			if err != nil || sum.Done != planUsers {
				b.Fatalf("err %v, %+v", err, sum)
			}
			reqs := f.Calls("ListUsers") + f.Calls("AdminGetUser") + f.Calls("DescribeUserPool")
			b.ReportMetric(elapsed.Seconds(), "s/plan")
			b.ReportMetric(float64(reqs)/planUsers, "req/user")
		}
	})
}

// BenchmarkTelemetry is BenchmarkOverhead/preflight=off with the default
// providers (the global ones, unset), with OpenTelemetry's no-op providers
// given as options, and with the SDK's providers recording every span and
// metric in memory.
func BenchmarkTelemetry(b *testing.B) {
	for _, providers := range []string{"default", "noop", "sdk"} {
		b.Run("providers="+providers, func(b *testing.B) {
			opts := []resetpw.Option{resetpw.WithPreflight(resetpw.PreflightOff), resetpw.WithEmailCap(-1, nil)}
			switch providers {
			case "noop":
				opts = append(opts, otelreset.WithTelemetry(tracenoop.NewTracerProvider(), metricnoop.NewMeterProvider()))
			case "sdk":
				_, tel := newRecorders(b)
				opts = append(opts, tel...)
			}
			r, err := resetpw.New(noopAPI{}, opts...)
			if err != nil {
				b.Fatal(err)
			}
			req := resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "user0000", ClientMetadata: map[string]string{"source": "bench"}}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Reset(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
