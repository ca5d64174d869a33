package resetpwtest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// invitePool is a Fake on a fixed clock with a pool of the given
// settings, and users in each state: invited (FORCE_CHANGE_PASSWORD, with
// an email and a phone number, neither verified), confirmed, disabled, an
// invited user with only an email, and a federated profile.
func invitePool(t *testing.T, pool types.UserPoolType) (*resetpwtest.Fake, string, *time.Time) {
	t.Helper()
	f := resetpwtest.NewFake()
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return now })
	if pool.SmsConfiguration == nil {
		pool.SmsConfiguration = smsRole // an SMS role: the pool can send SMS (R61)
	}
	id := f.AddPool(pool)
	invited := resetpwtest.User("invited", "email", "invited@example.com", "phone_number", "+12065550190")
	invited.UserStatus = types.UserStatusTypeForceChangePassword
	onlyEmail := resetpwtest.User("only.email", "email", "only@example.com")
	onlyEmail.UserStatus = types.UserStatusTypeForceChangePassword
	disabled := resetpwtest.User("disabled", "email", "off@example.com", "email_verified", "true")
	disabled.Enabled = false
	federated := resetpwtest.User("Google_1234", "email", "fed@example.com")
	federated.UserStatus = types.UserStatusTypeExternalProvider
	for _, u := range []types.UserType{invited, onlyEmail, disabled, federated,
		resetpwtest.User("confirmed", "email", "conf@example.com", "email_verified", "true")} {
		_, err := f.AddUser(id, u)
		require.NoError(t, err)
	}
	return f, id, &now
}

func resend(f *resetpwtest.Fake, pool, user, temp string, mediums ...types.DeliveryMediumType) error {
	in := &cip.AdminCreateUserInput{UserPoolId: &pool, Username: &user, MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: mediums}
	if temp != "" {
		in.TemporaryPassword = &temp
	}
	_, err := f.AdminCreateUser(ctx, in)
	return err
}

func TestFake_InviteAgain(t *testing.T) {
	tests := []struct {
		name    string
		pool    types.UserPoolType
		user    string
		temp    string
		mediums []types.DeliveryMediumType
		wantErr any
		want    []resetpw.Medium // the invitations recorded, in order
		dropped bool
		days    int
	}{
		{name: "email", user: "invited", mediums: []types.DeliveryMediumType{"EMAIL"}, want: []resetpw.Medium{resetpw.MediumEmail}, days: 7},
		{name: "SMS by default", user: "invited", want: []resetpw.Medium{resetpw.MediumSMS}, days: 7},
		{name: "both mediums", user: "invited", mediums: []types.DeliveryMediumType{"SMS", "EMAIL"},
			want: []resetpw.Medium{resetpw.MediumEmail, resetpw.MediumSMS}, days: 7},
		{name: "the pool's validity", user: "invited", mediums: []types.DeliveryMediumType{"EMAIL"}, want: []resetpw.Medium{resetpw.MediumEmail}, days: 3,
			pool: types.UserPoolType{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8), TemporaryPasswordValidityDays: 3}}}},
		{name: "a given temporary password", user: "invited", temp: "Given-Passw0rd!", mediums: []types.DeliveryMediumType{"EMAIL"}, want: []resetpw.Medium{resetpw.MediumEmail}, days: 7},
		{name: "template without the placeholder", user: "invited", mediums: []types.DeliveryMediumType{"EMAIL"}, want: []resetpw.Medium{resetpw.MediumEmail}, dropped: true, days: 7,
			pool: types.UserPoolType{AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Welcome {username}")}}}},
		{name: "no contact for the medium", user: "only.email", wantErr: new(*types.InvalidParameterException)},
		{name: "confirmed", user: "confirmed", mediums: []types.DeliveryMediumType{"EMAIL"}, wantErr: new(*types.UnsupportedUserStateException)},
		{name: "federated", user: "Google_1234", mediums: []types.DeliveryMediumType{"EMAIL"}, wantErr: new(*types.UnsupportedUserStateException)},
		{name: "unknown", user: "ghost", wantErr: new(*types.UserNotFoundException)},
		{name: "weak temporary password", user: "invited", temp: "weak", mediums: []types.DeliveryMediumType{"EMAIL"}, wantErr: new(*types.InvalidPasswordException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool, now := invitePool(t, tt.pool)
			before, _, hadOne := f.TemporaryPassword(pool, tt.user)
			err := resend(f, pool, tt.user, tt.temp, tt.mediums...)
			if tt.wantErr != nil {
				require.ErrorAs(t, err, tt.wantErr)
				assert.Empty(t, f.Deliveries(), "nothing sent")
				after, _, ok := f.TemporaryPassword(pool, tt.user)
				assert.Equal(t, hadOne, ok)
				assert.Equal(t, before, after, "the old temporary password stands")
				return
			}
			require.NoError(t, err)
			var got []resetpw.Medium
			for _, d := range f.Deliveries() {
				assert.True(t, d.Invitation)
				assert.Equal(t, tt.user, d.Username)
				assert.Equal(t, tt.dropped, d.Dropped)
				got = append(got, d.Medium)
			}
			assert.Equal(t, tt.want, got)
			pw, expires, ok := f.TemporaryPassword(pool, tt.user)
			require.True(t, ok)
			assert.NotEmpty(t, pw)
			if tt.temp != "" {
				assert.Equal(t, tt.temp, pw)
			}
			assert.Equal(t, now.AddDate(0, 0, tt.days), expires)
			u, err := f.User(pool, tt.user)
			require.NoError(t, err)
			assert.Equal(t, types.UserStatusTypeForceChangePassword, u.UserStatus)
		})
	}
}

