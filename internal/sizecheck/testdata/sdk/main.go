// Command sdk resets one user with the SDK alone: the baseline of
// internal/sizecheck.
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
	client := cip.New(cip.Options{Region: "us-west-2", Credentials: aws.AnonymousCredentials{}})
	out, err := client.AdminResetUserPassword(context.Background(), &cip.AdminResetUserPasswordInput{
		UserPoolId: aws.String(os.Args[1]), Username: aws.String(os.Args[2])})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	fmt.Println(id)
}
