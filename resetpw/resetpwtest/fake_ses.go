package resetpwtest

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/cognitoreset/cognitoreset/groundtruth"
)

// SES operation names, for Calls and FailNext.
const (
	opGetAccount       = "GetAccount"
	opGetEmailIdentity = "GetEmailIdentity"
)

// The SES sending quotas of a Fake's SES account over 24 hours: the sandbox's
// documented 200 (GetAccountOutput.ProductionAccessEnabled, sesv2 v1.79.9's
// SendQuota), and a production figure of the Fake's own.
const (
	sesSandboxQuota    = 200
	sesProductionQuota = 50000
)

// fakeSESState is the Amazon SES account that pools with EmailSendingAccount
// DEVELOPER send through. The Fake's rules for it, written apart from
// resetpw's (docs/cognito-rules.md, R34, R35):
//   - in the sandbox, email reaches only verified identities: the address,
//     or its domain;
//   - identities match exactly, case included (SES has been seen to refuse
//     a From address whose domain's case differs from the verified
//     identity's, nodemailer/nodemailer#1080);
//   - the pool's sending identity (EmailConfiguration.SourceArn's) must be
//     verified, when the pool names one;
//   - paused sending, or a spent 24-hour quota, sends nothing;
//   - what SES won't send is recorded as a Delivery that is Dropped, with
//     AdminResetUserPassword answering success (assumed, R34).
type fakeSESState struct {
	sandbox  bool
	paused   bool
	verified map[string]bool // identity names, exactly as verified
	sent     []time.Time     // accepted by SES, for SentLast24Hours
}

func newFakeSESState() fakeSESState { return fakeSESState{verified: map[string]bool{}} }

func (s *fakeSESState) quota() float64 {
	if s.sandbox {
		return sesSandboxQuota
	}
	return sesProductionQuota
}

// sentSince prunes and counts the emails of the 24 hours before now.
func (s *fakeSESState) sentSince(now time.Time) int {
	recent := s.sent[:0]
	for _, t := range s.sent {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	s.sent = recent
	return len(recent)
}

// verifiedAddress reports whether an address, or its domain, is verified,
// compared exactly.
func (s *fakeSESState) verifiedAddress(addr string) bool {
	if s.verified[addr] {
		return true
	}
	at := strings.LastIndexByte(addr, '@')
	return at >= 0 && s.verified[addr[at+1:]]
}

// send decides the fate of an email through SES: accepted, or dropped.
func (s *fakeSESState) send(sourceARN string, d *Delivery, now time.Time) {
	source := ""
	if i := strings.Index(sourceARN, ":identity/"); i >= 0 {
		source = sourceARN[i+len(":identity/"):]
	}
	switch {
	case s.paused:
		d.Dropped, d.DropReason = true, "SES sending paused"
	case source != "" && !s.verifiedAddress(source):
		d.Dropped, d.DropReason = true, "SES sending identity not verified"
	case float64(s.sentSince(now)) >= s.quota():
		d.Dropped, d.DropReason = true, "SES 24-hour quota spent"
	case s.sandbox && !s.verifiedAddress(d.Destination):
		d.Dropped, d.DropReason = true, "SES sandbox: recipient not verified"
	default:
		s.sent = append(s.sent, now)
	}
}

// SetSESSandbox puts the Fake's SES account in the SES sandbox, or takes it
// out (the default): in the sandbox, email through SES reaches only
// verified identities (VerifySESIdentities).
func (f *Fake) SetSESSandbox(in bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ses.sandbox = in
}

// PauseSESSending pauses the SES account's sending, or resumes it: paused,
// no email goes out through SES.
func (f *Fake) PauseSESSending(paused bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ses.paused = paused
}

// VerifySESIdentities adds verified SES identities: email addresses or
// domains, compared exactly (case included). A pool's sending identity (its
// SourceArn's) must be one, and so must, in the sandbox, the recipient or
// its domain.
func (f *Fake) VerifySESIdentities(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		f.ses.verified[n] = true
	}
}

// fakeSES is the Amazon SES side of a [Fake]: the account's sending state
// and verified identities that the Fake's SES deliveries obey. It
// implements groundtruth.SESAPI, for groundtruth.WithSES.
type fakeSES struct{ f *Fake }

var _ groundtruth.SESAPI = (*fakeSES)(nil)

// SES returns the Fake's SES side. Its Region method says it is for the
// Fake's Region, so that groundtruth asks it only about pools that send
// email from there (R35).
func (f *Fake) SES() groundtruth.SESAPI { return &fakeSES{f} }

// Region is the Region the Fake's SES is for, the Fake's own (us-west-2).
func (s *fakeSES) Region() string { return s.f.region }

// GetAccount says whether the account has production access (not
// SetSESSandbox), whether sending is enabled (not PauseSESSending), and its
// 24-hour quota and use.
func (s *fakeSES) GetAccount(ctx context.Context, _ *sesv2.GetAccountInput, _ ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error) {
	if err := s.f.enter(ctx, opGetAccount); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	st := &s.f.ses
	status := "HEALTHY"
	if st.paused {
		status = "SHUTDOWN"
	}
	return &sesv2.GetAccountOutput{ProductionAccessEnabled: !st.sandbox, SendingEnabled: !st.paused, EnforcementStatus: aws.String(status),
		SendQuota: &sestypes.SendQuota{Max24HourSend: st.quota(), MaxSendRate: 1, SentLast24Hours: float64(st.sentSince(s.f.now()))}}, nil
}

// GetEmailIdentity answers for a verified identity (VerifiedForSendingStatus
// true) and NotFoundException for any other name.
func (s *fakeSES) GetEmailIdentity(ctx context.Context, in *sesv2.GetEmailIdentityInput, _ ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error) {
	if err := s.f.enter(ctx, opGetEmailIdentity); err != nil {
		return nil, err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	name := aws.ToString(in.EmailIdentity)
	if !s.f.ses.verified[name] {
		return nil, &sestypes.NotFoundException{Message: aws.String("Email identity " + name + " does not exist.")}
	}
	kind := sestypes.IdentityTypeEmailAddress
	if !strings.Contains(name, "@") {
		kind = sestypes.IdentityTypeDomain
	}
	return &sesv2.GetEmailIdentityOutput{IdentityType: kind, VerifiedForSendingStatus: true,
		VerificationStatus: sestypes.VerificationStatusSuccess}, nil
}
