package resetpw_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// allocatedBy returns the bytes fn allocates.
func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func manyPairs(n, valueLen int) map[string]string {
	m := make(map[string]string, n)
	for i := range n {
		m[fmt.Sprintf("k%05d", i)] = strings.Repeat("v", valueLen)
	}
	return m
}

// Hostile input gets ErrInvalidInput, sends nothing, and costs little.
func TestHostileInput(t *testing.T) {
	const pool = "us-west-2_aaaaaaaaa"
	tests := []struct {
		name string
		req  resetpw.Request
		ok   bool // at the limit: valid, and sent
	}{
		{name: "username at 128 characters", req: resetpw.Request{UserPoolID: pool, Username: strings.Repeat("ü", 128)}, ok: true},
		{name: "username at 129 characters", req: resetpw.Request{UserPoolID: pool, Username: strings.Repeat("ü", 129)}},
		{name: "username of a megabyte", req: resetpw.Request{UserPoolID: pool, Username: strings.Repeat("u", 1<<20)}},
		{name: "pool ID at 55 characters", req: resetpw.Request{UserPoolID: "us-west-2_" + strings.Repeat("a", 45), Username: "diego"}, ok: true},
		{name: "pool ID at 56 characters", req: resetpw.Request{UserPoolID: "us-west-2_" + strings.Repeat("a", 46), Username: "diego"}},
		{name: "pool ID of a megabyte", req: resetpw.Request{UserPoolID: "us-west-2_" + strings.Repeat("a", 1<<20), Username: "diego"}},
		{name: "invalid UTF-8 username", req: resetpw.Request{UserPoolID: pool, Username: "di\xc3\x28go"}},
		{name: "invalid UTF-8 pool ID", req: resetpw.Request{UserPoolID: "us-west-2_\xff\xfe", Username: "diego"}},
		{name: "control character in username", req: resetpw.Request{UserPoolID: pool, Username: "die\x1bgo"}},
		{name: "NUL in username", req: resetpw.Request{UserPoolID: pool, Username: "diego\x00"}},
		{name: "newline in pool ID", req: resetpw.Request{UserPoolID: "us-west-2_aaa\naaa", Username: "diego"}},
		{name: "invalid UTF-8 metadata key", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"\xff": "v"}}},
		{name: "invalid UTF-8 metadata value", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"k": "\xff"}}},
		{name: "control character in metadata key", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"k\r\nX-Injected: 1": "v"}}},
		{name: "1 MB metadata value", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"note": strings.Repeat("x", 1<<20)}}},
		{name: "1 MB of metadata in 1,000 pairs", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: manyPairs(1000, 1<<10)}},
		{name: "10,000 pairs", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: manyPairs(10000, 4)}},
		{name: "keys that differ only by case", req: resetpw.Request{UserPoolID: pool, Username: "diego", ClientMetadata: map[string]string{"Source": "a", "source": "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			f.AddPool(types.UserPoolType{Id: &tt.req.UserPoolID})
			_, err := f.AddUser(tt.req.UserPoolID, resetpwtest.User(tt.req.Username, "email", "d@example.com", "email_verified", "true"))
			if tt.ok {
				require.NoError(t, err)
			}
			srv := resetpwtest.NewServer(f)
			defer srv.Close()
			r, err := resetpw.New(srv.Client())
			require.NoError(t, err)
			var resetErr error
			alloc := allocatedBy(func() { _, resetErr = r.Reset(context.Background(), tt.req) })
			if tt.ok {
				require.NoError(t, resetErr)
				assert.Equal(t, 1, srv.Calls("AdminResetUserPassword"))
				return
			}
			want := resetpw.ErrInvalidInput
			if strings.Contains(tt.name, "pool ID") {
				want = resetpw.ErrConfig // a pool ID is the service's configuration
			}
			require.ErrorIs(t, resetErr, want)
			assert.Zero(t, srv.TotalCalls(), "nothing sent")
			t.Logf("allocated %d bytes", alloc)
			assert.Less(t, alloc, uint64(16<<20), "bounded memory: %d bytes", alloc)
			assert.Less(t, len(resetErr.Error()), 2048, "bounded message")
		})
	}
}