func TestFake_InviteAgainReplacesTheTemporaryPassword(t *testing.T) {
	f, pool, now := invitePool(t, types.UserPoolType{})
	require.NoError(t, resend(f, pool, "invited", "", "EMAIL"))
	first, firstExpiry, ok := f.TemporaryPassword(pool, "invited")
	require.True(t, ok)
	*now = now.Add(48 * time.Hour)
	require.NoError(t, resend(f, pool, "invited", "", "EMAIL"))
	second, secondExpiry, ok := f.TemporaryPassword(pool, "invited")
	require.True(t, ok)
	assert.NotEqual(t, first, second)
	assert.Equal(t, firstExpiry.Add(48*time.Hour), secondExpiry, "the validity starts again")
	assert.Len(t, f.Deliveries(), 2)
}

func TestFake_SetTemporaryPassword(t *testing.T) {
	strict := types.UserPoolType{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{
		MinimumLength: aws.Int32(12), RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, TemporaryPasswordValidityDays: 2}}}
	tests := []struct {
		name       string
		pool       types.UserPoolType
		user, pw   string
		permanent  bool
		wantErr    any
		wantMsg    string
		wantStatus types.UserStatusType
		enabled    bool
		days       int
	}{
		{name: "confirmed becomes force-change", user: "confirmed", pw: "Temp-Passw0rd!", wantStatus: "FORCE_CHANGE_PASSWORD", enabled: true, days: 7},
		{name: "invited gets a new one", user: "invited", pw: "Temp-Passw0rd!", wantStatus: "FORCE_CHANGE_PASSWORD", enabled: true, days: 7},
		{name: "federated becomes native", user: "Google_1234", pw: "Temp-Passw0rd!", wantStatus: "FORCE_CHANGE_PASSWORD", enabled: true, days: 7},
		{name: "disabled stays disabled", user: "disabled", pw: "Temp-Passw0rd!", wantStatus: "FORCE_CHANGE_PASSWORD", enabled: false, days: 7},
		{name: "permanent confirms", user: "invited", pw: "Perm-Passw0rd!", permanent: true, wantStatus: "CONFIRMED", enabled: true},
		{name: "the pool's policy and validity", pool: strict, user: "confirmed", pw: "NoSymbols1234", wantStatus: "FORCE_CHANGE_PASSWORD", enabled: true, days: 2},
		{name: "too short", pool: strict, user: "confirmed", pw: "Short1a", wantErr: new(*types.InvalidPasswordException), wantMsg: "Password not long enough"},
		{name: "no uppercase", user: "confirmed", pw: "temp-passw0rd!", wantErr: new(*types.InvalidPasswordException), wantMsg: "uppercase"},
		{name: "no lowercase", user: "confirmed", pw: "TEMP-PASSW0RD!", wantErr: new(*types.InvalidPasswordException), wantMsg: "lowercase"},
		{name: "no number", user: "confirmed", pw: "Temp-Password!", wantErr: new(*types.InvalidPasswordException), wantMsg: "numeric"},
		{name: "no symbol", user: "confirmed", pw: "TempPassw0rd", wantErr: new(*types.InvalidPasswordException), wantMsg: "symbol"},
		{name: "a leading space", user: "confirmed", pw: " Temp-Passw0rd", wantErr: new(*types.InvalidPasswordException), wantMsg: "space"},
		{name: "unknown", user: "ghost", pw: "Temp-Passw0rd!", wantErr: new(*types.UserNotFoundException)},
		{name: "empty", user: "confirmed", wantErr: new(*types.InvalidParameterException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool, now := invitePool(t, tt.pool)
			_, err := f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: &tt.user, Password: &tt.pw, Permanent: tt.permanent})
			if tt.wantErr != nil {
				require.ErrorAs(t, err, tt.wantErr)
				assert.Contains(t, err.Error(), tt.wantMsg)
				_, _, ok := f.TemporaryPassword(pool, tt.user)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			u, err := f.User(pool, tt.user)
			require.NoError(t, err)
			assert.Equal(t, tt.wantStatus, u.UserStatus)
			assert.Equal(t, tt.enabled, u.Enabled)
			pw, expires, ok := f.TemporaryPassword(pool, tt.user)
			assert.Equal(t, !tt.permanent, ok)
			if !tt.permanent {
				assert.Equal(t, tt.pw, pw)
				assert.Equal(t, now.AddDate(0, 0, tt.days), expires)
			}
			assert.Empty(t, f.Deliveries(), "AdminSetUserPassword sends nothing")
		})
	}
}

