package resetpw

import (
	"context"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// API is the part of *cognitoidentityprovider.Client that a Resetter uses;
// the SDK client satisfies it, and so does resetpwtest.Fake.
type API interface {
	AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)
}

// PasswordResetter is what callers depend on and mock: *Resetter satisfies
// it, and so does resetpwtest.Mock. One struct argument and no variadic
// options keep testify matching simple.
type PasswordResetter interface {
	Reset(ctx context.Context, req Request) (*Result, error)
}

var (
	_ API              = (*cip.Client)(nil)
	_ PasswordResetter = (*Resetter)(nil)
)
