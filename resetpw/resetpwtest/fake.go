package resetpwtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"

	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Operation is a Cognito, SNS or SES operation as on the wire, such as
// "AdminResetUserPassword" (the SDK client's method name), for Calls,
// FailNext and SetLatency.
type Operation string

// Operation names, as on the wire.
const (
	opAdminResetUserPassword    = "AdminResetUserPassword"
	opAdminGetUser              = "AdminGetUser"
	opDescribeUserPool          = "DescribeUserPool"
	opListUsers                 = "ListUsers"
	opCreateUserPool            = "CreateUserPool"
	opAdminCreateUser           = "AdminCreateUser"
	opAdminSetUserPassword      = "AdminSetUserPassword"
	opAdminDisableUser          = "AdminDisableUser"
	opAdminEnableUser           = "AdminEnableUser"
	opAdminUpdateUserAttributes = "AdminUpdateUserAttributes"
	opAdminSetUserMFAPreference = "AdminSetUserMFAPreference"
	opAdminUserGlobalSignOut    = "AdminUserGlobalSignOut"
	opCreateUserPoolClient      = "CreateUserPoolClient"
	opConfirmForgotPassword     = "ConfirmForgotPassword"
)

// Quota categories and Cognito's account-wide rates for them, per second.
var quotaOf = map[string]struct {
	category string
	rps      float64
}{
	opAdminResetUserPassword: {"UserAccountRecovery", 30},
	opAdminGetUser:           {"UserRead", 120},
	opListUsers:              {"UserList", 30},
	opDescribeUserPool:       {"UserPoolRead", 15},
	opAdminUserGlobalSignOut: {"UserUpdate", 25},
	opAdminCreateUser:        {"UserCreation", 50},        // R49
	opAdminSetUserPassword:   {"UserAccountRecovery", 30}, // R49
}

// Delivery is a code the Fake sent, or would have sent.
type Delivery struct {
	// Invitation is true for an invitation (AdminCreateUser with RESEND,
	// R38), false for a reset code. An invitation carries a temporary
	// password, which Delivery leaves out: read it with
	// [Fake.TemporaryPassword].
	Invitation  bool
	UserPoolID  string
	Username    string
	Medium      resetpw.Medium // resetpw.MediumEmail or resetpw.MediumSMS
	Destination string         // the raw email or phone number
	// Sender is who was handed the code: resetpw.SenderSNS, SenderSES,
	// SenderCognitoDefault, or SenderLambda for a custom sender trigger.
	Sender         resetpw.Sender
	ClientMetadata map[string]string
	// Dropped is true when Cognito would answer success but the code never
	// arrives: SNS's SMS sandbox and an unverified number, a failing SMS
	// configuration, or an email SES won't send (its sandbox and an
	// unverified recipient, paused sending, an unverified sending identity,
	// a spent quota). DropReason says which.
	Dropped    bool
	DropReason string
	At         time.Time
	// Code is the confirmation code sent, which ConfirmForgotPassword
	// takes until it expires (an hour after At, on the Fake's clock) or a
	// later code replaces it (R63, R64). Subject and Message are the
	// message the user gets, set when a custom message trigger built it
	// (Fake.SetTrigger). An invitation's Message keeps "{####}" where its
	// temporary password goes, and its Code is empty: no Delivery holds a
	// password.
	Code, Subject, Message string
}

// SignOut is a user the Fake signed out of every session
// (AdminUserGlobalSignOut).
type SignOut struct {
	UserPoolID string
	Username   string
	At         time.Time
}

