package resetpw

import (
	"context"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/alias"
)

// API is everything a Resetter calls of Cognito: the part of
// *cognitoidentityprovider.Client it uses. The SDK client satisfies it, and
// so do resetpwtest.Fake and resetpwtest.Server's client. It holds
// alias.API, what alias.Resolver reads.
type API interface {
	AdminResetUserPassword(context.Context, *cip.AdminResetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error)
	AdminGetUser(context.Context, *cip.AdminGetUserInput, ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	DescribeUserPool(context.Context, *cip.DescribeUserPoolInput, ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	ListUsers(context.Context, *cip.ListUsersInput, ...func(*cip.Options)) (*cip.ListUsersOutput, error)
	AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
}

// PasswordResetter is what a service that resets passwords depends on and
// mocks: *Resetter satisfies it, and so does resetpwtest.Mock. Code that
// calls more methods declares its own interface, as Go code does.
type PasswordResetter interface {
	Reset(ctx context.Context, req Request) (*Result, error)
}

var (
	_ API              = (*cip.Client)(nil)
	_ alias.API        = API(nil) // what the library resolves with is a part of what it calls
	_ PasswordResetter = (*Resetter)(nil)
)
