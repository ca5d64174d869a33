package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/internal/temppass"
	"github.com/cognitoreset/cognitoreset/quota"
)

// Request names the user an action is for (resetpw.Request's value).
type Request struct {
	UserPoolID     string
	Username       string
	ClientMetadata map[string]string
	SignOut        bool
	// OnlyResetRequired refuses the action unless the user, read just
	// before it is sent, is RESET_REQUIRED (a second code, R65).
	OnlyResetRequired bool
	// UnchangedSince, with OnlyResetRequired, also refuses a user whose
	// UserLastModifiedDate, read just before the send, is later: reset
	// again or changed since the code on record, whose newest code may
	// still be valid (R66). Without OnlyResetRequired it is refused
	// (ErrInvalidInput, nothing sent).
	UnchangedSince time.Time
}

// Result describes an action that was sent (or, from a dry run, that would
// be); resetpw.Result's value.
type Result struct {
	Action     string // the action's Name when it is not a reset ("invite", "temporary_password"), for telemetry
	UserPoolID string
	Username   string
	Input      alias.Kind
	Delivery   *Delivery
	RequestID  string
	Caveats    []Caveat
	SignedOut  bool
	SignOutErr error
	// TemporaryPassword and PasswordExpires: the password
	// TemporaryPasswordAction set, and when it expires (R43);
	// InviteAction sets PasswordExpires only.
	TemporaryPassword temppass.Secret
	PasswordExpires   time.Time

	invitation temppass.Secret // the TemporaryPassword InviteAction sends, never handed out
}

// Engine carries recovery actions through their stages: validate, read
// Username as Cognito does, read the user and run the action's preflight,
// reserve (pacing, the email cap), send one request with its fate
// recorded, and done (log, trace, count). resetpw.Resetter holds one. It is
// safe for concurrent use.
type Engine struct {
	api           API
	cfg           Config
	callOpts      []func(*cip.Options) // WithClientOptions; call adds its wire last
	gate          *Gate                // WithLimiter's; nil: not paced
	pools         cache[*poolInfo]
	smsCache      cache[*SMSAccount]
	sesAccounts   cache[*EmailAccount]
	sesIdentities cache[bool]
	emails        quota.EmailCounter // the daily email cap's count (R36)
	now           func() time.Time
	tel           Observer
}