func TestFake_RecoveryCallsQuotas(t *testing.T) {
	for _, tt := range []struct {
		op   string
		call func(f *resetpwtest.Fake, pool string) error
	}{
		{"AdminCreateUser", func(f *resetpwtest.Fake, pool string) error { return resend(f, pool, "invited", "", "EMAIL") }},
		{"AdminSetUserPassword", func(f *resetpwtest.Fake, pool string) error {
			_, err := f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("confirmed"), Password: aws.String("Temp-Passw0rd!")})
			return err
		}},
	} {
		t.Run(tt.op, func(t *testing.T) {
			f, pool, now := invitePool(t, types.UserPoolType{})
			f.EnableQuotas(0.1) // UserCreation 5/s, UserAccountRecovery 3/s: buckets of 1
			require.NoError(t, tt.call(f, pool))
			require.ErrorAs(t, tt.call(f, pool), new(*types.TooManyRequestsException))
			*now = now.Add(time.Second)
			require.NoError(t, tt.call(f, pool))
			assert.Equal(t, 3, f.Calls(resetpwtest.Operation(tt.op)))
		})
	}
}

// recorder keeps every HTTP response body the SDK client reads.
type recorder struct {
	mu     sync.Mutex
	next   http.RoundTripper
	bodies []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
	return resp, nil
}

// The Server answers the recovery calls as Cognito does, with no temporary
// password in any answer: not in AdminCreateUser's, AdminSetUserPassword's,
// AdminGetUser's, ListUsers' or the deliveries path's.
func TestServer_RecoveryCallsKeepTheTemporaryPasswordOffTheWire(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{})
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	c := srv.Client(func(o *cip.Options) {
		hc := o.HTTPClient.(*http.Client)
		rec.next = hc.Transport
		if rec.next == nil {
			rec.next = http.DefaultTransport
		}
		o.HTTPClient = &http.Client{Transport: rec}
	})
	out, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("invited"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}})
	require.NoError(t, err)
	assert.Equal(t, "invited", aws.ToString(out.User.Username))
	invitation, _, ok := f.TemporaryPassword(pool, "invited")
	require.True(t, ok)
	_, err = c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("confirmed"), Password: aws.String("Out-Of-Band-Passw0rd!")})
	require.NoError(t, err)
	_, err = c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("Google_1234"), MessageAction: types.MessageActionTypeResend})
	require.ErrorAs(t, err, new(*types.UnsupportedUserStateException))
	for _, u := range []string{"invited", "confirmed"} {
		_, err = c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(u)})
		require.NoError(t, err)
	}
	_, err = c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool})
	require.NoError(t, err)
	resp, err := http.Get(srv.URL + resetpwtest.DeliveriesPath)
	require.NoError(t, err)
	deliveries, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(deliveries), `"Invitation":true`)

	require.Len(t, rec.bodies, 6)
	for _, b := range append(rec.bodies, string(deliveries)) {
		assert.NotContains(t, b, invitation)
		assert.NotContains(t, b, "Out-Of-Band-Passw0rd!")
	}
}