// Fake is an in-memory Amazon Cognito user pool service for tests. It
// implements resetpw.API and the setup operations served by [Server], its
// [Fake.SNS] implements resetpw.SNSAPI and its [Fake.SES] resetpw.SESAPI.
// It is safe for concurrent use.
//
// It models the rules of docs/cognito-rules.md, written apart from resetpw's
// own code so that tests of one check the other, and follows real Cognito
// where moto_server does not:
//
//   - recovery (R1 to R8): admin_only refuses AdminResetUserPassword with
//     NotAuthorizedException "Contact administrator to reset password.";
//     with an AccountRecoverySetting the mechanisms go by Priority, SMS MFA
//     disqualifies SMS and email MFA (EMAIL_OTP) disqualifies email; without
//     one, the legacy order (verified phone, then verified email) applies
//     and MFA disqualifies nothing; no qualifying contact answers
//     InvalidParameterException.
//   - delivery (R12 to R20): a CustomSMSSender or CustomEmailSender trigger
//     takes its medium (Sender LAMBDA, never dropped by SNS); SMS through
//     SNS is dropped, silently, when the account is in the SMS sandbox
//     ([Fake.SetSMSSandbox], or the pool's SmsConfigurationFailure naming
//     SNSSandbox) and the number is not verified there, or when the pool's
//     SmsConfigurationFailure names a failure other than the SMS role's; a
//     broken SMS role (InvalidSmsRoleAccessPolicyException or
//     InvalidSmsRoleTrustRelationshipException in that field) answers that
//     exception (R16); the deprecated EmailConfigurationFailure is kept but
//     not acted on; with [Fake.SetDailyEmailLimit], email through
//     COGNITO_DEFAULT past the cap of the pool's account (its ARN's) over a
//     rolling 24 hours answers LimitExceededException "Exceeded daily email
//     limit ..." (R20, R36, R37). The SMS sandbox is one, which [Fake.SNS]
//     reports as SNS and as AWS End User Messaging SMS, and which drops SMS
//     sent through End User Messaging directly (no SNS role) alike (R67,
//     R69).
//   - multi-Region pools (R68): the Fake is us-west-2's endpoint; a pool
//     added with an ID in another Region is a secondary replica, which
//     serves reads and answers every user write (resets, passwords,
//     invitations, sign-outs) with OperationNotEnabledException.
//   - SES (R34, R35; [Fake.SES], [FakeSES]): email of a DEVELOPER pool is
//     dropped, silently, when SES sending is paused, the pool's SourceArn
//     identity is not verified, the 24-hour quota is spent, or the account
//     is in the SES sandbox and neither the recipient nor its domain is a
//     verified identity.
//   - users (R10, R11): disabled, and statuses other than CONFIRMED and
//     RESET_REQUIRED (FORCE_CHANGE_PASSWORD, EXTERNAL_PROVIDER) are refused
//     with NotAuthorizedException; UNCONFIRMED too, unless no verified
//     contact qualifies (R8): then InvalidParameterException, as users
//     observed.
//   - lookups (R23 to R27, R32): a Username names the user whose username,
//     or else whose sub (in any case), it is, and only then one who holds it as a
//     sign-in attribute: AliasAttributes (verified email or phone, or a
//     preferred_username; no username may look like an email or phone
//     alias), UsernameAttributes (the username is the sub), and
//     UsernameConfiguration.CaseSensitive=false; a sign-in value is held by
//     one user only (a second holder is refused on creation and update);
//     ListUsers pages as Cognito does, compares email case-insensitively in
//     every pool (R24), and [Fake.FreezeListUsers] makes its index stale.
//   - AdminUserGlobalSignOut is recorded (SignOuts).
//   - a user's own recovery (R63, R64): each Delivery carries its Code, the
//     user's only valid one (a new code replaces the last);
//     ConfirmForgotPassword takes it within the hour on the Fake's clock
//     and makes the user CONFIRMED; past the hour the user stays
//     RESET_REQUIRED.
//   - optional per-user attempt limits, quotas, faults and latency.
//
// It does not model carrier filtering of SMS (US origination numbers are
// only listed, R19), Lambda triggers' code (but for a custom message trigger
// written in Go: [Fake.SetTrigger]), AutoVerifiedAttributes, or the
// 10-operations-per-user-per-second quota. Errors are the SDK's own
// types.*Exception values with Cognito's messages.
type Fake struct {
	mu            sync.Mutex
	region        string
	pools         map[string]*fakePool
	now           func() time.Time
	attemptLimit  int
	faults        map[string][]error
	latency       map[string]time.Duration
	answerDelay   time.Duration
	limiters      map[string]*rate.Limiter
	sandboxNumber map[string]bool
	eumsNumber    map[string]bool // End User Messaging's own verified numbers; nil: sandboxNumber (fake_eums.go)
	smsSandbox    bool
	origination   []snstypes.PhoneNumberInformation
	account       string                 // the AWS account of pools added without an Arn
	dailyEmail    int                    // 0: no cap
	emailsSent    map[string][]time.Time // through COGNITO_DEFAULT, per account and Region, for the daily cap
	ses           fakeSESState
	frozen        map[string][]types.UserType
	deliveries    []Delivery
	signOuts      []SignOut
	clients       map[string]string // app client ID: its pool's ID
	calls         map[string]int
	requestSeq    int
	triggers      map[string]customMessageFunc // by Lambda ARN: fake_trigger.go
}

var _ resetpw.API = (*Fake)(nil) // sign-out included

type fakePool struct {
	pool    types.UserPoolType
	primary string               // a secondary replica's primary Region, "" otherwise (fake_replica.go)
	users   []*fakeUser          // in the order added: ListUsers' order
	byName  map[string]*fakeUser // by nameKey(username)
}

// nameKey is how the pool compares usernames: exactly, or folded when it is
// case-insensitive.
func (p *fakePool) nameKey(name string) string {
	if p.caseSensitive() {
		return name
	}
	return strings.ToLower(name)
}

// add appends u, whose name newUser checked is free.
func (p *fakePool) add(u *fakeUser) {
	if p.byName == nil {
		p.byName = map[string]*fakeUser{}
	}
	p.users = append(p.users, u)
	p.byName[p.nameKey(u.username)] = u
}

type fakeUser struct {
	username     string
	attrs        []types.AttributeType
	enabled      bool
	status       types.UserStatusType
	mfaOptions   []types.MFAOptionType
	mfaSettings  []string
	preferredMFA string
	created      time.Time
	modified     time.Time
	resets       []time.Time
	temporary    temporaryPassword // the last one set, until a permanent one replaces it
	code         string            // the last code sent, until used
	codeAt       time.Time         // when it was sent
	oldCodes     []string          // the last codes spent or replaced (at most maxOldCodes)
}

