// Package demopool builds the demonstration pool that the quickstart resets
// in and that cmd/fakecognito serves: pool us-west-2_aaaaaaaaa, which lets
// users sign in with their email as an alias and whose SMS account is still
// in the SNS sandbox, with three users (diego, whose email is verified; nora,
// whose email is not; sam, whose only contact is a phone).
package demopool

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// PoolID is the demonstration pool's ID, that of the AWS CLI reference
// page's example.
const PoolID = "us-west-2_aaaaaaaaa"

// Users describes the pool's users for a banner.
const Users = "diego (diego@example.com), nora (email not verified), sam (phone only)"

// New returns a Fake holding the demonstration pool and its three users,
// and extra more users user0001, user0002.. with verified emails
// (userNNNN@example.com).
func New(extra int) (*resetpwtest.Fake, error) {
	fake := resetpwtest.NewFake()
	fake.AddPool(types.UserPoolType{
		Id:                      aws.String(PoolID),
		AliasAttributes:         []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		AutoVerifiedAttributes:  []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail, types.VerifiedAttributeTypePhoneNumber},
		SmsConfigurationFailure: aws.String("SNSSandbox"),
		// The role Cognito publishes SMS with: without one it sends none.
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms"), ExternalId: aws.String("demo")},
	})
	users := []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		resetpwtest.User("sam", "phone_number", "+12065550100", "phone_number_verified", "true"),
	}
	for i := 1; i <= extra; i++ {
		name := fmt.Sprintf("user%04d", i)
		users = append(users, resetpwtest.User(name, "email", name+"@example.com", "email_verified", "true"))
	}
	for _, u := range users {
		if _, err := fake.AddUser(PoolID, u); err != nil {
			return nil, err
		}
	}
	return fake, nil
}