// A medium of DesiredDeliveryMediums with no contact refuses the whole
// call, with Cognito's observed message (R38): no invitation goes by the
// other medium, and the old temporary password stands.
func TestFake_InviteAgainRefusesTheWholeCallWhenAMediumHasNoContact(t *testing.T) {
	tests := []struct {
		name, user string
		mediums    []types.DeliveryMediumType
		want       string
	}{
		{"email and SMS, no phone number", "only.email", []types.DeliveryMediumType{"EMAIL", "SMS"}, "No phone_number provided but desired delivery medium was Sms"},
		{"SMS by default, no phone number", "only.email", nil, "No phone_number provided but desired delivery medium was Sms"},
		{"email, no email", "only.phone", []types.DeliveryMediumType{"SMS", "EMAIL"}, "No email provided but desired delivery medium was Email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, pool, _ := invitePool(t, types.UserPoolType{})
			onlyPhone := resetpwtest.User("only.phone", "phone_number", "+12065550191")
			onlyPhone.UserStatus = types.UserStatusTypeForceChangePassword
			_, err := f.AddUser(pool, onlyPhone)
			require.NoError(t, err)
			err = resend(f, pool, tt.user, "", tt.mediums...)
			var ipe *types.InvalidParameterException
			require.ErrorAs(t, err, &ipe)
			assert.Equal(t, tt.want, ipe.ErrorMessage())
			assert.Empty(t, f.Deliveries(), "no invitation by the other medium")
			_, _, ok := f.TemporaryPassword(pool, tt.user)
			assert.False(t, ok, "no temporary password set")
		})
	}
}

// An invitation by SMS and email whose SMS fails leaves no trace of its
// email: the daily cap's count is not spent, and nothing is recorded.
func TestFake_InviteAgainThatFailsSpendsNoEmail(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{SmsConfigurationFailure: aws.String("InvalidSmsRoleAccessPolicyException")})
	f.SetDailyEmailLimit(1)
	err := resend(f, pool, "invited", "", "EMAIL", "SMS")
	require.ErrorAs(t, err, new(*types.InvalidSmsRoleAccessPolicyException))
	assert.Empty(t, f.Deliveries())
	_, _, ok := f.TemporaryPassword(pool, "invited")
	assert.False(t, ok)
	require.NoError(t, resend(f, pool, "invited", "", "EMAIL"), "the day's one email is still there")
	require.Len(t, f.Deliveries(), 1)
	assert.False(t, f.Deliveries()[0].Dropped)
}

// A CodeDeliveryFailureException queued for AdminCreateUser comes after
// the call's work, as in Cognito (R40, R62): RESEND replaces the password
// and records the invitation as dropped; a plain AdminCreateUser creates
// the user.
func TestFake_AdminCreateUserActsBeforeItsMessageFails(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{})
	failed := &types.CodeDeliveryFailureException{Message: aws.String("Unable to deliver message")}
	f.FailNext("AdminCreateUser", 1, failed)
	require.ErrorAs(t, resend(f, pool, "invited", "", "EMAIL"), new(*types.CodeDeliveryFailureException))
	_, _, ok := f.TemporaryPassword(pool, "invited")
	assert.True(t, ok, "the new temporary password is set")
	require.Len(t, f.Deliveries(), 1)
	assert.True(t, f.Deliveries()[0].Dropped)
	assert.Equal(t, "CodeDeliveryFailureException", f.Deliveries()[0].DropReason)

	f.FailNext("AdminCreateUser", 1, failed)
	_, err := f.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("newcomer"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("new@example.com")}}})
	require.ErrorAs(t, err, new(*types.CodeDeliveryFailureException))
	u, err := f.User(pool, "newcomer")
	require.NoError(t, err, "created all the same")
	assert.Equal(t, types.UserStatusTypeForceChangePassword, u.UserStatus)

	f.FailNext("AdminCreateUser", 1, &types.InternalErrorException{Message: aws.String("boom")})
	require.ErrorAs(t, resend(f, pool, "only.email", "", "EMAIL"), new(*types.InternalErrorException))
	_, _, ok = f.TemporaryPassword(pool, "only.email")
	assert.False(t, ok, "any other fault comes before the work")
}

