package resetpw_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

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

func ExampleResetter_Reset() {
	r, err := resetpw.New(examplePool()) // usually a *cognitoidentityprovider.Client
	if err != nil {
		panic(err)
	}
	res, err := r.Reset(context.Background(), resetpw.Request{
		UserPoolID: "us-west-2_aaaaaaaaa",
		Username:   "diego@example.com",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Username, res.Input, res.Delivery.Medium, res.Delivery.Destination)
	// Output: diego email EMAIL d***@e***.com
}

func ExampleError() {
	r, _ := resetpw.New(examplePool())
	_, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "nocontact"})

	fmt.Println(errors.Is(err, resetpw.ErrNoVerifiedContact))
	var e *resetpw.Error
	if errors.As(err, &e) {
		fmt.Println(e.Op, resetpw.Code(e.Kind))
	}
	fmt.Println(err)
	// Output:
	// true
	// preflight no_verified_contact
	// resetpw: preflight: no verified contact for the code (pool us-west-2_aaaaaaaaa, user n***): no verified email or phone number qualifies under the pool's recovery settings
}

func ExampleResetter_Check() {
	r, _ := resetpw.New(examplePool())
	res, err := r.Check(context.Background(), resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: "diego"})
	if err != nil {
		panic(err)
	}
	fmt.Println("would send by", res.Delivery.Medium, "to", res.Delivery.Destination)
	// Output: would send by EMAIL to d***@e***.com
}
