package resetpw

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"golang.org/x/sync/singleflight"

	"github.com/cognitoreset/cognitoreset/alias"
)

// Delivery media, as Cognito names them.
const (
	MediumEmail = "EMAIL"
	MediumSMS   = "SMS"
)

// poolInfo is what preflight needs of a pool.
type poolInfo struct {
	signIn       alias.PoolConfig
	mechanisms   []types.RecoveryOptionNameType // by priority
	adminOnly    bool
	smsFailure   string
	emailFailure string
}

func poolInfoFrom(p *types.UserPoolType) *poolInfo {
	info := &poolInfo{signIn: alias.PoolConfigFrom(p)}
	if p == nil {
		return info
	}
	info.smsFailure = strings.TrimSpace(aws.ToString(p.SmsConfigurationFailure))
	info.emailFailure = strings.TrimSpace(aws.ToString(p.EmailConfigurationFailure))
	var opts []types.RecoveryOptionType
	if p.AccountRecoverySetting != nil {
		opts = slices.Clone(p.AccountRecoverySetting.RecoveryMechanisms)
	}
	if len(opts) == 0 {
		// No setting: Cognito's legacy behaviour, SMS before email.
		info.mechanisms = []types.RecoveryOptionNameType{
			types.RecoveryOptionNameTypeVerifiedPhoneNumber, types.RecoveryOptionNameTypeVerifiedEmail}
		return info
	}
	slices.SortStableFunc(opts, func(a, b types.RecoveryOptionType) int {
		return int(aws.ToInt32(a.Priority)) - int(aws.ToInt32(b.Priority))
	})
	for _, o := range opts {
		if o.Name == types.RecoveryOptionNameTypeAdminOnly {
			info.adminOnly = true
		}
		info.mechanisms = append(info.mechanisms, o.Name)
	}
	return info
}

// poolCache keeps pool descriptions for a TTL and fetches each pool once at a
// time, however many resets ask for it.
type poolCache struct {
	mu      sync.Mutex
	entries map[string]poolEntry
	group   singleflight.Group
}

type poolEntry struct {
	info    *poolInfo
	expires time.Time
}

func (r *Resetter) pool(ctx context.Context, g gate, poolID string) (*poolInfo, error) {
	c := &r.pools
	c.mu.Lock()
	e, ok := c.entries[poolID]
	c.mu.Unlock()
	if ok && r.now().Before(e.expires) {
		return e.info, nil
	}
	for {
		ch := c.group.DoChan(poolID, func() (any, error) {
			out, err := call(ctx, r, g, catPoolRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
				return r.api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: &poolID}, o...)
			})
			if err != nil {
				return nil, err
			}
			info := poolInfoFrom(out.UserPool)
			c.mu.Lock()
			if c.entries == nil {
				c.entries = map[string]poolEntry{}
			}
			c.entries[poolID] = poolEntry{info: info, expires: r.now().Add(r.cfg.poolTTL)}
			c.mu.Unlock()
			return info, nil
		})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case res := <-ch:
			if res.Err != nil {
				// The fetch ran under another reset's context; if that one
				// ended, this one fetches again under its own.
				if isContextErr(res.Err) && ctx.Err() == nil {
					continue
				}
				return nil, res.Err
			}
			return res.Val.(*poolInfo), nil
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// userInfo is what preflight reads of a user.
type userInfo struct {
	username string
	enabled  bool
	status   types.UserStatusType
	attrs    map[string]string
	smsMFA   bool
}

func userInfoFrom(out *cip.AdminGetUserOutput) *userInfo {
	u := &userInfo{
		username: aws.ToString(out.Username),
		enabled:  out.Enabled,
		status:   out.UserStatus,
		attrs:    make(map[string]string, len(out.UserAttributes)),
	}
	for _, a := range out.UserAttributes {
		u.attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	u.smsMFA = slices.Contains(out.UserMFASettingList, "SMS_MFA") || aws.ToString(out.PreferredMfaSetting) == "SMS_MFA"
	for _, o := range out.MFAOptions {
		if o.DeliveryMedium == types.DeliveryMediumTypeSms {
			u.smsMFA = true
		}
	}
	return u
}

// refusal is a preflight finding that stops a reset.
type refusal struct {
	kind   error
	reason string
}

func (f *refusal) Error() string { return f.reason }

// checkUser applies the user rules: enabled, and a status that allows a reset.
func checkUser(u *userInfo) *refusal {
	if !u.enabled {
		return &refusal{ErrUserDisabled, "the user is disabled"}
	}
	switch u.status {
	case types.UserStatusTypeConfirmed, types.UserStatusTypeResetRequired:
		return nil
	}
	return &refusal{ErrUserState, fmt.Sprintf("user status %s does not allow a reset (CONFIRMED or RESET_REQUIRED do)", u.status)}
}

// predict walks the pool's recovery mechanisms by priority and returns where
// Cognito will send the code, the destination unmasked, or why it can't.
func (r *Resetter) predict(p *poolInfo, u *userInfo) (medium, dest string, _ *refusal) {
	if p.adminOnly {
		return "", "", &refusal{ErrRecoveryNotConfigured, "the pool's account recovery is admin_only"}
	}
	for _, m := range p.mechanisms {
		switch m {
		case types.RecoveryOptionNameTypeVerifiedEmail:
			if e := u.attrs["email"]; e != "" && u.attrs["email_verified"] == "true" {
				medium, dest = MediumEmail, e
			}
		case types.RecoveryOptionNameTypeVerifiedPhoneNumber:
			if ph := u.attrs["phone_number"]; ph != "" && u.attrs["phone_number_verified"] == "true" && !u.smsMFA {
				medium, dest = MediumSMS, ph
			}
		}
		if medium != "" {
			break
		}
	}
	if medium == "" {
		reason := "no verified email or phone number qualifies under the pool's recovery settings"
		if u.smsMFA && u.attrs["phone_number_verified"] == "true" {
			reason += " (SMS does not qualify: the user has SMS MFA)"
		}
		return "", "", &refusal{ErrNoVerifiedContact, reason}
	}
	failure := p.emailFailure
	if medium == MediumSMS {
		failure = p.smsFailure
	}
	if failure == "" {
		return medium, dest, nil
	}
	sandbox, other := false, false
	for part := range strings.SplitSeq(failure, ",") {
		if strings.EqualFold(strings.TrimSpace(part), "SNSSandbox") {
			sandbox = true
		} else if strings.TrimSpace(part) != "" {
			other = true
		}
	}
	switch {
	case medium == MediumSMS && other, medium == MediumEmail:
		return "", "", &refusal{ErrDeliveryConfig, fmt.Sprintf("the pool's %s configuration is failing", strings.ToLower(medium))}
	case sandbox && !r.cfg.sandboxVerified[stripPlusSeparators(dest)]:
		return "", "", &refusal{ErrSMSSandbox, "the account is in the SNS SMS sandbox and the number is not listed as verified there"}
	}
	return medium, dest, nil
}

func stripPlusSeparators(p string) string {
	n, err := alias.Normalize(p, alias.Phone, alias.PoolConfig{CaseSensitive: true}, alias.Options{})
	if err != nil {
		return p
	}
	return n
}
