// Command safe makes with the SDK alone every Cognito call a safe reset
// makes (DescribeUserPool, ListUsers, AdminGetUser, AdminUserGlobalSignOut,
// AdminResetUserPassword): the floor of a program that checks before it
// sends, for internal/sizecheck.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func main() {
	ctx := context.Background()
	client := cip.New(cip.Options{Region: "us-west-2", Credentials: aws.AnonymousCredentials{}})
	pool, user := aws.String(os.Args[1]), aws.String(os.Args[2])
	p, err := client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pool})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := client.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: pool, Filter: aws.String("email = \"x\"")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	u, err := client.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: user})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := client.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: pool, Username: user}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := client.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: pool, Username: user})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	fmt.Println(id, p.UserPool.AccountRecoverySetting != nil, len(l.Users), u.UserStatus)
}
