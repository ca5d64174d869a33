package groundtruth

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// SESAPI is the part of *sesv2.Client that WithSES uses to learn the
// account's email sending state and which identities are verified; the SDK
// client satisfies it, and so does resetpwtest.Fake's SES().
type SESAPI interface {
	GetAccount(context.Context, *sesv2.GetAccountInput, ...func(*sesv2.Options)) (*sesv2.GetAccountOutput, error)
	GetEmailIdentity(context.Context, *sesv2.GetEmailIdentityInput, ...func(*sesv2.Options)) (*sesv2.GetEmailIdentityOutput, error)
}

var _ SESAPI = (*sesv2.Client)(nil)

// WithSES asks Amazon SES, through client, about the email of pools whose
// EmailSendingAccount is DEVELOPER (R34, R35): whether the account is in
// the SES sandbox, whether its sending is enabled and how much of its
// 24-hour quota is left (GetAccount), whether the pool's sending identity
// (the identity of EmailConfiguration.SourceArn) is verified, and, in the
// sandbox, whether the recipient's address or domain is (GetEmailIdentity).
// The client must be for the account and Region of the SourceArn
// (CheckPool reports them as SESAccount and SESRegion) and say its Region
// (a Region method, or Options as *sesv2.Client has): a client for another
// Region, or one that does not say, is not asked about that pool, whose
// codes carry resetpw.CaveatSESUnknown as without WithSES; the account
// can't be checked, and a client for another account answers about that
// account's SES. Answers are cached for the pool cache TTL and read
// only when a code would go by email through SES. The SDK client's own
// retries apply: these calls are reads.
//
// Then a reset is refused before anything is sent: as resetpw.ErrSESSandbox
// when the account is in the sandbox and the recipient is not verified
// there, as resetpw.ErrDeliveryConfig when sending is paused, the sending
// identity is not verified, or the 24-hour quota is spent. When an SES read
// fails, the reset fails with the error's kind and nothing is sent.
func WithSES(client SESAPI) resetpw.Option {
	var t engine.EmailTruth
	if client != nil {
		t = sesTruth{client}
	}
	return resetpw.Option(engine.WithEmailTruth(t))
}

type sesTruth struct{ api SESAPI }

// ReadEmailAccount reads the account's sending state.
func (t sesTruth) ReadEmailAccount(ctx context.Context) (*engine.EmailAccount, error) {
	out, err := t.api.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		return nil, err
	}
	// SHUTDOWN: "Your account's ability to send email is currently paused"
	// (GetAccountOutput.EnforcementStatus), whatever SendingEnabled says.
	enabled := out.SendingEnabled && !strings.EqualFold(aws.ToString(out.EnforcementStatus), "SHUTDOWN")
	a := &engine.EmailAccount{Production: out.ProductionAccessEnabled, SendingEnabled: enabled, Max24h: -1}
	if q := out.SendQuota; q != nil {
		a.Max24h, a.Sent24h = q.Max24HourSend, q.SentLast24Hours
	}
	return a, nil
}

// IdentityVerified reads GetEmailIdentity's VerifiedForSendingStatus;
// NotFoundException: not an identity.
func (t sesTruth) IdentityVerified(ctx context.Context, name string) (bool, error) {
	out, err := t.api.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(name)})
	var nf *sestypes.NotFoundException
	switch {
	case errors.As(err, &nf):
		return false, nil
	case err != nil:
		return false, err
	}
	return out.VerifiedForSendingStatus, nil
}

// Region returns the Region of a client that tells it (a Region method,
// or Options as *sesv2.Client has), or "".
func (t sesTruth) Region() string {
	switch c := t.api.(type) {
	case interface{ Region() string }:
		return c.Region()
	case interface{ Options() sesv2.Options }:
		return c.Options().Region
	}
	return ""
}
