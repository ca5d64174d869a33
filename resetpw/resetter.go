package resetpw

import (
	"context"
	"errors"
	"time"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/engine"
	"github.com/cognitoreset/cognitoreset/internal/temppass"
)

// Request names the user whose password to reset.
type Request struct {
	UserPoolID     string
	Username       string            // a username, an alias (email, phone, preferred_username) or the sub
	ClientMetadata map[string]string // passed to the custom message trigger; checked against the policy
	// SignOut signs the user out of every session once the reset is sent
	// (AdminUserGlobalSignOut, paced in quota.CategoryUserUpdate); its
	// failure never hides the reset (Result.SignedOut, SignOutErr).
	SignOut bool
	// OnlyResetRequired sends only to a user still RESET_REQUIRED (a second
	// code, package followup); else ErrUserState, or ErrConfig with PreflightOff.
	OnlyResetRequired bool
}

// Result describes a reset that was sent (or, from Check, that would be).
type Result struct {
	UserPoolID string
	Username   string     // the name sent to Cognito
	Input      alias.Kind // how Request.Username was read
	Delivery   *Delivery  // where the code goes; nil unless the preflight was full
	RequestID  string     // Cognito's request ID; empty from Check
	// Caveats are what the preflight could not prove: the reset was not
	// refused, but the code may not arrive for these reasons. Empty unless
	// the preflight was full.
	Caveats []Caveat
	// SignedOut is true when the user was signed out of every session after
	// the reset (Request.SignOut). SignOutErr is the *Error (Op OpSignOut)
	// of a sign-out that failed: the reset was sent all the same, and Reset
	// returns no error for it.
	SignedOut  bool
	SignOutErr error
	// TemporaryPassword (a wayout.Password: only its Reveal returns it)
	// and PasswordExpires are wayout's (InviteAgain sets the latter only).
	TemporaryPassword temppass.Secret
	PasswordExpires   time.Time
}

// Resetter resets Cognito passwords safely: it validates the request,
// refuses resets that would lock the user out, retries only what is safe to
// retry, and returns typed errors. It is safe for concurrent use. Package
// bulk runs it over many users.
type Resetter struct{ e *engine.Engine }

// New returns a Resetter that calls api, usually a
// *cognitoidentityprovider.Client. It fails when api is nil or an option is
// invalid, with an *Error of kind ErrConfig whose text names the option.
func New(api API, opts ...Option) (*Resetter, error) {
	eopts := make([]engine.Option, len(opts))
	for i, o := range opts {
		eopts[i] = engine.Option(o)
	}
	var eapi engine.API
	if api != nil { // a nil API stays a nil interface: New refuses it
		eapi = api
	}
	e, err := engine.New(eapi, eopts...)
	if err != nil {
		return nil, publicError(err)
	}
	return &Resetter{e}, nil
}

// Reset sends a password-reset code to the user, in this order: it
// validates the request; reads the pool (cached) and refuses admin_only
// recovery; reads Username as Cognito does (R32: an email or phone number
// is a username first, and only otherwise looked up with ListUsers, the
// user found confirmed with AdminGetUser, R23); reads the user and refuses
// disabled users, federated profiles and statuses other than CONFIRMED and
// RESET_REQUIRED; predicts where the code goes and refuses what would lock
// the user out (no qualifying contact, a sandbox, a failing configuration,
// the daily email cap); then sends AdminResetUserPassword once, and signs
// the user out when Request.SignOut asks. How much is read before the send
// is WithPreflight's. Every error is an *Error; nothing was sent unless
// MaybeSent says otherwise.
func (r *Resetter) Reset(ctx context.Context, req Request) (*Result, error) {
	res, err := r.e.Reset(ctx, engineRequest(req))
	return publicResult(res), publicError(err)
}

// Check runs steps 1 to 5 of Reset and sends nothing: why the reset would be
// refused, and with PreflightFull where the code would go. Logs dry_run=true.
func (r *Resetter) Check(ctx context.Context, req Request) (*Result, error) {
	res, err := r.e.Check(ctx, engineRequest(req))
	return publicResult(res), publicError(err)
}

// CheckPool reads a pool (one DescribeUserPool, and the SNS or SES reads of
// package groundtruth when the pool may use them) and reports what the
// preflight will do with its resets, so that a service can fail fast at
// startup and an operator can read the pool's recovery settings. It reads
// no user, sends nothing, logs nothing, and refreshes the pool cache. Its
// errors are *Error values whose Op is OpPreflight (OpValidate for a
// malformed pool ID).
func (r *Resetter) CheckPool(ctx context.Context, poolID string) (*PoolReport, error) {
	rep, err := r.e.CheckPool(ctx, poolID)
	if err != nil {
		return nil, publicError(err)
	}
	return publicReport(rep), nil
}

func engineRequest(req Request) engine.Request {
	return engine.Request{UserPoolID: req.UserPoolID, Username: req.Username, ClientMetadata: req.ClientMetadata, SignOut: req.SignOut,
		OnlyResetRequired: req.OnlyResetRequired}
}

func publicResult(res *engine.Result) *Result {
	if res == nil {
		return nil
	}
	out := &Result{UserPoolID: res.UserPoolID, Username: res.Username, Input: res.Input, RequestID: res.RequestID,
		Caveats: publicCaveats(res.Caveats), SignedOut: res.SignedOut, SignOutErr: publicError(res.SignOutErr),
		TemporaryPassword: res.TemporaryPassword, PasswordExpires: res.PasswordExpires}
	if d := res.Delivery; d != nil {
		out.Delivery = &Delivery{Medium: Medium(d.Medium), MaskedDestination: d.Destination, Sender: Sender(d.Sender)}
	}
	return out
}

func publicCaveats(cs []engine.Caveat) []Caveat {
	if cs == nil {
		return nil
	}
	out := make([]Caveat, len(cs))
	for i, c := range cs {
		out[i] = Caveat{Code: CaveatCode(c.Code), Rule: c.Rule, Message: c.Message}
	}
	return out
}

func init() {
	engine.EngineOf = func(r any) *engine.Engine { return r.(*Resetter).e }
	engine.PublicError = publicError
	engine.PublicResult = func(res *engine.Result) any { return publicResult(res) }
	engine.PublicKind = publicKind
	engine.PublicFields = func(err error) (op, fate, requestID string) {
		var e *Error
		if errors.As(err, &e) {
			return string(e.Op), string(e.Fate), e.RequestID
		}
		return "", "", ""
	}
}
