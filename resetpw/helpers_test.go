package resetpw_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/stretchr/testify/require"
)

// Helpers shared with package bulk's tests, for the tests of this package that run bulk jobs.

func bulkWorld(t testing.TB, n int) (*resetpwtest.Fake, string) {
	t.Helper()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{EmailConfiguration: &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper}})
	for i := range n {
		_, err := f.AddUser(pool, resetpwtest.User(fmt.Sprintf("user%04d", i), "email", fmt.Sprintf("user%04d@example.com", i), "email_verified", "true"))
		require.NoError(t, err)
	}
	return f, pool
}
func requests(pool string, names ...string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for _, n := range names {
			if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
				return
			}
		}
	}
}
func userNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("user%04d", i)
	}
	return out
}
func indexes(outs []bulk.Outcome) []int {
	idx := make([]int, len(outs))
	for i, o := range outs {
		idx[i] = o.Index
	}
	slices.Sort(idx)
	return idx
}
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// countingLimiter lets every call go and counts them by category.
type countingLimiter struct {
	mu    sync.Mutex
	waits map[quota.Category]int
}

func (l *countingLimiter) Wait(ctx context.Context, c quota.Category) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waits == nil {
		l.waits = map[quota.Category]int{}
	}
	l.waits[c]++
	return ctx.Err()
}
func (l *countingLimiter) counts() map[quota.Category]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waits
}

// smsRole is the SmsConfiguration of a pool that can send SMS through SNS:
// without an SMS role, Cognito sends none (R61).
func smsRole() *types.SmsConfigurationType {
	return &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms"), ExternalId: aws.String("sms")}
}