// New returns an Engine that calls api. It fails when api is nil or an
// option is invalid, with a *Error of kind ErrConfig.
func New(api API, opts ...Option) (*Engine, error) {
	if api == nil {
		return nil, optionErr("New", "nil API")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, optionErr("New", "nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	emails := cfg.emails
	if emails == nil {
		emails = quota.NewLocalEmailCounter()
	}
	var tel Observer = nopObserver{}
	if cfg.newObserver != nil {
		var err error
		if tel, err = cfg.newObserver(cfg.tracerProvider, cfg.meterProvider); err != nil {
			return nil, optionErr("WithTelemetry", "%v", err)
		}
	}
	return &Engine{api: api, cfg: cfg, callOpts: slices.Clone(cfg.clientOpts), gate: NewGate(cfg.limiter), emails: emails, now: time.Now, tel: tel}, nil
}

// Reset carries the Reset action through every stage, and Check every
// stage but the send.
func (r *Engine) Reset(ctx context.Context, req Request) (*Result, error) {
	return r.single(ctx, req, true)
}

// Check is Reset's dry run.
func (r *Engine) Check(ctx context.Context, req Request) (*Result, error) {
	return r.single(ctx, req, false)
}

var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// maxPoolIDLength is Cognito's limit on a user pool ID.
const maxPoolIDLength = 55

// errPoolID is the cause of the ErrInvalidInput error for a malformed pool ID.
var errPoolID = errors.New("user pool ID must be 1 to 55 characters of the form region_ID")

func checkPoolID(id string) error {
	if id == "" || len(id) > maxPoolIDLength || !utf8.ValidString(id) || !poolIDPattern.MatchString(id) {
		return errPoolID
	}
	return nil
}

// Attempt carries one action on one user through the stages. A single
// Reset runs them in a row (single); a bulk run runs them one by one and
// decides between them (duplicates, the email cap, its stops).
type Attempt struct {
	r         *Engine
	g         *Gate
	act       *Action
	preflight Preflight
	forRun    bool // a bulk run's: the user is read to learn its username
	req       Request
	name      string                  // what is sent as Username
	user      string                  // the user's own username, once read and confirmed (Error.User)
	kind      alias.Kind              // how req.Username was read
	found     *alias.Resolution       // set when name came from a ListUsers lookup
	read      *cip.AdminGetUserOutput // the user, when resolve read it (R32)
	safe      []string                // private strings to mask in errors
	pool      *poolInfo               // the pool, once read
	email     *emailTaken             // the daily email cap's count of this code, once taken
}

// NewAttempt starts act on req's user, paced by g (nil: not paced), with
// preflight; forRun says a bulk run's, which reads the user even under
// PreflightPool to learn its username.
func (r *Engine) NewAttempt(act *Action, req Request, g *Gate, preflight Preflight, forRun bool) *Attempt {
	return &Attempt{r: r, g: g, act: act, preflight: preflight, forRun: forRun, req: req}
}

// Name is the username the attempt sends, once Prepare has passed.
func (a *Attempt) Name() string { return a.name }

// Request is the attempt's request.
func (a *Attempt) Request() Request { return a.req }

// EndedUnsent reports whether err is ctx's end, on a request that was not
// sent: a bulk run then gives the input an ErrRunStopped outcome.
func EndedUnsent(ctx context.Context, err error) bool {
	return ctx.Err() != nil && isContextErr(err) && !MaybeSent(err)
}

// Fail builds the *Error of a failed step; the zero kind means the cause's.
func (a *Attempt) Fail(op Op, kind Kind, cause error) *Error {
	if kind == (Kind{}) {
		kind = classify(cause)
	}
	e := &Error{Kind: kind, Op: op, UserPoolID: a.req.UserPoolID, Username: a.req.Username, User: a.user,
		RequestID: requestIDOf(cause), Fate: fateOrNotSent(cause), RetryAfter: retryAfter(op, kind, cause), Err: cause, Redact: a.safe}
	if f := (*refusal)(nil); errors.As(cause, &f) {
		e.WayOut = f.way
	}
	if a.act != nil && a.act.Name != ResetAction.Name {
		e.Action = a.act.Name
	}
	return e
}

// invalid builds the *Error of a field that fails local validation.
func (a *Attempt) invalid(field Field, cause error) *Error {
	e := a.Fail(OpValidate, ErrInvalidInput, cause)
	e.Field = field
	e.MetadataKey = metadataKeyOf(cause)
	return e
}

// single runs one action through its stages in a row: the path of a
// single Reset or Check, which no bulk code is on.
func (r *Engine) single(ctx context.Context, req Request, send bool) (*Result, error) {
	name := "cognitoreset.Reset"
	if !send {
		name = "cognitoreset.Check"
	}
	return r.run(ctx, &ResetAction, name, r.cfg.preflight, req, send)
}

// run carries act through its stages in a row, under a span of that name.
func (r *Engine) run(ctx context.Context, act *Action, name string, preflight Preflight, req Request, send bool) (*Result, error) {
	ctx, span := r.tel.Start(ctx, name, req.UserPoolID)
	var start time.Time
	if send {
		start = r.tel.Timing(ctx)
	}
	a := r.NewAttempt(act, req, r.gate, preflight, false)
	res, err := a.Prepare(ctx)
	if err == nil {
		err = a.Reserve(ctx, r.emails, r.cfg.dailyEmail, res, send, nil)
	}
	if err == nil && send {
		err = a.Send(ctx, res)
	}
	res, err = r.Done(ctx, a, res, err, send)
	if send {
		r.tel.RecordReset(ctx, start, res, err)
	}
	if res != nil && span.Recording() {
		span.SetResult(res)
	}
	span.End(err)
	return res, err
}

// Done is the last stage: it logs the attempt's outcome (one Info line for
// a result, one Warn line for an error) and returns it, every error an
// *Error.
func (r *Engine) Done(ctx context.Context, a *Attempt, res *Result, err error, send bool) (*Result, error) {
	req := a.req
	if err != nil {
		var e *Error
		if !errors.As(err, &e) { // every error of the stages is an *Error; this is a guard
			e = a.Fail(a.act.Op, Kind{}, err)
			err = e
		}
		r.logFailure(ctx, a.act, req, e, !send)
		return nil, err
	}
	if r.cfg.logger.Enabled(ctx, slog.LevelInfo) {
		msg := a.act.logName() + " sent"
		if !send {
			msg = a.act.logName() + " checked"
		}
		attrs := []slog.Attr{slog.String("pool", req.UserPoolID), slog.String("user", alias.Mask(req.Username)),
			slog.String("input", res.Input.String()), slog.Bool("dry_run", !send)}
		if send {
			attrs = append(attrs, slog.String("cognito_request_id", res.RequestID), slog.Int("metadata_keys", len(req.ClientMetadata)),
				slog.Bool("signed_out", res.SignedOut))
		}
		if res.Delivery != nil {
			attrs = append(attrs, slog.String("medium", string(res.Delivery.Medium)), slog.String("destination", res.Delivery.Destination),
				slog.String("sender", string(res.Delivery.Sender)))
		}
		if len(res.Caveats) > 0 {
			codes := make([]string, len(res.Caveats))
			for i, c := range res.Caveats {
				codes[i] = string(c.Code)
			}
			attrs = append(attrs, slog.Any("caveats", codes))
		}
		r.cfg.logger.LogAttrs(ctx, slog.LevelInfo, msg, attrs...)
	}
	return res, nil
}

// logFailure writes the Warn line of a refused or failed reset. The line is
// built only when the logger wants it: masking costs allocations.
func (r *Engine) logFailure(ctx context.Context, act *Action, req Request, e *Error, dryRun bool) {
	if !r.cfg.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	msg := act.logName() + " failed"
	switch {
	case e.Op == OpValidate || errors.As(e.Err, new(*refusal)):
		msg = act.logName() + " refused"
	case e.Op == OpSignOut:
		msg = act.logName() + " sent, sign-out failed"
	}
	attrs := []slog.Attr{slog.String("pool", shortPoolID(req.UserPoolID)), slog.String("user", alias.Mask(req.Username)),
		slog.Bool("dry_run", dryRun), slog.String("kind", e.Kind.Code()), slog.String("op", string(e.Op))}
	if e.RequestID != "" {
		attrs = append(attrs, slog.String("cognito_request_id", e.RequestID))
	}
	if e.WayOut != "" {
		attrs = append(attrs, slog.String("way_out", string(e.WayOut)))
	}
	attrs = append(attrs, slog.String("error", e.CauseText()))
	r.cfg.logger.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
}

// Prepare runs the stages before the send: it validates the request
// (step 1), reads Username as Cognito does, and reads the user and runs the
// action's preflight as far as the attempt's Preflight goes (steps 2 to
// 5). Its Result says where the code would go; its error is the *Error of
// the stage that failed, and nothing was sent.
func (a *Attempt) Prepare(ctx context.Context) (*Result, error) {
	if err := a.validate(ctx); err != nil {
		return nil, err
	}
	res := &Result{UserPoolID: a.req.UserPoolID}
	if a.act.Name != ResetAction.Name {
		res.Action = a.act.Name
	}
	if err := a.runPreflight(ctx, res); err != nil {
		return nil, err
	}
	res.Username, res.Input = a.name, a.kind
	return res, nil
}

// validate is step 1: the pool ID, the username (read as a.kind, sent as
// a.name) and the ClientMetadata, with nothing sent. It also settles
// whether the user is signed out after the reset.
func (a *Attempt) validate(ctx context.Context) error {
	r, req := a.r, a.req
	if err := checkPoolID(req.UserPoolID); err != nil {
		e := a.invalid(FieldUserPoolID, err)
		e.Kind = ErrConfig // the service's own configuration, not the caller's input
		return e
	}
	trimmed := strings.TrimSpace(req.Username)
	a.kind = alias.Classify(trimmed)
	name, err := alias.Normalize(req.Username, a.kind, alias.PoolConfig{CaseSensitive: true}, r.cfg.aliasOpts)
	if err != nil {
		return a.invalid(FieldUsername, err)
	}
	a.name = name
	if a.preflight == PreflightOff && a.kind == alias.Phone {
		// Nothing is resolved, so Cognito reads the name by itself (R32):
		// a phone number typed with separators that is a valid username
		// ("+1-206-555-0100") goes as typed, since its E.164 form may be
		// another user's username or phone number.
		if typed, err := alias.Normalize(req.Username, alias.Username, alias.PoolConfig{CaseSensitive: true}, r.cfg.aliasOpts); err == nil {
			a.name = typed
		}
	}
	a.safe = append(a.safe, trimmed, name)
	if req.OnlyResetRequired && a.preflight == PreflightOff {
		return a.Fail(OpValidate, ErrConfig, errors.New("OnlyResetRequired needs a preflight that reads the user (full or pool), not off"))
	}
	if !req.UnchangedSince.IsZero() && !req.OnlyResetRequired {
		return a.Fail(OpValidate, ErrInvalidInput, errors.New("UnchangedSince needs OnlyResetRequired: it guards a second code, sent only to a user still RESET_REQUIRED"))
	}
	if err := r.cfg.policy.Validate(req.ClientMetadata); err != nil {
		return a.invalid(FieldClientMetadata, err)
	}
	if err := ctx.Err(); err != nil {
		return a.Fail(OpValidate, ErrUnavailable, err)
	}
	return nil
}

// preflight is steps 2 to 5, as far as the Preflight option goes: the pool,
// the aliases, and the user and where the code goes (in res).
func (a *Attempt) runPreflight(ctx context.Context, res *Result) error {
	r := a.r
	if a.preflight == PreflightOff {
		return nil
	}
	// 2. The pool.
	pool, err := r.pool(ctx, a.g, a.req.UserPoolID)
	if err != nil {
		return a.Fail(OpPreflight, Kind{}, err)
	}
	a.pool = pool
	if f := replicaRefusal(pool); f != nil {
		return a.Fail(OpPreflight, f.kind, f)
	}
	if a.act.check != nil {
		// 3 to 5, the action's own: the user as for a reset, then its
		// checks (an invitation, a temporary password).
		if err := a.resolve(ctx, pool); err != nil {
			return err
		}
		u, err := a.readUser(ctx, pool)
		if err != nil {
			return err
		}
		f, err := a.act.check(ctx, a.r, pool, u, res)
		if err != nil {
			return a.Fail(OpPreflight, Kind{}, err)
		}
		if f != nil {
			return a.Fail(OpPreflight, f.kind, f)
		}
		return nil
	}
	if pool.adminOnly {
		return a.adminOnly(ctx, pool)
	}
	if err := a.checkMessage(pool); err != nil {
		return err
	}
	// 3. Aliases.
	if err := a.resolve(ctx, pool); err != nil {
		return err
	}
	// 4 and 5. The user and the delivery.
	switch {
	case a.preflight == PreflightFull:
		return a.checkUser(ctx, pool, res)
	case a.found != nil || a.forRun || a.kind == alias.Sub || a.req.OnlyResetRequired:
		// A bulk run reads the user too: its username is how two
		// identifiers of one user (a username, its sub, an alias the pool
		// signs in with) meet, or the user gets two codes. A sub is read
		// to be confirmed as the user's sub (R26).
		u, err := a.readUser(ctx, pool)
		if err != nil {
			return err
		}
		return a.stillResetRequired(u)
	}
	return nil
}

// adminOnly refuses a reset in a pool whose recovery is admin_only (R1).
// With a full preflight it reads the user first, so that the refusal
// names a temporary password only for a user who takes one (R45) and
// names the user (Error.User); a user it can't read gets the refusal
// alone.
func (a *Attempt) adminOnly(ctx context.Context, pool *poolInfo) error {
	f := &refusal{kind: ErrRecoveryNotConfigured, reason: "the pool's account recovery is admin_only"}
	if a.preflight == PreflightFull && a.resolve(ctx, pool) == nil {
		if u, err := a.readUser(ctx, pool); err == nil {
			f.way = temporaryPasswordWay(u)
		}
	}
	return a.Fail(OpPreflight, f.kind, f)
}

// stillResetRequired refuses a request that asks for a user still in
// RESET_REQUIRED (Request.OnlyResetRequired) when u is not: a user who
// completed the reset, or was changed otherwise, gets no second code (R65).
func (a *Attempt) stillResetRequired(u *userInfo) error {
	if !a.req.OnlyResetRequired {
		return nil
	}
	if u.status != types.UserStatusTypeResetRequired {
		f := &refusal{kind: ErrUserState, reason: fmt.Sprintf("user status %s, not RESET_REQUIRED: the reset was completed or the user changed since, so no second code is sent", u.status)}
		return a.Fail(OpPreflight, f.kind, f)
	}
	if since := a.req.UnchangedSince; !since.IsZero() && u.modified.After(since) {
		f := &refusal{kind: ErrUserState, reason: "user modified since the code on record (reset again, or changed): its newest code may still be valid, so no second code is sent"}
		return a.Fail(OpPreflight, f.kind, f)
	}
	return nil
}

// Reserve is the stage between the preflight and the send: it takes the
// code's place under the daily email cap of counter and limit when the code
// may go by Cognito's built-in email (sending, it counts it; a dry run
// counts on top of tally's plan, taking nothing). Past the cap the error is
// a refusal of kind ErrDeliveryConfig that matches ErrEmailCap; a counter
// that fails, ErrUnavailable. Nothing was sent either way. A bulk run calls
// it with its own tally; Return gives the place back when nothing is sent.
func (a *Attempt) Reserve(ctx context.Context, counter quota.EmailCounter, limit int, res *Result, send bool, tally *EmailTally) error {
	if err := a.CapEmail(ctx, counter, limit, res, send, tally); err != nil {
		return a.emailCapFailure(err)
	}
	return nil
}

// Return gives back the attempt's place under the email cap: nothing was
// sent (R36).
func (a *Attempt) Return() { a.returnEmail() }

// Send is steps 6 and 7: it sends the action's one request with the
// resolved name (through the wire, its fate recorded), puts Cognito's
// request ID in res, and runs the action's follow-up (the reset's
// sign-out, when the request asks it). An action that provably sent
// nothing gives its email back to the daily cap.
func (a *Attempt) Send(ctx context.Context, res *Result) error {
	requestID, err := a.sendAction(ctx, res)
	if err != nil {
		switch {
		case isCodeDeliveryFailure(err) && a.act.Op == OpInvite:
			err = fmt.Errorf("%w (the invitation did not reach the user, but AdminCreateUser acts before it delivers: the old temporary password may no longer work; invite again once delivery works, R40, R62)", err)
		case isCodeDeliveryFailure(err):
			err = fmt.Errorf("%w (no code reached the user, but the password may have been reset anyway, leaving the user RESET_REQUIRED with no code: the user may need another reset once delivery works, R62)", err)
		}
		e := a.Fail(a.act.Op, Kind{}, err)
		switch {
		case isDailyEmailLimit(err):
			a.fillEmailCap() // Cognito's count is at the cap: so is ours (R20, R36)
		case !MaybeSent(e):
			a.returnEmail() // nothing went out: the code does not count (R36)
		}
		if pacedOut(err) {
			return a.Fail(OpPace, Kind{}, err) // the limiter failed: nothing was sent
		}
		if isInvalidPassword(err) {
			a.r.pools.forget(a.req.UserPoolID) // its policy may have changed: read it again
		}
		if MaybeSent(e) && a.act.Op == OpSetPassword && a.act.Then != nil {
			// A password may have been set that nobody holds: the user is
			// signed out all the same (safe to repeat), and setting
			// another is the way out (R46).
			a.followUp(ctx, a.act.Then, &Result{})
			e.WayOut = WayTemporaryPassword
		}
		return e
	}
	res.RequestID = requestID
	if a.act.Then != nil && a.req.SignOut {
		a.followUp(ctx, a.act.Then, res)
	}
	return nil
}

// sendAction sends the attempt's request: its action's send, sent once
// (retried only when provably not sent), or else its Send.
func (a *Attempt) sendAction(ctx context.Context, res *Result) (string, error) {
	act := a.act
	if act.send == nil {
		return a.send(ctx, act)
	}
	return callOnce(ctx, a.r, a.g, act.Category, act.wire, true, func(ctx context.Context, o ...func(*cip.Options)) (string, error) {
		return act.send(ctx, a, res, o...)
	})
}

// send sends act's request, paced and retried as act's category allows.
func (a *Attempt) send(ctx context.Context, act *Action) (requestID string, err error) {
	return call(ctx, a.r, a.g, act.Category, func(ctx context.Context, o ...func(*cip.Options)) (string, error) {
		return act.Send(ctx, a.r.api, a.req, a.name, o...)
	})
}

// followUp sends act after the action's request was sent (the reset's
// sign-out); a failure goes in res.SignOutErr, never in place of the
// action's result.
func (a *Attempt) followUp(ctx context.Context, act *Action, res *Result) {
	r := a.r
	_, err := a.send(ctx, act)
	if err != nil {
		e := a.Fail(act.Op, Kind{}, err)
		res.SignOutErr = e
		r.logFailure(ctx, a.act, a.req, e, false)
		return
	}
	res.SignedOut = true
}

// resolve reads req.Username as Cognito reads it (R32): an email or phone
// number the pool does not sign in with is some user's username when
// AdminGetUser finds one (that read is kept for readUser), and is looked up
// with ListUsers only when not.
func (a *Attempt) resolve(ctx context.Context, pool *poolInfo) error {
	resolver, err := alias.NewResolver(resolverAPI{a}, a.r.cfg.aliasOpts)
	if err != nil {
		return a.Fail(OpResolve, ErrInvalidInput, err)
	}
	res, err := resolver.Resolve(ctx, a.req.UserPoolID, pool.signIn, a.req.Username)
	if err != nil {
		return a.Fail(OpResolve, Kind{}, err)
	}
	a.name, a.kind, a.read = res.Name, res.Kind, res.User
	a.safe = append(a.safe, res.Name)
	if res.LookedUp {
		a.found = &res
	}
	return nil
}

// resolverAPI is the alias.API of a resolve: every call is paced and
// retried as the attempt's other calls are.
type resolverAPI struct{ a *Attempt }

func (x resolverAPI) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return call(ctx, x.a.r, x.a.g, quota.CategoryUserRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
		return x.a.r.api.AdminGetUser(ctx, in, o...)
	})
}

