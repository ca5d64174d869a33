package bulk_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// examplePool returns a Fake holding the pool of the reference page's
// example with two users.
func examplePool() *resetpwtest.Fake {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa"), AliasAttributes: []types.AliasAttributeType{"email"}})
	_, _ = f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
	_, _ = f.AddUser(pool, resetpwtest.User("nocontact", "email", "nc@example.com", "email_verified", "false"))
	return f
}

// Before a bulk run, a plan: every user of the pool, nothing sent.
func ExamplePlanPool() {
	r, _ := resetpw.New(examplePool())
	sum, err := bulk.PlanPool(context.Background(), r, "us-west-2_aaaaaaaaa", bulk.Options{}, nil)
	if err != nil {
		panic(err)
	}
	// Codes by medium, refusals of a kind, emails over the daily cap.
	fmt.Println(sum.ByMedium, sum.ByKind[resetpw.ErrNoVerifiedContact], sum.OverEmailCap)
	// Output: map[EMAIL:1] 1 0
}

// Run resets a list under Cognito's quotas, once per user, with one
// outcome per input; each input carries the caller's own key (here a line
// number) to its outcome. A plan first: its resettable inputs feed the run.
func ExampleRun() {
	r, _ := resetpw.New(examplePool())
	ctx := context.Background()
	lines := []string{"diego", "nocontact", "diego@example.com", "ghost"}
	inputs := func(yield func(bulk.Input) bool) {
		for i, u := range lines {
			if !yield(bulk.Input{Key: i + 1, Request: resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: u}}) {
				return
			}
		}
	}
	// One at a time, so that the first of two inputs for diego is the one
	// kept; resets at 5 a second, every other category at its default pace.
	opts := bulk.Options{Concurrency: 1, Rates: map[quota.Category]float64{quota.CategoryUserAccountRecovery: 5}}
	planned := make([]bulk.Outcome, len(lines))
	if _, err := bulk.Plan(ctx, r, inputs, opts, func(o bulk.Outcome) { planned[o.Index] = o }); err != nil {
		panic(err)
	}
	for _, o := range planned {
		switch {
		case o.Duplicate:
			fmt.Printf("line %v %s: same user as input %d\n", o.Input.Key, o.Input.Request.Username, o.DuplicateOf)
		case o.Err != nil:
			fmt.Printf("line %v %s: %s\n", o.Input.Key, o.Input.Request.Username, resetpw.KindOf(o.Err).Code())
		}
	}
	sum, err := bulk.Run(ctx, r, bulk.Resettable(planned), opts, func(o bulk.Outcome) {
		fmt.Printf("line %v %s: sent by %s\n", o.Input.Key, o.Input.Request.Username, o.Result.Delivery.Medium)
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("sent %d, failed %d\n", sum.Sent, sum.Failed)
	// Output:
	// line 2 nocontact: no_verified_contact
	// line 3 diego@example.com: same user as input 0
	// line 4 ghost: user_not_found
	// line 1 diego: sent by EMAIL
	// sent 1, failed 0
}