// NewFake returns an empty Fake in region us-west-2 on the real clock, with
// no attempt limit, quotas, faults or latency.
func NewFake() *Fake {
	return &Fake{
		region:        "us-west-2",
		account:       DefaultAccount,
		emailsSent:    map[string][]time.Time{},
		ses:           newFakeSESState(),
		pools:         map[string]*fakePool{},
		now:           time.Now,
		faults:        map[string][]error{},
		latency:       map[string]time.Duration{},
		sandboxNumber: map[string]bool{},
		calls:         map[string]int{},
		clients:       map[string]string{},
	}
}

// SetClock replaces the clock used for attempt limits and dates.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetAttemptLimit allows n AdminResetUserPassword calls per user per rolling
// hour; more answer LimitExceededException. 0 turns the limit off (the
// default). Cognito's own limit is between 5 and 20.
func (f *Fake) SetAttemptLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attemptLimit = n
}

// FailNext makes the next n calls of op fail with err, before anything else
// is checked. A *types.CodeDeliveryFailureException for AdminCreateUser or
// AdminResetUserPassword is answered after the call's work instead, as
// Cognito may: the user is created, invited again with its old temporary
// password replaced, or moved to RESET_REQUIRED with a new code, and the
// message is recorded as dropped (R40, R62).
func (f *Fake) FailNext(op Operation, n int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[string(op)] = append(f.faults[string(op)], err)
	}
}

// SetLatency delays every call of op by d, or until its context ends.
func (f *Fake) SetLatency(op Operation, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency[string(op)] = d
}

// DelayAnswers makes AdminResetUserPassword (and the recovery calls of
// fake_invite.go and fake_password.go: AdminCreateUser with RESEND,
// AdminSetUserPassword) do its work, then wait d before it answers, or
// until its context ends, when it answers with the context's error: Cognito
// processed the request, but the caller never heard. It models the request
// whose fate is unknown (resetpw.MaybeSent). 0 turns it off.
func (f *Fake) DelayAnswers(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answerDelay = d
}

// EnableQuotas turns on Cognito's account-wide request rates, multiplied by
// scale: UserAccountRecovery 30/s, UserRead 120/s, UserList 30/s and
// UserPoolRead 15/s at scale 1. Each is a token bucket holding one tenth of
// a second's requests; a request that finds it empty gets
// TooManyRequestsException. Scale 0 turns quotas off.
func (f *Fake) EnableQuotas(scale float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if scale <= 0 {
		f.limiters = nil
		return
	}
	f.limiters = map[string]*rate.Limiter{}
	for op, q := range quotaOf {
		rps := q.rps * scale
		f.limiters[op] = rate.NewLimiter(rate.Limit(rps), max(1, int(rps/10)))
	}
}

// SetSandboxVerifiedNumbers lists the numbers verified in the SNS SMS
// sandbox: SMS to them arrives even while the account is in the sandbox.
// [Fake.SNS] lists them as Verified.
func (f *Fake) SetSandboxVerifiedNumbers(numbers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range numbers {
		f.sandboxNumber[n] = true
	}
}

// SetSMSSandbox puts the account in SNS's SMS sandbox, or takes it out (the
// default). In the sandbox, SMS through SNS reaches only the numbers of
// SetSandboxVerifiedNumbers. A pool whose SmsConfigurationFailure names
// SNSSandbox is in the sandbox either way.
func (f *Fake) SetSMSSandbox(in bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.smsSandbox = in
}

// AddOriginationNumber adds a number that SNS's ListOriginationNumbers lists.
func (f *Fake) AddOriginationNumber(n snstypes.PhoneNumberInformation) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.origination = append(f.origination, n)
}

// SetDailyEmailLimit caps the emails that pools on Cognito's built-in email
// (EmailSendingAccount COGNITO_DEFAULT, or no EmailConfiguration) send per
// AWS account and Region (the account and Region of each pool's Arn), over
// all the account's pools, in a rolling 24 hours (R20, R36); past it,
// AdminResetUserPassword answers LimitExceededException "Exceeded daily
// email limit ...". 0 turns the cap off, the default; Cognito's own is
// resetpw.DefaultDailyEmailLimit.
func (f *Fake) SetDailyEmailLimit(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dailyEmail = n
}

// FreezeListUsers makes ListUsers answer from a copy of every pool's users
// as they are now, as Cognito's eventually consistent index may: changes
// made later are not seen by ListUsers, though AdminGetUser and the reset
// see them. The returned func thaws the index.
func (f *Fake) FreezeListUsers() (thaw func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.frozen = map[string][]types.UserType{}
	for id, p := range f.pools {
		for _, u := range p.users {
			f.frozen[id] = append(f.frozen[id], u.userType())
		}
	}
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.frozen = nil
	}
}

// Deliveries returns the codes sent so far, oldest first.
func (f *Fake) Deliveries() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.deliveries)
}

// SignOuts returns the users signed out so far, oldest first.
func (f *Fake) SignOuts() []SignOut {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.signOuts)
}

// Calls returns how often op was called, faults and refusals included.
func (f *Fake) Calls(op Operation) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[string(op)]
}

