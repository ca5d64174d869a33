// Package wayout reaches the users a reset can't: it invites again a user
// stuck in FORCE_CHANGE_PASSWORD, and sets a temporary password for a
// user no code can reach, to be handed over out of band. Each carries a
// reset's guarantees: Username read as Cognito reads it, a preflight that
// refuses with nothing sent, one request whatever the client's retry
// settings with its fate recorded, pacing in its own quota category, typed
// errors (*resetpw.Error), one log line, a span and metrics, nothing
// personal in any of them (docs/cognito-rules.md R38 to R49). The
// resetpw.Error of a request that failed has Op "invite" (AdminCreateUser)
// or "set_password" (AdminSetUserPassword).
//
// A refused reset names its way out (resetpw.Error.WayOut): a service
// offers the action the refusal names, and takes it only when a person
// confirms it.
//
//	res, err := resetter.Reset(ctx, req)
//	var e *resetpw.Error
//	if errors.As(err, &e) && e.WayOut == wayout.InviteAgain && agentConfirmed {
//		res, err = ways.InviteAgain(ctx, req)
//	}
package wayout

import (
	"context"
	"errors"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/temppass"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// The ways out a refusal names (resetpw.Error.WayOut, R45).
const (
	// InviteAgain: the user is in FORCE_CHANGE_PASSWORD (an invitation
	// expired or never arrived); [Ways.InviteAgain] reaches it.
	InviteAgain resetpw.WayOut = resetpw.WayOut(engine.WayInviteAgain)
	// TemporaryPassword: no contact a code reaches, or the pool's
	// recovery is admin_only; [Ways.SetTemporaryPassword], the password
	// handed over out of band once the caller's identity is verified.
	TemporaryPassword resetpw.WayOut = resetpw.WayOut(engine.WayTemporaryPassword)
	// VerifyContact: the user holds an email or phone number that is not
	// verified; once the user verifies it, a reset reaches it.
	VerifyContact resetpw.WayOut = resetpw.WayOut(engine.WayVerifyContact)
)

// Password is a temporary password that [Ways.SetTemporaryPassword] set
// (resetpw.Result.TemporaryPassword). Its Reveal method returns it: call
// it once, where the password is handed to the person who will use it,
// and never log or store the result. Nothing else prints it: fmt's verbs,
// log/slog, encoding/json, an error's text or a span see no value. The
// zero Password reveals "".
type Password = temppass.Secret

// API is what Ways calls of Cognito: resetpw.API, and AdminCreateUser and
// AdminSetUserPassword. *cognitoidentityprovider.Client, resetpwtest.Fake
// and resetpwtest.Server's client satisfy it.
type API interface {
	resetpw.API
	AdminCreateUser(context.Context, *cip.AdminCreateUserInput, ...func(*cip.Options)) (*cip.AdminCreateUserOutput, error)
	AdminSetUserPassword(context.Context, *cip.AdminSetUserPasswordInput, ...func(*cip.Options)) (*cip.AdminSetUserPasswordOutput, error)
}

var _ API = (*cip.Client)(nil)

// Ways takes the ways out. It is safe for concurrent use.
type Ways struct {
	e                 *engine.Engine
	invite, temporary engine.Action
}

// New returns Ways that take the ways out with r: its API (which must be
// an API), and all it holds, shared with its resets: the daily email cap's
// count (an invitation by email counts as a code does), the pool cache,
// the limiter, logger, telemetry, client options and retries. Its
// preflight is always full, whatever WithPreflight says: an invitation's
// contact and a temporary password's policy are read from the user and the
// pool. It fails, with an *resetpw.Error of kind ErrConfig, when r is nil
// or its API lacks AdminCreateUser or AdminSetUserPassword.
func New(r *resetpw.Resetter) (*Ways, error) {
	if r == nil {
		return nil, configErr("nil Resetter")
	}
	e := engine.EngineOf(r)
	api, ok := e.API().(engine.RecoveryAPI)
	if !ok {
		return nil, configErr("the Resetter's API has no AdminCreateUser and AdminSetUserPassword (wayout.API)")
	}
	return &Ways{e: e, invite: engine.InviteAction(api), temporary: engine.TemporaryPasswordAction(api)}, nil
}

func configErr(why string) error {
	return engine.PublicError(&engine.Error{Kind: engine.ErrConfig, Op: engine.OpValidate, Fate: engine.FateNotSent, Err: errors.New("wayout.New: " + why)})
}

// InviteAgain sends the user a new invitation (AdminCreateUser with
// MessageAction RESEND), with a new temporary password whose validity
// starts again (R40): Result.Delivery says where it goes (the email, else
// the phone number, verified or not, R38), Result.PasswordExpires when the
// password expires (R43). The password is made from crypto/rand, as
// SetTemporaryPassword's is, and with no character an HTML invitation
// mangles (R44); the invitation carries it, and the Result does not. A
// CodeDeliveryFailureException may come after Cognito replaced the old
// password (resetpw.MaybeSent is true). It refuses, with nothing sent,
// a user that is disabled or in any state but FORCE_CHANGE_PASSWORD
// (ErrUserState), and one with no contact or a pool whose invitation
// template can't carry the password (R38). It is paced in
// quota.CategoryUserCreation. Request.SignOut signs the user out after it,
// as after a reset: a user that AdminSetUserPassword put in
// FORCE_CHANGE_PASSWORD keeps its sessions (R46). Every error is a
// *resetpw.Error; nothing was sent unless resetpw.MaybeSent says otherwise.
func (w *Ways) InviteAgain(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	return w.run(ctx, &w.invite, "cognitoreset.InviteAgain", req)
}

// SetTemporaryPassword sets a temporary password made from crypto/rand to
// meet the pool's password policy (AdminSetUserPassword, Permanent false,
// R41 to R44), for a user no code can reach: the user must choose a new
// password at the next sign-in. The Result holds it
// (Result.TemporaryPassword: hand it over once, out of band, and write it
// nowhere) and says when it expires (Result.PasswordExpires, the pool's
// TemporaryPasswordValidityDays, R43). The user is then signed out of
// every session (R46), always: Result.SignedOut, Result.SignOutErr. It
// refuses, with nothing sent, a disabled user (ErrUserDisabled), a
// federated profile (R47) and an UNCONFIRMED user (ErrUserState). It is
// paced in quota.CategoryUserAccountRecovery (R49), with resets. When its
// answer is lost (resetpw.MaybeSent), a password may be set that nobody
// holds: the user is signed out all the same, and the error's WayOut is
// TemporaryPassword (set another). The SDK's log never holds the request's
// body, whatever its ClientLogMode (nor InviteAgain's); an HTTPClient given
// with resetpw.WithClientOptions sees it, as it sees every request.
func (w *Ways) SetTemporaryPassword(ctx context.Context, req resetpw.Request) (*resetpw.Result, error) {
	req.SignOut = true
	return w.run(ctx, &w.temporary, "cognitoreset.SetTemporaryPassword", req)
}

func (w *Ways) run(ctx context.Context, act *engine.Action, span string, req resetpw.Request) (*resetpw.Result, error) {
	res, err := w.e.Run(ctx, act, span, engine.Request{UserPoolID: req.UserPoolID, Username: req.Username,
		ClientMetadata: req.ClientMetadata, SignOut: req.SignOut})
	if err != nil {
		return nil, engine.PublicError(err)
	}
	return engine.PublicResult(res).(*resetpw.Result), nil
}