func (x resolverAPI) ListUsers(ctx context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	return call(ctx, x.a.r, x.a.g, quota.CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
		return x.a.r.api.ListUsers(ctx, in, o...)
	})
}

// readUser reads the user (AdminGetUser, unless resolve just did), sends
// its own username from then on, and confirms a user that ListUsers found
// (R23). Federated profiles are refused first: they can't be reset, whatever
// ListUsers said (R11).
func (a *Attempt) readUser(ctx context.Context, pool *poolInfo) (*userInfo, error) {
	r := a.r
	asked, askedKind := a.name, a.kind
	out := a.read
	if out == nil {
		var err error
		out, err = call(ctx, r, a.g, quota.CategoryUserRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
			return r.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &a.req.UserPoolID, Username: &a.name}, o...)
		})
		if err != nil {
			return nil, a.Fail(OpPreflight, Kind{}, err)
		}
	}
	u := userInfoFrom(out)
	for _, k := range []string{"email", "phone_number", "preferred_username", "sub"} {
		if v := u.attrs[k]; v != "" {
			a.safe = append(a.safe, v)
		}
	}
	if u.username != "" {
		a.safe = append(a.safe, u.username)
		if a.kind == alias.Username && !strings.EqualFold(u.username, a.name) &&
			strings.EqualFold(u.attrs["preferred_username"], a.name) {
			a.kind = alias.PreferredUsername
		}
		// Send the user's own username: Cognito then has nothing to resolve.
		a.name = u.username
	}
	if u.status == types.UserStatusTypeExternalProvider {
		return nil, a.Fail(OpPreflight, federatedRefusal.kind, federatedRefusal)
	}
	if f := a.confirm(u); f != nil {
		return nil, a.Fail(OpResolve, f.kind, f)
	}
	if f, err := a.confirmSub(ctx, pool, u, asked, askedKind); err != nil || f != nil {
		if err != nil {
			return nil, a.Fail(OpResolve, Kind{}, err)
		}
		return nil, a.Fail(OpResolve, f.kind, f)
	}
	if askedKind == alias.Sub && u.attrs["sub"] != asked {
		a.kind = alias.Username // a UUID-shaped username, not a sub
	}
	a.user = a.name
	return u, nil
}