// AddPool adds a user pool and returns its ID: p.Id when set, otherwise a new
// ID in the Fake's region. p.Arn, when empty, becomes the pool's ARN in its
// ID's Region (or the Fake's) and the Fake's account (SetAccount;
// DefaultAccount unless set): pools whose ARNs name one account share its
// daily email cap. A pool whose ARN names another Region than its ID is a
// secondary replica (fake_replica.go). Every field is kept; those that matter to resets
// are UsernameAttributes, AliasAttributes, UsernameConfiguration,
// AccountRecoverySetting, SmsConfigurationFailure and
// EmailConfigurationFailure.
func (f *Fake) AddPool(p types.UserPoolType) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addPool(p)
}

func (f *Fake) addPool(p types.UserPoolType) string {
	if aws.ToString(p.Id) == "" {
		p.Id = aws.String(f.region + "_" + randomID(9))
	}
	if aws.ToString(p.Arn) == "" {
		region := f.region
		if home := regionOfID(*p.Id); home != "" {
			region = home
		}
		p.Arn = aws.String(fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", region, f.account, *p.Id))
	}
	if p.Name == nil {
		p.Name = aws.String("pool-" + *p.Id)
	}
	now := f.now()
	p.CreationDate, p.LastModifiedDate = &now, &now
	f.pools[*p.Id] = &fakePool{pool: p, primary: replicaPrimaryOf(*p.Id, *p.Arn)}
	return *p.Id
}

// User returns a types.UserType for AddUser: enabled, CONFIRMED, with
// attributes given as name-value pairs.
func User(username string, attrs ...string) types.UserType {
	u := types.UserType{Username: aws.String(username), Enabled: true, UserStatus: types.UserStatusTypeConfirmed}
	for i := 0; i+1 < len(attrs); i += 2 {
		u.Attributes = append(u.Attributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	return u
}

// AddUser adds u to a pool and returns its sub. Attributes (verified or not),
// Enabled, UserStatus (CONFIRMED when empty) and MFAOptions are kept; a sub
// attribute is kept, otherwise one is made. In a pool with
// UsernameAttributes, an email or phone Username becomes that attribute and
// the username becomes the sub, as in Cognito. [User] builds a typical u.
func (f *Fake) AddUser(poolID string, u types.UserType) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pools[poolID]
	if !ok {
		return "", poolNotFound(poolID)
	}
	fu, err := f.newUser(p, aws.ToString(u.Username), u.Attributes)
	if err != nil {
		return "", err
	}
	fu.enabled = u.Enabled
	if u.UserStatus != "" {
		fu.status = u.UserStatus
	}
	fu.mfaOptions = slices.Clone(u.MFAOptions)
	for _, o := range u.MFAOptions {
		switch o.DeliveryMedium {
		case types.DeliveryMediumTypeSms:
			fu.mfaSettings = append(fu.mfaSettings, "SMS_MFA")
		case types.DeliveryMediumTypeEmail:
			fu.mfaSettings = append(fu.mfaSettings, "EMAIL_OTP")
		}
	}
	p.add(fu)
	return fu.attr("sub"), nil
}

// SetUserMFA sets a user's MFA settings, as AdminSetUserMFAPreference would:
// settings such as "SMS_MFA", "EMAIL_OTP" or "SOFTWARE_TOKEN_MFA", and the
// preferred one.
func (f *Fake) SetUserMFA(poolID, username string, settings []string, preferred string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.lookup(poolID, username)
	if err != nil {
		return err
	}
	u.mfaSettings, u.preferredMFA = slices.Clone(settings), preferred
	return nil
}

// User returns a user of the Fake's state, found by username, sub or
// sign-in alias as AdminGetUser finds one, and shown as ListUsers shows it.
// It is no Cognito call: it is not counted in Calls, and no fault, latency
// or quota applies. The package-level [User] builds a user for AddUser.
func (f *Fake) User(poolID, username string) (types.UserType, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.lookup(poolID, username)
	if err != nil {
		return types.UserType{}, err
	}
	return u.userType(), nil
}

func (f *Fake) newUser(p *fakePool, username string, attrs []types.AttributeType) (*fakeUser, error) {
	if username == "" {
		return nil, invalidParameter("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	now := f.now()
	u := &fakeUser{username: username, enabled: true, status: types.UserStatusTypeConfirmed, created: now, modified: now}
	for _, a := range attrs {
		u.setAttr(aws.ToString(a.Name), aws.ToString(a.Value))
	}
	if u.attr("sub") == "" {
		u.setAttr("sub", newUUID())
	}
	if ua := p.pool.UsernameAttributes; len(ua) > 0 {
		kind := ""
		switch {
		// "If the username string format is not in email or phone number
		// format, the SignUp API returns an exception" (R32): a phone number
		// is '+' and digits, so "+1-206-555-0100" is neither.
		case emailShaped(username) && slices.Contains(ua, types.UsernameAttributeTypeEmail):
			kind = "email"
		case phoneShaped(username) && slices.Contains(ua, types.UsernameAttributeTypePhoneNumber):
			kind = "phone_number"
		default:
			return nil, invalidParameter("Username should be either an email or a phone number.")
		}
		if u.attr(kind) == "" {
			u.setAttr(kind, username)
		}
		u.username = u.attr("sub")
	}
	// Where email (phone_number) is an alias, no username may look like one
	// (R32), so a Username is never both some user's username and another
	// user's alias.
	if slices.Contains(p.pool.AliasAttributes, types.AliasAttributeTypeEmail) && emailShaped(username) {
		return nil, invalidParameter("Username cannot be of email format, since user pool is configured for email alias.")
	}
	if slices.Contains(p.pool.AliasAttributes, types.AliasAttributeTypePhoneNumber) && phoneShaped(username) {
		return nil, invalidParameter("Username cannot be of phone number format, since user pool is configured for phone number alias.")
	}
	if _, taken := p.byName[p.nameKey(u.username)]; taken {
		return nil, &types.UsernameExistsException{Message: aws.String("User account already exists")}
	}
	if holder := p.signInHeldElsewhere(u); holder != "" {
		if len(p.pool.UsernameAttributes) > 0 {
			return nil, &types.UsernameExistsException{Message: aws.String("An account with the given " + holder + " already exists.")}
		}
		return nil, &types.AliasExistsException{Message: aws.String("An account with the given " + holder + " already exists.")}
	}
	return u, nil
}

// signInHeldElsewhere names the sign-in attribute of u that another user
// of the pool already holds, or "": a UsernameAttributes value "must be
// unique, and it must not already be in use by another user", verified or
// not, and an alias value "can be in a verified state in only one account"
// (docs/cognito-rules.md, R32). So the Fake can't hold two users that one
// Username names, which Cognito can't either.
func (p *fakePool) signInHeldElsewhere(u *fakeUser) string {
	held := func(attr string, verifiedOnly bool) bool {
		v := u.attr(attr)
		if v == "" || (verifiedOnly && u.attr(attr+"_verified") != "true") {
			return false
		}
		for _, o := range p.users {
			if o != u && p.sameValue(attr, o.attr(attr), v) && (!verifiedOnly || o.attr(attr+"_verified") == "true") {
				return true
			}
		}
		return false
	}
	for _, a := range p.pool.UsernameAttributes {
		if held(string(a), false) {
			return string(a)
		}
	}
	for _, a := range p.pool.AliasAttributes {
		if held(string(a), a != types.AliasAttributeTypePreferredUsername) {
			return string(a)
		}
	}
	return ""
}

func (u *fakeUser) attr(name string) string {
	for _, a := range u.attrs {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

func (u *fakeUser) setAttr(name, value string) {
	for i, a := range u.attrs {
		if aws.ToString(a.Name) == name {
			u.attrs[i].Value = aws.String(value)
			return
		}
	}
	u.attrs = append(u.attrs, types.AttributeType{Name: aws.String(name), Value: aws.String(value)})
}

func (u *fakeUser) userType() types.UserType {
	created, modified := u.created, u.modified
	return types.UserType{Username: aws.String(u.username), Attributes: cloneAttrs(u.attrs), Enabled: u.enabled,
		UserStatus: u.status, MFAOptions: slices.Clone(u.mfaOptions), UserCreateDate: &created, UserLastModifiedDate: &modified}
}

func cloneAttrs(in []types.AttributeType) []types.AttributeType {
	out := make([]types.AttributeType, len(in))
	for i, a := range in {
		out[i] = types.AttributeType{Name: aws.String(aws.ToString(a.Name)), Value: aws.String(aws.ToString(a.Value))}
	}
	return out
}

func (p *fakePool) caseSensitive() bool {
	c := p.pool.UsernameConfiguration
	return c == nil || c.CaseSensitive == nil || *c.CaseSensitive
}

// emailShaped and phoneShaped tell the shapes that an alias pool refuses
// as usernames (R32), roughly as Cognito's "valid email format" and "valid
// phone number pattern" are read here: something@something.something, and
// '+' then digits.
func emailShaped(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	dot := strings.LastIndexByte(domain, '.')
	return ok && local != "" && dot > 0 && dot < len(domain)-1 && !strings.ContainsAny(domain, "@ \t")
}

func phoneShaped(s string) bool {
	return len(s) > 2 && s[0] == '+' && strings.Trim(s[1:], "0123456789") == ""
}

// find reads the Username parameter as docs/cognito-rules.md, R32 says,
// written apart from package alias: the user whose username it is (folded
// in a case-insensitive pool), before the user whose sub it is (in any
// case, as ListUsers compares subs, R24; the order is not documented, and
// one report of a sub that named the wrong user fits it, R26); then, only
// where the pool has them, the user who holds it as a UsernameAttributes
// attribute (verified or not) or as an alias (email and phone_number only
// once verified, preferred_username as it is). An attribute the pool does
// not sign in with names nobody: an email-shaped Username in a pool
// without the email alias is a username or nothing.
func (p *fakePool) find(name string) *fakeUser {
	if u := p.byName[p.nameKey(name)]; u != nil {
		return u
	}
	for _, u := range p.users {
		if sub := u.attr("sub"); sub != "" && strings.EqualFold(sub, name) {
			return u
		}
	}
	for _, a := range p.pool.UsernameAttributes {
		for _, u := range p.users {
			if v := u.attr(string(a)); v != "" && p.sameValue(string(a), v, name) {
				return u
			}
		}
	}
	for _, a := range p.pool.AliasAttributes {
		for _, u := range p.users {
			v := u.attr(string(a))
			if v == "" || !p.sameValue(string(a), v, name) {
				continue
			}
			if a == types.AliasAttributeTypePreferredUsername || u.attr(string(a)+"_verified") == "true" {
				return u
			}
		}
	}
	return nil
}

func (p *fakePool) sameValue(attr, stored, given string) bool {
	if attr == "phone_number" || p.caseSensitive() {
		return stored == given
	}
	return strings.EqualFold(stored, given)
}

func (f *Fake) lookup(poolID, name string) (*fakePool, *fakeUser, error) {
	p, ok := f.pools[poolID]
	if !ok {
		return nil, nil, poolNotFound(poolID)
	}
	u := p.find(name)
	if u == nil {
		return p, nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
	}
	return p, u, nil
}

// enter counts a call, then applies latency, faults and quotas, in that order.
func (f *Fake) enter(ctx context.Context, op string) error { return f.admit(ctx, op, nil) }

// admit is enter; with late non-nil, a CodeDeliveryFailureException queued
// by FailNext goes in *late instead of failing the call: AdminCreateUser
// answers it after its work is done (R40, R62).
func (f *Fake) admit(ctx context.Context, op string, late *error) error {
	f.mu.Lock()
	f.calls[op]++
	d := f.latency[op]
	f.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.faults[op]; len(q) > 0 {
		err := q[0]
		f.faults[op] = q[1:]
		var cdf *types.CodeDeliveryFailureException
		if late == nil || !errors.As(err, &cdf) {
			return err
		}
		*late = err
	}
	if l := f.limiters[op]; l != nil && !l.AllowN(f.now(), 1) {
		return &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	}
	return nil
}

// enterPool is enter, then it takes f.mu and finds the pool. On success the
// caller holds f.mu and must release it.
func (f *Fake) enterPool(ctx context.Context, op string, poolID *string) (*fakePool, error) {
	return f.enterPoolLate(ctx, op, poolID, nil)
}

// enterPoolLate is enterPool, with admit's late.
func (f *Fake) enterPoolLate(ctx context.Context, op string, poolID *string, late *error) (*fakePool, error) {
	if err := f.admit(ctx, op, late); err != nil {
		return nil, err
	}
	f.mu.Lock()
	p, ok := f.pools[aws.ToString(poolID)]
	if !ok {
		f.mu.Unlock()
		return nil, poolNotFound(aws.ToString(poolID))
	}
	return p, nil
}

func (f *Fake) metadata() (md middleware.Metadata) {
	f.requestSeq++
	id := fmt.Sprintf("fake-%08d-%s", f.requestSeq, randomID(8))
	awsmiddleware.SetRequestIDMetadata(&md, id)
	return md
}

// AdminResetUserPassword checks, in Cognito's order: the pool, the user, the
// user's state, the attempt limit, the pool's recovery setting, and a
// verified contact; then it records a Delivery and moves the user to
// RESET_REQUIRED.
func (f *Fake) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	var late error
	if err := f.admit(ctx, opAdminResetUserPassword, &late); err != nil {
		return nil, err
	}
	out, err := f.resetUser(ctx, in, late)
	f.mu.Lock()
	d := f.answerDelay
	f.mu.Unlock()
	if err == nil && d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err() // done, but the answer is lost
		case <-t.C:
		}
	}
	return out, err
}

// resetUser does the reset's work. late, a CodeDeliveryFailureException
// queued by FailNext, is answered once the work is done, its message
// dropped (R62).
func (f *Fake) resetUser(ctx context.Context, in *cip.AdminResetUserPasswordInput, late error) (*cip.AdminResetUserPasswordOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, u, err := f.lookupToWrite(aws.ToString(in.UserPoolId), aws.ToString(in.Username))
	if err != nil {
		return nil, err
	}
	if err := p.resettable(u); err != nil {
		return nil, err
	}
	now := f.now()
	if err := f.countAttempt(u, now); err != nil {
		return nil, err
	}
	medium, dest, err := p.recoveryDestination(u)
	if err != nil {
		return nil, err
	}
	d := Delivery{UserPoolID: aws.ToString(in.UserPoolId), Username: u.username, Medium: medium, Destination: dest,
		ClientMetadata: cloneMap(in.ClientMetadata), At: now}
	if err := f.customMessage(ctx, p, u, &d, in); err != nil {
		return nil, err
	}
	if medium == resetpw.MediumEmail {
		err = f.sendEmail(p, &d, now)
	} else {
		err = f.sendSMS(p, &d)
	}
	switch {
	case errors.As(err, new(*types.CodeDeliveryFailureException)):
		// No SMS configuration: nothing was handed to a sender, so no
		// Delivery; that the password is reset all the same is assumed,
		// the worse case (R61, R62), and the last code is gone with it.
		u.retire()
		u.codeAt = time.Time{}
		u.status, u.modified = types.UserStatusTypeResetRequired, now
		return nil, err
	case err != nil:
		return nil, err
	}
	if d.Code == "" { // a custom message trigger's message holds its code already
		d.Code = newCode()
	}
	if late != nil {
		d.Dropped, d.DropReason = true, "CodeDeliveryFailureException"
	}
	u.retire()
	u.code, u.codeAt = d.Code, now // a new code replaces the last (R64)
	f.deliveries = append(f.deliveries, d)
	u.status, u.modified = types.UserStatusTypeResetRequired, now
	if late != nil {
		return nil, late // reset, then the message failed (R62)
	}
	return &cip.AdminResetUserPasswordOutput{ResultMetadata: f.metadata()}, nil
}

// countAttempt counts a reset of u at now, or refuses it past the attempt
// limit of SetAttemptLimit (a rolling hour).
func (f *Fake) countAttempt(u *fakeUser, now time.Time) error {
	if f.attemptLimit > 0 {
		recent := u.resets[:0]
		for _, t := range u.resets {
			if now.Sub(t) < time.Hour {
				recent = append(recent, t)
			}
		}
		u.resets = recent
		if len(recent) >= f.attemptLimit {
			return &types.LimitExceededException{Message: aws.String("Attempt limit exceeded, please try after some time.")}
		}
	}
	u.resets = append(u.resets, now)
	return nil
}

// resettable refuses a disabled user, and one whose state can't be reset
// (R10).
func (p *fakePool) resettable(u *fakeUser) error {
	if !u.enabled {
		return &types.NotAuthorizedException{Message: aws.String("User is disabled.")}
	}
	switch u.status {
	case types.UserStatusTypeConfirmed, types.UserStatusTypeResetRequired:
		return nil
	case types.UserStatusTypeUnconfirmed:
		// R8 decides: users observed its InvalidParameterException for
		// unconfirmed users with no verified contact (R10). One with a
		// contact that qualifies gets the state's refusal (assumed).
		if _, _, err := p.recoveryDestination(u); errors.As(err, new(*types.InvalidParameterException)) {
			return err
		}
	}
	return &types.NotAuthorizedException{Message: aws.String("User password cannot be reset in the current state.")}
}

// sendEmail hands an email code to its sender (R13, R20).
func (f *Fake) sendEmail(p *fakePool, d *Delivery, now time.Time) error {
	lc := p.pool.LambdaConfig
	if lc != nil && lc.CustomEmailSender != nil && aws.ToString(lc.CustomEmailSender.LambdaArn) != "" {
		d.Sender = resetpw.SenderLambda
		return nil
	}
	if ec := p.pool.EmailConfiguration; ec != nil && ec.EmailSendingAccount == types.EmailSendingAccountTypeDeveloper {
		d.Sender = resetpw.SenderSES
		f.ses.send(aws.ToString(ec.SourceArn), d, now)
		return nil
	}
	d.Sender = resetpw.SenderCognitoDefault
	if f.dailyEmail > 0 {
		key := accountOfARN(aws.ToString(p.pool.Arn))
		recent := f.emailsSent[key][:0]
		for _, t := range f.emailsSent[key] {
			if now.Sub(t) < 24*time.Hour {
				recent = append(recent, t)
			}
		}
		f.emailsSent[key] = recent
		if len(recent) >= f.dailyEmail {
			return &types.LimitExceededException{Message: aws.String("Exceeded daily email limit for the operation or the account. " +
				"If a higher limit is required, please configure your user pool to use your own Amazon SES configuration for sending email.")}
		}
		f.emailsSent[key] = append(recent, now)
	}
	return nil
}

// DefaultAccount is the AWS account of a Fake's pools unless SetAccount
// names another.
const DefaultAccount = "123456789012"

// SetAccount sets the AWS account of the pools added from now on without an
// Arn.
func (f *Fake) SetAccount(account string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.account = account
}

// accountOfARN returns the "account/Region" of a pool ARN
// (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID), the key of the daily
// email cap (R36, R37).
func accountOfARN(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 {
		return arn
	}
	return parts[4] + "/" + parts[3]
}

// sendSMS hands an SMS code to its sender, and drops what SNS would (R12,
// R15, R16). A pool without SmsConfiguration sends no SMS: it answers
// CodeDeliveryFailureException (R61). A broken SMS role, named in SmsConfigurationFailure, is
// answered with the exception AdminResetUserPassword declares for it
// (InvalidSmsRoleAccessPolicyException,
// InvalidSmsRoleTrustRelationshipException; R16).
func (f *Fake) sendSMS(p *fakePool, d *Delivery) error {
	lc := p.pool.LambdaConfig
	if lc != nil && lc.CustomSMSSender != nil && aws.ToString(lc.CustomSMSSender.LambdaArn) != "" {
		d.Sender = resetpw.SenderLambda
		return nil
	}
	d.Sender = resetpw.SenderSNS
	if p.pool.SmsConfiguration == nil {
		// Without an SMS configuration Cognito can't send (R61): the
		// message is observed, the exception's type inferred from its
		// shape. One without an SNS role may send through End User
		// Messaging directly, whose sandbox is the Fake's one SMS sandbox
		// (R67, fake_eums.go).
		return &types.CodeDeliveryFailureException{Message: aws.String(noSMSConfiguration)}
	}
	sandbox, broken := f.smsSandbox, ""
	for _, part := range strings.Split(aws.ToString(p.pool.SmsConfigurationFailure), ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "SNSSandbox":
			sandbox = true
		case part == "InvalidSmsRoleAccessPolicyException", part == "InvalidSmsRoleTrustRelationshipException":
			broken = part // answered, whatever else is listed
		case part != "" && broken == "":
			broken = part
		}
	}
	switch {
	case broken == "InvalidSmsRoleAccessPolicyException":
		return &types.InvalidSmsRoleAccessPolicyException{Message: aws.String("Role does not have permission to publish with SNS")}
	case broken == "InvalidSmsRoleTrustRelationshipException":
		return &types.InvalidSmsRoleTrustRelationshipException{Message: aws.String("Role has an invalid trust relationship for Cognito")}
	case broken != "":
		d.Dropped, d.DropReason = true, broken
	case sandbox && !f.smsVerified(p)[d.Destination]:
		d.Dropped, d.DropReason = true, "SNS SMS sandbox: number not verified"
	}
	return nil
}

// noSMSConfiguration is what users observed from a pool without an SMS
// configuration (R61).
const noSMSConfiguration = "Invalid phone number provided/Unable to send the message. User pool does not have SMS configuration to send messages."

// recoveryDestination picks the medium as Cognito does (R1 to R8):
// admin_only refuses; with a recovery setting, the mechanisms by priority
// pick the first verified contact that the user's MFA does not disqualify
// (SMS MFA for SMS, email MFA for email); without one, the legacy order is
// phone, then email, and MFA disqualifies nothing.
func (p *fakePool) recoveryDestination(u *fakeUser) (medium resetpw.Medium, dest string, _ error) {
	var mechs []types.RecoveryOptionType
	if s := p.pool.AccountRecoverySetting; s != nil {
		mechs = slices.Clone(s.RecoveryMechanisms)
	}
	legacy := len(mechs) == 0
	if legacy {
		mechs = []types.RecoveryOptionType{
			{Name: types.RecoveryOptionNameTypeVerifiedPhoneNumber, Priority: aws.Int32(1)},
			{Name: types.RecoveryOptionNameTypeVerifiedEmail, Priority: aws.Int32(2)}}
	}
	slices.SortStableFunc(mechs, func(a, b types.RecoveryOptionType) int {
		return int(aws.ToInt32(a.Priority) - aws.ToInt32(b.Priority))
	})
	hasMFA := func(name string) bool {
		return !legacy && (slices.Contains(u.mfaSettings, name) || u.preferredMFA == name)
	}
	for _, m := range mechs {
		switch m.Name {
		case types.RecoveryOptionNameTypeAdminOnly:
			return "", "", &types.NotAuthorizedException{Message: aws.String("Contact administrator to reset password.")}
		case types.RecoveryOptionNameTypeVerifiedEmail:
			if e := u.attr("email"); e != "" && u.attr("email_verified") == "true" && !hasMFA("EMAIL_OTP") {
				return resetpw.MediumEmail, e, nil
			}
		case types.RecoveryOptionNameTypeVerifiedPhoneNumber:
			if ph := u.attr("phone_number"); ph != "" && u.attr("phone_number_verified") == "true" && !hasMFA("SMS_MFA") {
				return resetpw.MediumSMS, ph, nil
			}
		}
	}
	return "", "", invalidParameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
}

// AdminGetUser returns a user found by username, sub or sign-in alias.
func (f *Fake) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	if err := f.enter(ctx, opAdminGetUser); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	_, u, err := f.lookup(aws.ToString(in.UserPoolId), aws.ToString(in.Username))
	if err != nil {
		return nil, err
	}
	ut := u.userType()
	out := &cip.AdminGetUserOutput{Username: ut.Username, UserAttributes: ut.Attributes, Enabled: ut.Enabled,
		UserStatus: ut.UserStatus, MFAOptions: ut.MFAOptions, UserCreateDate: ut.UserCreateDate,
		UserLastModifiedDate: ut.UserLastModifiedDate, UserMFASettingList: slices.Clone(u.mfaSettings), ResultMetadata: f.metadata()}
	if u.preferredMFA != "" {
		out.PreferredMfaSetting = aws.String(u.preferredMFA)
	}
	return out, nil
}

// DescribeUserPool returns the pool as added or created.
func (f *Fake) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, _ ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	p, err := f.enterPool(ctx, opDescribeUserPool, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	pool := p.pool
	pool.EstimatedNumberOfUsers = int32(len(p.users))
	return &cip.DescribeUserPoolOutput{UserPool: &pool, ResultMetadata: f.metadata()}, nil
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func poolNotFound(id string) error {
	return &types.ResourceNotFoundException{Message: aws.String(fmt.Sprintf("User pool %s does not exist.", id))}
}

func invalidParameter(msg string) error {
	return &types.InvalidParameterException{Message: aws.String(msg)}
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
