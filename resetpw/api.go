package resetpw

import (
	"context"
	"iter"

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

// SignOutAPI is the part of *cognitoidentityprovider.Client that signing a
// user out after a reset uses (WithSignOut, Request.SignOut); the SDK
// client, resetpwtest.Fake and resetpwtest.Server's client satisfy it. It is
// apart from API so that API stays as it is.
type SignOutAPI interface {
	AdminUserGlobalSignOut(context.Context, *cip.AdminUserGlobalSignOutInput, ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error)
}

// ResetChecker is the dry run: *Resetter and resetpwtest.Mock satisfy it.
type ResetChecker interface {
	Check(ctx context.Context, req Request) (*Result, error)
}

// PoolChecker checks a pool at startup: *Resetter and resetpwtest.Mock
// satisfy it.
type PoolChecker interface {
	CheckPool(ctx context.Context, poolID string) (*PoolReport, error)
}

// BulkResetter resets many users: *Resetter and resetpwtest.Mock satisfy it.
type BulkResetter interface {
	Bulk(ctx context.Context, reqs iter.Seq[Request], opts BulkOptions, each func(Outcome)) (Summary, error)
}

var (
	_ API              = (*cip.Client)(nil)
	_ SignOutAPI       = (*cip.Client)(nil)
	_ PasswordResetter = (*Resetter)(nil)
	_ ResetChecker     = (*Resetter)(nil)
	_ PoolChecker      = (*Resetter)(nil)
	_ BulkResetter     = (*Resetter)(nil)
)
