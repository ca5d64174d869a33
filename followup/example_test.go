package followup_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/followup"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// A reset's result and the time Reset returned are a record: Read says
// where the user's recovery stands, from one ListUsers sweep of each
// status.
func ExampleRead() {
	ctx := context.Background()
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{})
	_, _ = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	r, _ := resetpw.New(f)

	res, err := r.Reset(ctx, resetpw.Request{UserPoolID: pool, Username: "diego"})
	if err != nil {
		fmt.Println(err)
		return
	}
	sent := map[string]time.Time{res.Username: time.Now()}

	rep, err := followup.Read(ctx, r, pool, sent, followup.Options{}, func(u followup.User) {
		fmt.Println(u.Username, u.State, u.Status)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Counts[followup.Pending], "pending,", rep.Requests, "ListUsers calls")
	// Output:
	// diego pending RESET_REQUIRED
	// 1 pending, 2 ListUsers calls
}
