package resetpwtest

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// temporaryPassword is a user's temporary password and when it expires
// (R43). The Fake keeps the value so that a test can read it
// ([Fake.TemporaryPassword]); no answer of the Fake or the Server holds it.
type temporaryPassword struct {
	value   string
	expires time.Time
}

// cognitoSymbols is Cognito's set of special characters (R44); a space that
// is neither first nor last counts as one too.
const cognitoSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"

// temporaryPassword returns pw as a temporary password set at now, valid
// for the pool's TemporaryPasswordValidityDays; when that is unset or 0,
// for the legacy AdminCreateUserConfig.UnusedAccountValidityDays when set,
// else 7 (R43).
func (p *fakePool) temporaryPassword(pw string, now time.Time) temporaryPassword {
	days := int32(7)
	if c := p.pool.AdminCreateUserConfig; c != nil && c.UnusedAccountValidityDays > 0 {
		days = c.UnusedAccountValidityDays
	}
	if pp := p.passwordPolicy(); pp != nil && pp.TemporaryPasswordValidityDays > 0 {
		days = pp.TemporaryPasswordValidityDays
	}
	return temporaryPassword{value: pw, expires: now.AddDate(0, 0, int(days))}
}

func (p *fakePool) passwordPolicy() *types.PasswordPolicyType {
	if p.pool.Policies == nil {
		return nil
	}
	return p.pool.Policies.PasswordPolicy
}

// checkPassword answers InvalidPasswordException when pw breaks the pool's
// password policy, or Cognito's default policy when it has none (R44). The
// message's wording is assumed.
func (p *fakePool) checkPassword(pw string) error {
	minLen, upper, lower, number, symbol := 8, true, true, true, true
	if pp := p.passwordPolicy(); pp != nil {
		upper, lower, number, symbol = pp.RequireUppercase, pp.RequireLowercase, pp.RequireNumbers, pp.RequireSymbols
		if pp.MinimumLength != nil {
			minLen = int(*pp.MinimumLength)
		}
	}
	fail := func(why string) error {
		return &types.InvalidPasswordException{Message: aws.String("Password did not conform with policy: " + why)}
	}
	if utf8.RuneCountInString(pw) > 256 {
		return fail("Password too long")
	}
	if strings.HasPrefix(pw, " ") || strings.HasSuffix(pw, " ") {
		return fail("Password must not begin or end with a space")
	}
	var hasUpper, hasLower, hasNumber, hasSymbol bool
	for _, c := range pw {
		switch {
		case c >= 'A' && c <= 'Z':
			hasUpper = true
		case c >= 'a' && c <= 'z':
			hasLower = true
		case c >= '0' && c <= '9':
			hasNumber = true
		case c == ' ' || strings.ContainsRune(cognitoSymbols, c):
			hasSymbol = true
		}
	}
	switch {
	case utf8.RuneCountInString(pw) < minLen:
		return fail("Password not long enough")
	case upper && !hasUpper:
		return fail("Password must have uppercase characters")
	case lower && !hasLower:
		return fail("Password must have lowercase characters")
	case number && !hasNumber:
		return fail("Password must have numeric characters")
	case symbol && !hasSymbol:
		return fail("Password must have symbol characters")
	}
	return nil
}

// AdminSetUserPassword sets a user's password (R41, R42): checked against
// the pool's password policy (InvalidPasswordException), then, when
// Permanent, the user is CONFIRMED; otherwise the user is in
// FORCE_CHANGE_PASSWORD with a temporary password that expires after the
// pool's TemporaryPasswordValidityDays. A federated (EXTERNAL_PROVIDER)
// profile becomes a native user, as in Cognito. A disabled user stays
// disabled.
func (f *Fake) AdminSetUserPassword(ctx context.Context, in *cip.AdminSetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error) {
	out, err := updateUserOp(ctx, f, opAdminSetUserPassword, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminSetUserPasswordOutput, error) {
		pw := aws.ToString(in.Password)
		if pw == "" {
			return nil, invalidParameter("1 validation error detected: Value at 'password' failed to satisfy constraint: Member must not be null")
		}
		p := f.pools[aws.ToString(in.UserPoolId)]
		if err := p.checkPassword(pw); err != nil {
			return nil, err
		}
		if in.Permanent {
			u.status, u.temporary = types.UserStatusTypeConfirmed, temporaryPassword{}
		} else {
			u.status, u.temporary = types.UserStatusTypeForceChangePassword, p.temporaryPassword(pw, f.now())
		}
		return &cip.AdminSetUserPasswordOutput{ResultMetadata: f.metadata()}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, f.answerLate(ctx)
}

// TemporaryPassword returns the temporary password the user of the pool
// holds, set by AdminSetUserPassword with Permanent false or by
// AdminCreateUser (RESEND included), and when it expires. ok is false when
// the user holds none: it never had one, set a permanent password since, or
// does not exist. Neither the Fake's answers nor the Server's hold it, as
// in Cognito: a test reads it here.
func (f *Fake) TemporaryPassword(poolID, username string) (password string, expires time.Time, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.lookup(poolID, username)
	if err != nil || u.temporary.value == "" {
		return "", time.Time{}, false
	}
	return u.temporary.value, u.temporary.expires, true
}

// answerLate waits for the Fake's DelayAnswers delay after a request was
// acted on: an answer the caller may never see.
func (f *Fake) answerLate(ctx context.Context) error {
	f.mu.Lock()
	d := f.answerDelay
	f.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err() // done, but the answer is lost
	case <-t.C:
		return nil
	}
}