// A temporary password lasts the policy's TemporaryPasswordValidityDays;
// when 0, the legacy UnusedAccountValidityDays; else 7 (R43).
func TestFake_TemporaryPasswordValidityFallsBackToUnusedAccountDays(t *testing.T) {
	for _, tt := range []struct {
		name           string
		policy, unused int32
		days           int
	}{{"neither", 0, 0, 7}, {"legacy", 0, 5, 5}, {"policy first", 2, 5, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			f, pool, now := invitePool(t, types.UserPoolType{
				Policies:              &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(8), TemporaryPasswordValidityDays: tt.policy}},
				AdminCreateUserConfig: &types.AdminCreateUserConfigType{UnusedAccountValidityDays: tt.unused}})
			require.NoError(t, resend(f, pool, "invited", "", "EMAIL"))
			_, expires, ok := f.TemporaryPassword(pool, "invited")
			require.True(t, ok)
			assert.Equal(t, now.AddDate(0, 0, tt.days), expires)
			_, err := f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("confirmed"), Password: aws.String("Temp-Passw0rd!")})
			require.NoError(t, err)
			_, expires, ok = f.TemporaryPassword(pool, "confirmed")
			require.True(t, ok)
			assert.Equal(t, now.AddDate(0, 0, tt.days), expires)
		})
	}
}

// A plain AdminCreateUser checks the TemporaryPassword it is given against
// the policy (R40, R44), and keeps the one it generates when given none.
func TestFake_AdminCreateUserChecksAndKeepsItsTemporaryPassword(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{})
	create := func(name, pw string) error {
		in := &cip.AdminCreateUserInput{UserPoolId: &pool, Username: &name}
		if pw != "" {
			in.TemporaryPassword = &pw
		}
		_, err := f.AdminCreateUser(ctx, in)
		return err
	}
	require.ErrorAs(t, create("weak", "x"), new(*types.InvalidPasswordException))
	_, err := f.User(pool, "weak")
	require.ErrorAs(t, err, new(*types.UserNotFoundException), "not created")
	require.NoError(t, create("given", "Given-Passw0rd!"))
	pw, _, ok := f.TemporaryPassword(pool, "given")
	require.True(t, ok)
	assert.Equal(t, "Given-Passw0rd!", pw)
	require.NoError(t, create("generated", ""))
	pw, _, ok = f.TemporaryPassword(pool, "generated")
	require.True(t, ok, "the generated one is kept")
	assert.GreaterOrEqual(t, len(pw), 8)
}

// Cognito counts a password's length in characters: 256 of them pass,
// though they take more bytes.
func TestFake_PasswordLengthCountsCharacters(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{Policies: &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(6)}}})
	pw := strings.Repeat("é", 256)
	_, err := f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("confirmed"), Password: &pw})
	require.NoError(t, err)
	pw += "é"
	_, err = f.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("confirmed"), Password: &pw})
	require.ErrorAs(t, err, new(*types.InvalidPasswordException))
}

