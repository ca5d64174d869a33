package resetpwtest

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	eumstypes "github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"
)

// End User Messaging operation names, for Calls and FailNext.
const (
	opDescribeAccountAttributes          = "DescribeAccountAttributes"
	opDescribeVerifiedDestinationNumbers = "DescribeVerifiedDestinationNumbers"
)

// The Fake has one SMS sandbox, which SNS and End User Messaging both
// report: "The sandbox applies to both Amazon Pinpoint and Amazon SNS. If
// your account is removed from the sandbox in Amazon SNS, it's also out of
// the sandbox in Amazon Pinpoint, and vice-versa" (AWS, introducing the
// Pinpoint SMS sandbox, whose SMS API is now End User Messaging's), and
// since November 2024 SNS hands Cognito's SMS on to End User Messaging
// (R67). SetSMSSandbox sets it, SetSandboxVerifiedNumbers lists its verified
// destination numbers; it drops SMS through SNS and through End User
// Messaging directly alike.
//
// The blog says the sandbox's status is one; it says nothing of the lists
// of verified numbers, which the services document apart (SNS's
// SMSSandboxPhoneNumber, End User Messaging's verified destination
// numbers; R69). The Fake's tests can give End User Messaging a list of its
// own (eumsNumber): it then answers DescribeVerifiedDestinationNumbers, and
// a pool without an SNS role (which sends through End User Messaging
// directly) drops SMS by it, while a pool with one drops by SNS's.

// smsVerified is the list of verified numbers that SMS from p goes by.
func (f *Fake) smsVerified(p *fakePool) map[string]bool {
	if f.eumsNumber != nil && (p.pool.SmsConfiguration == nil || aws.ToString(p.pool.SmsConfiguration.SnsCallerArn) == "") {
		return f.eumsNumber
	}
	return f.sandboxNumber
}

// DescribeAccountAttributes answers the account tier: SANDBOX or
// PRODUCTION (SetSMSSandbox). Both spellings are assumed: the API says only
// that the tier tells "whether your account is in the sandbox or
// production environment", and no source found lists its values (R67).
func (s *fakeSNS) DescribeAccountAttributes(ctx context.Context, _ *pinpointsmsvoicev2.DescribeAccountAttributesInput, _ ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeAccountAttributesOutput, error) {
	if err := s.f.enter(ctx, opDescribeAccountAttributes); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	tier := "PRODUCTION"
	if s.f.smsSandbox {
		tier = "SANDBOX"
	}
	return &pinpointsmsvoicev2.DescribeAccountAttributesOutput{AccountAttributes: []eumstypes.AccountAttribute{
		{Name: eumstypes.AccountAttributeNameAccountTier, Value: aws.String(tier)}}}, nil
}

// DescribeVerifiedDestinationNumbers lists the numbers of
// SetSandboxVerifiedNumbers as VERIFIED, in number order, two a page.
func (s *fakeSNS) DescribeVerifiedDestinationNumbers(ctx context.Context, in *pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersInput, _ ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersOutput, error) {
	if err := s.f.enter(ctx, opDescribeVerifiedDestinationNumbers); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var numbers []string
	list := s.f.sandboxNumber
	if s.f.eumsNumber != nil {
		list = s.f.eumsNumber
	}
	for n := range list {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	start := 0
	if token := aws.ToString(in.NextToken); token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "eums:"))
		if err != nil || !strings.HasPrefix(token, "eums:") || n < 0 || n > len(numbers) {
			return nil, &eumstypes.ValidationException{Message: aws.String("Invalid NextToken")}
		}
		start = n
	}
	end := min(start+snsPage, len(numbers))
	out := &pinpointsmsvoicev2.DescribeVerifiedDestinationNumbersOutput{VerifiedDestinationNumbers: []eumstypes.VerifiedDestinationNumberInformation{}}
	if end < len(numbers) {
		out.NextToken = aws.String("eums:" + strconv.Itoa(end))
	}
	for i, n := range numbers[start:end] {
		id := "verified-" + strconv.Itoa(start+i)
		out.VerifiedDestinationNumbers = append(out.VerifiedDestinationNumbers, eumstypes.VerifiedDestinationNumberInformation{
			DestinationPhoneNumber: aws.String(n), Status: eumstypes.VerificationStatusVerified, VerifiedDestinationNumberId: aws.String(id)})
	}
	return out, nil
}
