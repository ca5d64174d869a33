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

// listUsersFunc adapts a function to alias.ListUsersAPI; a real caller
// passes a *cognitoidentityprovider.Client.
type listUsersFunc func(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)

func (f listUsersFunc) ListUsers(ctx context.Context, in *cip.ListUsersInput, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	return f(ctx, in, o...)
}

// A pool that signs in with usernames only: an email is looked up with
// ListUsers, and the match must then be confirmed (Resolution.Value) with
// AdminGetUser before anything is sent, as resetpw does.
func ExampleResolver_Resolve() {
	api := listUsersFunc(func(_ context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
		fmt.Println("ListUsers", aws.ToString(in.Filter))
		return &cip.ListUsersOutput{Users: []types.UserType{{Username: aws.String("dramirez"), Attributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String("diego@example.com")},
			{Name: aws.String("email_verified"), Value: aws.String("true")}}}}}, nil
	})
	r, err := alias.NewResolver(api, alias.Options{})
	if err != nil {
		panic(err)
	}
	pool := alias.PoolConfigFrom(&types.UserPoolType{}) // from DescribeUserPool
	res, err := r.Resolve(context.Background(), "us-west-2_aaaaaaaaa", pool, "diego@example.com")
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Name, res.Kind, res.LookedUp, res.Value)
	// Output:
	// ListUsers email = "diego@example.com"
	// dramirez email true diego@example.com
}
