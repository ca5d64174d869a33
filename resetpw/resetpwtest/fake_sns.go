package resetpwtest

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/cognitoreset/cognitoreset/groundtruth"
)

// SNS operation names, for Calls and FailNext.
const (
	opGetSMSSandboxAccountStatus = "GetSMSSandboxAccountStatus"
	opListSMSSandboxPhoneNumbers = "ListSMSSandboxPhoneNumbers"
	opListOriginationNumbers     = "ListOriginationNumbers"
)

// fakeSNS is the SMS side of a [Fake]: the SMS sandbox state and the
// origination numbers that the Fake's deliveries obey, as Amazon SNS
// (groundtruth.SNSAPI, for groundtruth.WithSNS) and AWS End User Messaging
// SMS (for groundtruth.WithEndUserMessaging, fake_eums.go) tell them. Its
// listings page two numbers at a time, so that callers' pagination is
// exercised.
type fakeSNS struct{ f *Fake }

var _ groundtruth.SNSAPI = (*fakeSNS)(nil)

// SNS returns the Fake's SMS side, for groundtruth.WithSNS and
// groundtruth.WithEndUserMessaging: one SMS sandbox, which it reports as
// SNS (GetSMSSandboxAccountStatus, ListSMSSandboxPhoneNumbers,
// ListOriginationNumbers) and as AWS End User Messaging SMS
// (DescribeAccountAttributes, DescribeVerifiedDestinationNumbers), R69.
// Its type is unexported (the surface budget); it satisfies
// groundtruth.SNSAPI, and its Region method says it is for the Fake's
// Region, so that groundtruth asks it only about pools whose SMS Region
// that is (R18).
func (f *Fake) SNS() *fakeSNS { return &fakeSNS{f} }

const snsPage = 2

// Region is the Region the Fake's SMS sandbox is for, the Fake's own
// (us-west-2): groundtruth trusts it for pools that send SMS from there
// (R18).
func (s *fakeSNS) Region() string { return s.f.region }

// GetSMSSandboxAccountStatus says whether the account is in the SMS sandbox
// (SetSMSSandbox).
func (s *fakeSNS) GetSMSSandboxAccountStatus(ctx context.Context, _ *sns.GetSMSSandboxAccountStatusInput, _ ...func(*sns.Options)) (*sns.GetSMSSandboxAccountStatusOutput, error) {
	if err := s.f.enter(ctx, opGetSMSSandboxAccountStatus); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return &sns.GetSMSSandboxAccountStatusOutput{IsInSandbox: s.f.smsSandbox}, nil
}

// ListSMSSandboxPhoneNumbers lists the numbers of SetSandboxVerifiedNumbers,
// as Verified, in number order.
func (s *fakeSNS) ListSMSSandboxPhoneNumbers(ctx context.Context, in *sns.ListSMSSandboxPhoneNumbersInput, _ ...func(*sns.Options)) (*sns.ListSMSSandboxPhoneNumbersOutput, error) {
	if err := s.f.enter(ctx, opListSMSSandboxPhoneNumbers); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	var numbers []string
	for n := range s.f.sandboxNumber {
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	page, next, err := snsPageOf(numbers, aws.ToString(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &sns.ListSMSSandboxPhoneNumbersOutput{NextToken: next}
	for _, n := range page {
		out.PhoneNumbers = append(out.PhoneNumbers, snstypes.SMSSandboxPhoneNumber{PhoneNumber: aws.String(n),
			Status: snstypes.SMSSandboxPhoneNumberVerificationStatusVerified})
	}
	return out, nil
}

// ListOriginationNumbers lists the numbers of AddOriginationNumber.
func (s *fakeSNS) ListOriginationNumbers(ctx context.Context, in *sns.ListOriginationNumbersInput, _ ...func(*sns.Options)) (*sns.ListOriginationNumbersOutput, error) {
	if err := s.f.enter(ctx, opListOriginationNumbers); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	page, next, err := snsPageOf(s.f.origination, aws.ToString(in.NextToken))
	if err != nil {
		return nil, err
	}
	return &sns.ListOriginationNumbersOutput{PhoneNumbers: slices.Clone(page), NextToken: next}, nil
}

// snsPageOf returns the page of items that token starts, and the next token.
func snsPageOf[T any](items []T, token string) ([]T, *string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(token, "sns:"))
		if err != nil || !strings.HasPrefix(token, "sns:") || n < 0 || n > len(items) {
			return nil, nil, &snstypes.InvalidParameterException{Message: aws.String("Invalid parameter: NextToken")}
		}
		start = n
	}
	end := min(start+snsPage, len(items))
	var next *string
	if end < len(items) {
		next = aws.String("sns:" + strconv.Itoa(end))
	}
	return items[start:end], next, nil
}