// An invitation in a pool with a custom message trigger calls it with
// CustomMessage_AdminCreateUser and both placeholders; the message it
// supplies is sent even when the pool's template has no {####}; and no
// Delivery, nor the Server's DeliveriesPath, holds the password: the
// message keeps "{####}" where it goes.
func TestFake_InviteAgainCallsTheCustomMessageTrigger(t *testing.T) {
	f, pool, _ := invitePool(t, types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(triggerARN)},
		// DEVELOPER: a trigger's email message needs it (R54).
		EmailConfiguration:    &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Welcome {username}")}}})
	var got events.CognitoEventUserPoolsCustomMessage
	f.SetTrigger(triggerARN, lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
		got = ev
		ev.Response.EmailSubject = "Your account"
		ev.Response.EmailMessage = "<p>Hello " + ev.Request.UsernameParameter + ", your password is " + ev.Request.CodeParameter + "</p>"
		return ev, nil
	}))
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	_, err := srv.Client().AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("invited"),
		MessageAction: types.MessageActionTypeResend, DesiredDeliveryMediums: []types.DeliveryMediumType{"EMAIL"}, ClientMetadata: map[string]string{"ticket": "T-9"}})
	require.NoError(t, err)
	assert.Equal(t, "CustomMessage_AdminCreateUser", got.TriggerSource)
	assert.Equal(t, "{####}", got.Request.CodeParameter)
	assert.Equal(t, "{username}", got.Request.UsernameParameter)
	assert.Equal(t, map[string]string{"ticket": "T-9"}, got.Request.ClientMetadata)

	require.Len(t, f.Deliveries(), 1)
	d := f.Deliveries()[0]
	assert.False(t, d.Dropped, "the trigger's message carries {####}")
	assert.Equal(t, "<p>Hello invited, your password is {####}</p>", d.Message)
	assert.Equal(t, "Your account", d.Subject)
	assert.Empty(t, d.Code)
	pw, _, ok := f.TemporaryPassword(pool, "invited")
	require.True(t, ok)
	resp, err := http.Get(srv.URL + resetpwtest.DeliveriesPath)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Contains(t, string(body), "Hello invited")
	for _, form := range []string{pw, strings.Trim(fmt.Sprintf("%q", pw), `"`)} {
		assert.NotContains(t, string(body), form)
	}
}

// Cognito refuses an invitation template without {username} (R38): the
// Fake's CreateUserPool too, for the email and the SMS message.
func TestFake_CreateUserPoolRefusesAnInvitationWithoutTheUsername(t *testing.T) {
	for _, tt := range []struct {
		name    string
		tmpl    types.MessageTemplateType
		wantErr bool
	}{
		{"both placeholders", types.MessageTemplateType{EmailMessage: aws.String("Hi {username}, {####}"), SMSMessage: aws.String("{username} {####}")}, false},
		{"email without the username", types.MessageTemplateType{EmailMessage: aws.String("Your password is {####}")}, true},
		{"SMS without the username", types.MessageTemplateType{SMSMessage: aws.String("Your password is {####}")}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			_, err := f.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
				AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &tt.tmpl}})
			if tt.wantErr {
				require.ErrorAs(t, err, new(*types.InvalidParameterException))
				return
			}
			require.NoError(t, err)
		})
	}
}

// A trigger's invitation without both placeholders falls back to the
// pool's template silently (R58): here the template has no {####}, so the
// invitation is dropped, not refused.
func TestFake_InviteAgainFallsBackToTheTemplateWithoutThePlaceholders(t *testing.T) {
	for _, body := range []string{"Hello {username}", "Your password is {####}"} {
		t.Run(body, func(t *testing.T) {
			f, pool, _ := invitePool(t, types.UserPoolType{LambdaConfig: &types.LambdaConfigType{CustomMessage: aws.String(triggerARN)},
				EmailConfiguration:    &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper},
				AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{EmailMessage: aws.String("Welcome {username}")}}})
			f.SetTrigger(triggerARN, lambda.NewHandler(func(_ context.Context, ev events.CognitoEventUserPoolsCustomMessage) (events.CognitoEventUserPoolsCustomMessage, error) {
				ev.Response.EmailMessage = body
				return ev, nil
			}))
			require.NoError(t, resend(f, pool, "invited", "", "EMAIL"))
			require.Len(t, f.Deliveries(), 1)
			d := f.Deliveries()[0]
			assert.True(t, d.Dropped, "the template's, which has no {####}")
			assert.Empty(t, d.Message)
		})
	}
}
