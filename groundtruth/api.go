package groundtruth

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
)

// endUserMessagingAPI is the part of *pinpointsmsvoicev2.Client (AWS End
// User Messaging SMS) that WithEndUserMessaging uses: the account's tier
// and its verified destination numbers. The SDK client satisfies it, and
// so does resetpwtest.Fake's SNS(). It is unexported so that the package's
// surface stays within its budget; any value with these two methods will
// do.
type endUserMessagingAPI interface {
	DescribeAccountAttributes(context.Context, *pinpointsmsvoicev2.DescribeAccountAttributesInput, ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeAccountAttributesOutput, error)
	DescribeVerifiedDestinationNumbers(context.Context, *pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersInput, ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersOutput, error)
}

var _ endUserMessagingAPI = (*pinpointsmsvoicev2.Client)(nil)