// confirm checks that a user found through ListUsers still holds the
// identifier as a current attribute, verified for email and phone: the
// index may be stale, and resetting whoever it names could reset the wrong
// user (R23). Emails compare case-insensitively: a different case is the
// same mailbox, while a stale index names a different one.
func (a *Attempt) confirm(u *userInfo) *refusal {
	res := a.found
	if res == nil {
		return nil
	}
	var holds, verified bool
	switch res.Kind {
	case alias.Email:
		holds = strings.EqualFold(u.attrs["email"], res.Value)
		verified = u.verified("email") != ""
	case alias.Phone:
		holds = u.attrs["phone_number"] != "" && stripPlusSeparators(u.attrs["phone_number"]) == res.Value
		verified = u.verified("phone_number") != ""
	} // alias.Resolver looks up nothing else: a username is read, not looked up (R32)
	switch {
	case !holds:
		return &refusal{kind: ErrUserNotFound, reason: fmt.Sprintf("ListUsers named a user whose current attributes do not hold this %s: its index is stale (eventually consistent), so nothing was sent", res.Kind)}
	case !verified:
		return &refusal{kind: ErrUserNotFound, reason: fmt.Sprintf("ListUsers named a user who now holds this %s unverified; Cognito sends codes only to verified contacts, and the index may be stale", res.Kind)}
	}
	return nil
}

func (a *Attempt) checkUser(ctx context.Context, pool *poolInfo, res *Result) error {
	u, err := a.readUser(ctx, pool)
	if err != nil {
		return err
	}
	if f := checkUser(u); f != nil {
		return a.Fail(OpPreflight, f.kind, a.r.forceChange(ctx, pool, u, f))
	}
	if err := a.stillResetRequired(u); err != nil {
		return err
	}
	pr, f, err := a.r.predict(ctx, pool, u)
	if err != nil {
		return a.Fail(OpPreflight, Kind{}, err)
	}
	if f != nil {
		return a.Fail(OpPreflight, f.kind, f)
	}
	res.Delivery = &Delivery{Medium: pr.medium, Destination: alias.Mask(pr.dest), Sender: pr.sender}
	res.Caveats = pr.caveats
	return nil
}
