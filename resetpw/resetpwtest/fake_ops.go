package resetpwtest

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// filterRE reads a ListUsers filter: an attribute name, bare or quoted
// (AWS's own sample sends "email"^="testuser", R24), = or ^=, and a quoted
// value whose quotes (and, assumed, backslashes) are escaped with a
// backslash.
var filterRE = regexp.MustCompile(`^\s*(?:"([\w:]+)"|([\w:]+))\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

var searchable = []string{"username", "email", "phone_number", "name", "given_name", "family_name",
	"preferred_username", "cognito:user_status", "status", "sub"}

// ListUsers lists a pool's users, filtered with attr = "value" (exact) or
// attr ^= "value" (prefix) on a searchable attribute, Limit at most 60,
// paginated.
func (f *Fake) ListUsers(ctx context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	p, err := f.enterPool(ctx, opListUsers, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	limit := int(aws.ToInt32(in.Limit))
	switch {
	case limit == 0:
		limit = 60
	case limit < 0 || limit > 60:
		return nil, invalidParameter("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60")
	}
	match, err := p.filter(aws.ToString(in.Filter))
	if err != nil {
		return nil, err
	}
	// The index: the users as they are, or as FreezeListUsers saw them.
	index, frozen := f.frozen[aws.ToString(in.UserPoolId)]
	user := func(i int) types.UserType { return index[i] }
	n := len(index)
	if !frozen && f.frozen == nil {
		user = func(i int) types.UserType { return p.users[i].userType() }
		n = len(p.users)
	}
	start := 0
	if t := aws.ToString(in.PaginationToken); t != "" {
		k, err := strconv.Atoi(strings.TrimPrefix(t, "page:"))
		if err != nil || !strings.HasPrefix(t, "page:") || k < 0 || k > n {
			return nil, invalidParameter("Invalid pagination token.")
		}
		start = k
	}
	out := &cip.ListUsersOutput{ResultMetadata: f.metadata()}
	i := start
	for ; i < n && len(out.Users) < limit; i++ {
		if u := user(i); match(u) {
			out.Users = append(out.Users, u)
		}
	}
	if i < n {
		out.PaginationToken = aws.String("page:" + strconv.Itoa(i))
	}
	return out, nil
}

// filter parses a ListUsers Filter into the test it makes of a user; an
// empty filter matches every user.
func (p *fakePool) filter(filter string) (func(types.UserType) bool, error) {
	if filter == "" {
		return func(types.UserType) bool { return true }, nil
	}
	if utf8.RuneCountInString(filter) > 256 {
		return nil, invalidParameter("1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	m := filterRE.FindStringSubmatch(filter)
	if m == nil {
		return nil, invalidParameter("Error while parsing filter.")
	}
	attr, prefix := m[1]+m[2], m[3] == "^="
	value := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[4])
	if !slices.Contains(searchable, attr) {
		return nil, invalidParameter("Invalid search attribute: " + attr)
	}
	// Every search is case-insensitive but those the filter's list marks
	// case-sensitive (R24): status always, username unless the pool is
	// case-insensitive. Phone numbers and subs have no case to fold.
	fold := attr != "status" && (attr != "username" || !p.caseSensitive())
	if fold {
		value = strings.ToLower(value)
	}
	return func(u types.UserType) bool {
		got := searchValue(u, attr)
		if fold {
			got = strings.ToLower(got)
		}
		if prefix {
			return strings.HasPrefix(got, value)
		}
		return got == value
	}, nil
}

// searchValue is the value of a searchable attribute of u, as a filter
// compares it.
func searchValue(u types.UserType, attr string) string {
	switch attr {
	case "username":
		return aws.ToString(u.Username)
	case "cognito:user_status":
		return string(u.UserStatus)
	case "status":
		return map[bool]string{true: "Enabled", false: "Disabled"}[u.Enabled]
	}
	return attrValue(u.Attributes, attr)
}

func attrValue(attrs []types.AttributeType, name string) string {
	for _, a := range attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// CreateUserPool adds a pool as AddPool does. An invitation template
// whose email or SMS message lacks {username} is refused with
// InvalidParameterException (R38; the wording is assumed).
func (f *Fake) CreateUserPool(ctx context.Context, in *cip.CreateUserPoolInput, _ ...func(*cip.Options)) (*cip.CreateUserPoolOutput, error) {
	if err := f.enter(ctx, opCreateUserPool); err != nil {
		return nil, err
	}
	if aws.ToString(in.PoolName) == "" {
		return nil, invalidParameter("1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must not be null")
	}
	if c := in.AdminCreateUserConfig; c != nil && c.InviteMessageTemplate != nil {
		for _, m := range []*string{c.InviteMessageTemplate.EmailMessage, c.InviteMessageTemplate.SMSMessage} {
			if m != nil && !strings.Contains(*m, "{username}") {
				return nil, invalidParameter("The invitation message template must contain the {username} placeholder.")
			}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.addPool(types.UserPoolType{
		Name: in.PoolName, UsernameAttributes: in.UsernameAttributes, AliasAttributes: in.AliasAttributes,
		UsernameConfiguration: in.UsernameConfiguration, AccountRecoverySetting: in.AccountRecoverySetting,
		AutoVerifiedAttributes: in.AutoVerifiedAttributes, MfaConfiguration: in.MfaConfiguration,
		SmsConfiguration: in.SmsConfiguration, EmailConfiguration: in.EmailConfiguration, LambdaConfig: in.LambdaConfig,
		Policies: in.Policies, UserPoolTags: in.UserPoolTags, AdminCreateUserConfig: in.AdminCreateUserConfig,
		UserPoolTier: cmp.Or(in.UserPoolTier, types.UserPoolTierTypeEssentials), // R71: the documented default
	})
	pool := f.pools[id].pool
	return &cip.CreateUserPoolOutput{UserPool: &pool, ResultMetadata: f.metadata()}, nil
}

// AdminCreateUser adds an enabled user in FORCE_CHANGE_PASSWORD with a
// temporary password: the TemporaryPassword given, checked against the
// password policy (InvalidPasswordException, R40, R44), or one the Fake
// generates ([Fake.TemporaryPassword] reads either). It sends no
// invitation. With MessageAction RESEND it invites an existing user again
// (fake_invite.go).
func (f *Fake) AdminCreateUser(ctx context.Context, in *cip.AdminCreateUserInput, _ ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error) {
	if in.MessageAction == types.MessageActionTypeResend {
		return f.inviteAgain(ctx, in)
	}
	var late error
	p, err := f.enterPoolLate(ctx, opAdminCreateUser, in.UserPoolId, &late)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if err := p.refuseOnReplica(); err != nil {
		return nil, err
	}
	pw := aws.ToString(in.TemporaryPassword)
	if pw != "" {
		if err := p.checkPassword(pw); err != nil {
			return nil, err
		}
	} else {
		pw = p.generatedPassword()
	}
	u, err := f.newUser(p, aws.ToString(in.Username), in.UserAttributes)
	if err != nil {
		return nil, err
	}
	u.status = types.UserStatusTypeForceChangePassword
	u.temporary = p.temporaryPassword(pw, f.now())
	p.add(u)
	if late != nil {
		return nil, late // created, then the message failed (R62)
	}
	ut := u.userType()
	return &cip.AdminCreateUserOutput{User: &ut, ResultMetadata: f.metadata()}, nil
}

// AdminDisableUser disables the user.
func (f *Fake) AdminDisableUser(ctx context.Context, in *cip.AdminDisableUserInput, _ ...func(*cip.Options)) (*cip.AdminDisableUserOutput, error) {
	return updateUserOp(ctx, f, opAdminDisableUser, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminDisableUserOutput, error) {
		u.enabled = false
		return &cip.AdminDisableUserOutput{ResultMetadata: f.metadata()}, nil
	})
}

// AdminEnableUser enables the user.
func (f *Fake) AdminEnableUser(ctx context.Context, in *cip.AdminEnableUserInput, _ ...func(*cip.Options)) (*cip.AdminEnableUserOutput, error) {
	return updateUserOp(ctx, f, opAdminEnableUser, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminEnableUserOutput, error) {
		u.enabled = true
		return &cip.AdminEnableUserOutput{ResultMetadata: f.metadata()}, nil
	})
}

// AdminUpdateUserAttributes sets attributes. A new email or phone number is
// unverified unless the same call marks it verified, as in Cognito.
func (f *Fake) AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, _ ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error) {
	return updateUserOp(ctx, f, opAdminUpdateUserAttributes, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminUpdateUserAttributesOutput, error) {
		given := map[string]bool{}
		for _, a := range in.UserAttributes {
			given[aws.ToString(a.Name)] = true
		}
		before := cloneAttrs(u.attrs)
		for _, a := range in.UserAttributes {
			name, value := aws.ToString(a.Name), aws.ToString(a.Value)
			if name == "sub" {
				return nil, invalidParameter("Cannot modify the non-mutable attribute sub")
			}
			if (name == "email" || name == "phone_number") && u.attr(name) != value && !given[name+"_verified"] {
				u.setAttr(name+"_verified", "false")
			}
			u.setAttr(name, value)
		}
		if p := f.pools[aws.ToString(in.UserPoolId)]; p != nil {
			if holder := p.signInHeldElsewhere(u); holder != "" {
				u.attrs = before
				return nil, &types.AliasExistsException{Message: aws.String("An account with the given " + holder + " already exists.")}
			}
		}
		return &cip.AdminUpdateUserAttributesOutput{ResultMetadata: f.metadata()}, nil
	})
}

// AdminSetUserMFAPreference turns SMS, email and software-token MFA on or
// off for a user and sets the preferred one, as SetUserMFA does.
func (f *Fake) AdminSetUserMFAPreference(ctx context.Context, in *cip.AdminSetUserMFAPreferenceInput, _ ...func(*cip.Options)) (*cip.AdminSetUserMFAPreferenceOutput, error) {
	return updateUserOp(ctx, f, opAdminSetUserMFAPreference, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminSetUserMFAPreferenceOutput, error) {
		set := func(name string, enabled, preferred bool) {
			u.mfaSettings = slices.DeleteFunc(u.mfaSettings, func(s string) bool { return s == name })
			if u.preferredMFA == name {
				u.preferredMFA = ""
			}
			if enabled {
				u.mfaSettings = append(u.mfaSettings, name)
				if preferred {
					u.preferredMFA = name
				}
			}
		}
		if s := in.SMSMfaSettings; s != nil {
			set("SMS_MFA", s.Enabled, s.PreferredMfa)
		}
		if s := in.EmailMfaSettings; s != nil {
			set("EMAIL_OTP", s.Enabled, s.PreferredMfa)
		}
		if s := in.SoftwareTokenMfaSettings; s != nil {
			set("SOFTWARE_TOKEN_MFA", s.Enabled, s.PreferredMfa)
		}
		return &cip.AdminSetUserMFAPreferenceOutput{ResultMetadata: f.metadata()}, nil
	})
}

// AdminUserGlobalSignOut signs a user out of every session, and records it
// (SignOuts).
func (f *Fake) AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, _ ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	return updateUserOp(ctx, f, opAdminUserGlobalSignOut, in.UserPoolId, in.Username, func(u *fakeUser) (*cip.AdminUserGlobalSignOutOutput, error) {
		f.signOuts = append(f.signOuts, SignOut{UserPoolID: aws.ToString(in.UserPoolId), Username: u.username, At: f.now()})
		return &cip.AdminUserGlobalSignOutOutput{ResultMetadata: f.metadata()}, nil
	})
}

func updateUserOp[T any](ctx context.Context, f *Fake, op string, poolID, username *string, fn func(*fakeUser) (T, error)) (T, error) {
	var zero T
	if err := f.enter(ctx, op); err != nil {
		return zero, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.lookupToWrite(aws.ToString(poolID), aws.ToString(username))
	if err != nil {
		return zero, err
	}
	out, err := fn(u)
	if err == nil {
		u.modified = f.now()
	}
	return out, err
}
