package alias_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
)

func ExampleClassify() {
	for _, s := range []string{"diego", "diego@example.com", "+1 206-555-0100", "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b"} {
		fmt.Println(alias.Classify(s))
	}
	// Output:
	// username
	// email
	// phone_number
	// sub
}

func ExampleNormalize() {
	insensitive := alias.PoolConfig{CaseSensitive: false}
	email, _ := alias.Normalize(" Diego@Example.COM ", alias.Email, insensitive, alias.Options{})
	phone, _ := alias.Normalize("(206) 555-0100", alias.Phone, insensitive, alias.Options{DefaultCountryCode: "1"})
	_, err := alias.Normalize("diego ramirez", alias.Username, insensitive, alias.Options{})
	fmt.Println(email)
	fmt.Println(phone)
	fmt.Println(err)
	// Output:
	// diego@example.com
	// +12065550100
	// alias: invalid identifier: username d***: holds white space
}

func ExampleMask() {
	fmt.Println(alias.Mask("diego@example.com"))
	fmt.Println(alias.Mask("+12065550100"))
	fmt.Println(alias.Mask("diego"))
	fmt.Println(alias.Mask("ab"))
	// Output:
	// d***@e***.com
	// +*******0100
	// d***
	// ***
}

// exampleAPI is a two-user pool for the example: user "bob@example.com"
// (an email-shaped username) and user "dramirez", whose verified email is
// diego@example.com. A real caller passes a *cognitoidentityprovider.Client.
type exampleAPI struct{}

func (exampleAPI) AdminGetUser(_ context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	fmt.Println("AdminGetUser", aws.ToString(in.Username))
	if aws.ToString(in.Username) == "bob@example.com" {
		return &cip.AdminGetUserOutput{Username: aws.String("bob@example.com"), Enabled: true, UserStatus: types.UserStatusTypeConfirmed}, nil
	}
	return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
}

func (exampleAPI) ListUsers(_ context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	fmt.Println("ListUsers", aws.ToString(in.Filter))
	if aws.ToString(in.Filter) != `email = "diego@example.com"` {
		return &cip.ListUsersOutput{}, nil
	}
	return &cip.ListUsersOutput{Users: []types.UserType{{Username: aws.String("dramirez"), Attributes: []types.AttributeType{
		{Name: aws.String("email"), Value: aws.String("diego@example.com")},
		{Name: aws.String("email_verified"), Value: aws.String("true")}}}}}, nil
}

// A pool that signs in with usernames only: an email is first asked for as
// a username (AdminGetUser), as Cognito would read it; only when no user
// has that username is it looked up with ListUsers, and that match must
// then be confirmed (Resolution.Value) with AdminGetUser before anything
// is sent, as resetpw does.
func ExampleResolver_Resolve() {
	r, err := alias.NewResolver(exampleAPI{}, alias.Options{})
	if err != nil {
		panic(err)
	}
	pool := alias.PoolConfigFrom(&types.UserPoolType{}) // from DescribeUserPool
	for _, id := range []string{"bob@example.com", "diego@example.com"} {
		res, err := r.Resolve(context.Background(), "us-west-2_aaaaaaaaa", pool, id)
		if err != nil {
			panic(err)
		}
		fmt.Println("→", res.Name, res.Kind, "looked up:", res.LookedUp)
	}
	// Output:
	// AdminGetUser bob@example.com
	// → bob@example.com username looked up: false
	// AdminGetUser diego@example.com
	// ListUsers email = "diego@example.com"
	// → dramirez email looked up: true
}
