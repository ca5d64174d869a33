// Command lib resets one user through the library: the program
// internal/sizecheck weighs against the same program on the SDK alone.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

func main() {
	client := cip.New(cip.Options{Region: "us-west-2", Credentials: aws.AnonymousCredentials{}})
	r, err := resetpw.New(client)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	res, err := r.Reset(context.Background(), resetpw.Request{UserPoolID: os.Args[1], Username: os.Args[2]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(res.RequestID)
}
