package resetpw

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

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
)

// Request names the user whose password to reset.
type Request struct {
	UserPoolID     string
	Username       string            // a username, an alias (email, phone, preferred_username) or the sub
	ClientMetadata map[string]string // passed to the custom message trigger; checked against the policy
	// SignOut signs the user out of every session after the reset is sent
	// (AdminUserGlobalSignOut), as WithSignOut does for every reset.
	SignOut bool
}

// Result describes a reset that was sent (or, from Check, that would be).
type Result struct {
	UserPoolID string
	Username   string     // the name sent to Cognito
	Input      alias.Kind // how Request.Username was read
	Delivery   *Delivery  // where the code goes; nil unless preflight was full
	RequestID  string     // Cognito's request ID; empty from Check
	// Caveats are what the preflight could not prove: the reset was not
	// refused, but the code may not arrive for these reasons. Empty unless
	// preflight was full.
	Caveats []Caveat
	// SignedOut is true when the user was signed out of every session after
	// the reset (WithSignOut, Request.SignOut). SignOutErr is the *Error
	// (Op OpSignOut) of a sign-out that failed: the reset was sent all the
	// same, and Reset returns no error for it.
	SignedOut  bool
	SignOutErr error
}

// Resetter resets Cognito passwords safely: it validates the request,
// refuses resets that would lock the user out, retries only what is safe to
// retry, and returns typed errors. It is safe for concurrent use.
type Resetter struct {
	api      API
	cfg      config
	callOpts []func(*cip.Options) // WithClientOptions; call adds its wire last
	gate     *gate                // WithLimiter's, type-asserted once; nil: not paced
	pools    poolCache
	sms      smsCache
	ses      sesCache
	emails   EmailCounter // the daily email cap's count (R36)
	now      func() time.Time
	tel      *telemetry // WithTracerProvider's and WithMeterProvider's
}

// New returns a Resetter that calls api, usually a
// *cognitoidentityprovider.Client. It fails when api is nil or an option is
// invalid; the error is then a *Error of kind ErrInvalidInput (Op
// OpValidate, Field the option, "API" or "Option") that matches ErrOption.
func New(api API, opts ...Option) (*Resetter, error) {
	if api == nil {
		return nil, optionErr("API", "nil API")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, optionErr("Option", "nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	callOpts := slices.Clone(cfg.clientOpts)
	emails := cfg.emails
	if emails == nil {
		emails = NewLocalEmailCounter()
		if ec, ok := cfg.limiter.(EmailCounter); ok && cfg.limiter != nil {
			emails = ec
		}
	}
	tel, err := newTelemetry(cfg.tracerProvider, cfg.meterProvider)
	if err != nil {
		return nil, err
	}
	return &Resetter{api: api, cfg: cfg, callOpts: callOpts, gate: newGate(cfg.limiter), emails: emails, now: time.Now, tel: tel}, nil
}

// Reset sends a password-reset code to the user, in this order:
//  1. validates the pool ID, the username and the ClientMetadata; on failure
//     nothing is sent and the error is ErrInvalidInput;
//  2. reads the pool (DescribeUserPool, cached per pool for the TTL) and
//     refuses admin_only recovery;
//  3. reads Username as Cognito does (docs/cognito-rules.md, R32): an email
//     or phone number that the pool does not sign in with names the user
//     whose username it is, when AdminGetUser finds one, and only otherwise
//     the user who holds it (ListUsers);
//  4. reads the user (AdminGetUser, unless step 3 just did): a user found through ListUsers must
//     still hold the identifier as a current, verified attribute (the index
//     is eventually consistent), or the error is ErrUserNotFound; disabled
//     users, federated profiles and statuses other than CONFIRMED and
//     RESET_REQUIRED are refused;
//  5. predicts where the code goes by the rules of docs/cognito-rules.md,
//     and refuses when nothing qualifies, when the SMS sandbox would drop
//     it, or when the medium's configuration fails; what it can't prove
//     becomes a Caveat of the Result;
//  6. sends AdminResetUserPassword with the resolved name and the metadata;
//  7. returns the Result with Cognito's request ID and the masked delivery.
//
// Steps 2 to 5 depend on the Preflight option; with PreflightPool, step 4
// still reads a user that ListUsers found, to confirm it. Every error is a
// *Error.
func (r *Resetter) Reset(ctx context.Context, req Request) (*Result, error) {
	return r.run(ctx, req, r.gate, true)
}

// Check runs steps 1 to 5 of Reset and sends nothing: a dry run that says
// why the reset would be refused, and, with PreflightFull only, where the
// code would go (Result.Delivery) and what can't be proved (Result.Caveats).
// Its log lines carry dry_run=true.
func (r *Resetter) Check(ctx context.Context, req Request) (*Result, error) {
	return r.run(ctx, req, r.gate, false)
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

// attempt carries one reset through its steps.
type attempt struct {
	r     *Resetter
	g     *gate
	req   Request
	name  string                              // what is sent as Username
	kind  alias.Kind                          // how req.Username was read
	found *alias.Resolution                   // set when name came from a ListUsers lookup
	read  *cip.AdminGetUserOutput             // the user, when resolve read it (R32)
	safe  []string                            // private strings to mask in errors
	pool  *poolInfo                           // the pool, once read
	hook  func(a *attempt, r *Result) verdict // a bulk run's: see bulkRun.hook
	// halt is the hook's verdict when it was not to go on: do then returns
	// no Result and no error.
	halt verdict
	// signOut: sign the user out after the reset (Request.SignOut,
	// WithSignOut, or a bulk run's BulkOptions.SignOut).
	signOut bool
	email   *emailTaken // the daily email cap's count of this code, once taken
}

// verdict is what a bulk run's hook decides once the preflight has passed,
// just before the reset would go out: go on (the zero verdict), skip a
// duplicate of input dupOf, send nothing for cause (the run stopped, or
// the input is over the daily email cap; res is then a plan's Result, which
// still says where the code would go), or fail with err (the email cap's
// counter failed). Bulk makes each into an Outcome; it never leaves the
// package.
type verdict struct {
	act   verdictAct
	dupOf int
	cause error
	res   *Result
	err   *Error
}

type verdictAct uint8

const (
	goOn      verdictAct = iota
	duplicate            // the user is another input's: nothing sent
	stop                 // nothing sent: an ErrRunStopped outcome wrapping cause
	fail                 // nothing sent: the attempt fails with err
)

// endedUnsent reports whether err is ctx's end, on a request that was not
// sent: a bulk run then gives the input an ErrRunStopped outcome.
func endedUnsent(ctx context.Context, err error) bool {
	return ctx.Err() != nil && isContextErr(err) && !MaybeSent(err)
}

// fail builds the *Error of a failed step; the zero kind means the cause's.
func (a *attempt) fail(op Op, kind Kind, cause error) *Error {
	if kind == (Kind{}) {
		kind = classify(cause)
	}
	return &Error{Kind: kind, Op: op, UserPoolID: a.req.UserPoolID, Username: a.req.Username,
		RequestID: requestIDOf(cause), Fate: fateOrNotSent(cause), Err: cause, redact: a.safe}
}

// invalid builds the *Error of a field that fails local validation.
func (a *attempt) invalid(field Field, cause error) *Error {
	e := a.fail(OpValidate, ErrInvalidInput, cause)
	e.Field = field
	e.MetadataKey = metadataKeyOf(cause)
	return e
}

func (r *Resetter) run(ctx context.Context, req Request, g *gate, send bool) (*Result, error) {
	name := "cognitoreset.Reset"
	if !send {
		name = "cognitoreset.Check"
	}
	ctx, span := r.tel.start(ctx, name, req.UserPoolID)
	res, _, err := r.runAttempt(ctx, &attempt{r: r, g: g, req: req}, send)
	if res != nil && span.IsRecording() {
		span.SetAttributes(resultAttrs(res)...)
	}
	endSpan(span, err)
	return res, err
}

// runAttempt runs a (see logAttempt) and, for a reset that went through
// its steps, counts it and its duration.
func (r *Resetter) runAttempt(ctx context.Context, a *attempt, send bool) (*Result, verdict, error) {
	var start time.Time
	if send && r.tel.duration.Enabled(ctx) {
		start = time.Now()
	}
	res, v, err := r.logAttempt(ctx, a, send)
	if send && v.act == goOn {
		r.tel.recordReset(ctx, start, res, err)
	}
	return res, v, err
}

// logAttempt runs a, logs its outcome, and returns it. An attempt with a
// hook (a bulk run's) may end with the hook's verdict instead of a Result or
// an error: then nothing was sent and nothing is logged.
func (r *Resetter) logAttempt(ctx context.Context, a *attempt, send bool) (*Result, verdict, error) {
	req := a.req
	res, err := a.do(ctx, send)
	if a.halt.act != goOn {
		return nil, a.halt, nil
	}
	if err != nil {
		if a.hook != nil && endedUnsent(ctx, err) {
			// A bulk run's context ended before this reset went out: its
			// outcome is the run's stop, not a failure to log.
			return nil, verdict{act: stop, cause: context.Cause(ctx)}, nil
		}
		if cause, ok := stoppedUnsent(err); a.hook != nil && ok {
			// The run stopped while this reset waited its turn.
			return nil, verdict{act: stop, cause: cause}, nil
		}
		var e *Error
		if !errors.As(err, &e) { // every error of do is an *Error; this is a guard
			e = a.fail(OpReset, Kind{}, err)
			err = e
		}
		r.logFailure(ctx, req, e, !send)
		return nil, verdict{}, err
	}
	if r.cfg.logger.Enabled(ctx, slog.LevelInfo) {
		msg := "password reset sent"
		if !send {
			msg = "password reset checked"
		}
		attrs := []slog.Attr{slog.String("pool", req.UserPoolID), slog.String("user", alias.Mask(req.Username)),
			slog.String("input", res.Input.String()), slog.Bool("dry_run", !send)}
		if send {
			attrs = append(attrs, slog.String("cognito_request_id", res.RequestID), slog.Int("metadata_keys", len(req.ClientMetadata)),
				slog.Bool("signed_out", res.SignedOut))
		}
		if res.Delivery != nil {
			attrs = append(attrs, slog.String("medium", res.Delivery.Medium.String()), slog.String("destination", res.Delivery.Destination),
				slog.String("sender", res.Delivery.Sender.String()))
		}
		if len(res.Caveats) > 0 {
			codes := make([]string, len(res.Caveats))
			for i, c := range res.Caveats {
				codes[i] = c.Code.String()
			}
			attrs = append(attrs, slog.Any("caveats", codes))
		}
		r.cfg.logger.LogAttrs(ctx, slog.LevelInfo, msg, attrs...)
	}
	return res, verdict{}, nil
}

// logFailure writes the Warn line of a refused or failed reset. The line is
// built only when the logger wants it: masking costs allocations.
func (r *Resetter) logFailure(ctx context.Context, req Request, e *Error, dryRun bool) {
	if !r.cfg.logger.Enabled(ctx, slog.LevelWarn) {
		return
	}
	msg := "password reset failed"
	switch {
	case e.Op == OpValidate || errors.As(e.Err, new(*refusal)):
		msg = "password reset refused"
	case e.Op == OpSignOut:
		msg = "password reset sent, sign-out failed"
	}
	attrs := []slog.Attr{slog.String("pool", shortPoolID(req.UserPoolID)), slog.String("user", alias.Mask(req.Username)),
		slog.Bool("dry_run", dryRun), slog.String("kind", e.Kind.Code()), slog.String("op", e.Op.String())}
	if e.RequestID != "" {
		attrs = append(attrs, slog.String("cognito_request_id", e.RequestID))
	}
	attrs = append(attrs, slog.String("error", e.redactText(errText(e.Err))))
	r.cfg.logger.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// do carries the attempt through the steps of Reset (send) or Check: the
// Result, or the *Error of the step that failed. When a bulk run's hook
// decides not to go on, it returns neither, and a.halt says why.
func (a *attempt) do(ctx context.Context, send bool) (*Result, error) {
	// 1. Validate; nothing is sent on failure.
	if err := a.validate(ctx); err != nil {
		return nil, err
	}
	// 2 to 5. The preflight.
	res := &Result{UserPoolID: a.req.UserPoolID}
	if err := a.preflight(ctx, res); err != nil {
		return nil, err
	}
	res.Username, res.Input = a.name, a.kind
	if halted, err := a.decide(ctx, res, send); halted || err != nil {
		return nil, err
	}
	if !send {
		return res, nil
	}
	// 6 and 7. The reset, the result and the sign-out.
	if err := a.reset(ctx, res); err != nil {
		return nil, err
	}
	return res, nil
}

// validate is step 1: the pool ID, the username (read as a.kind, sent as
// a.name) and the ClientMetadata, with nothing sent. It also settles
// whether the user is signed out after the reset.
func (a *attempt) validate(ctx context.Context) error {
	r, req := a.r, a.req
	if err := checkPoolID(req.UserPoolID); err != nil {
		return a.invalid(FieldUserPoolID, err)
	}
	trimmed := strings.TrimSpace(req.Username)
	a.kind = alias.Classify(trimmed)
	name, err := alias.Normalize(req.Username, a.kind, alias.PoolConfig{CaseSensitive: true}, r.cfg.aliasOpts)
	if err != nil {
		return a.invalid(FieldUsername, err)
	}
	a.name = name
	if r.cfg.preflight == PreflightOff && a.kind == alias.Phone {
		// Nothing is resolved, so Cognito reads the name by itself (R32):
		// a phone number typed with separators that is a valid username
		// ("+1-206-555-0100") goes as typed, since its E.164 form may be
		// another user's username or phone number.
		if typed, err := alias.Normalize(req.Username, alias.Username, alias.PoolConfig{CaseSensitive: true}, r.cfg.aliasOpts); err == nil {
			a.name = typed
		}
	}
	a.safe = append(a.safe, trimmed, name)
	if err := r.cfg.policy.Validate(req.ClientMetadata); err != nil {
		return a.invalid(FieldClientMetadata, err)
	}
	a.signOut = a.signOut || req.SignOut || r.cfg.signOut
	if err := ctx.Err(); err != nil {
		return a.fail(OpValidate, ErrUnavailable, err)
	}
	return nil
}

// preflight is steps 2 to 5, as far as the Preflight option goes: the pool,
// the aliases, and the user and where the code goes (in res).
func (a *attempt) preflight(ctx context.Context, res *Result) error {
	r := a.r
	if r.cfg.preflight == PreflightOff {
		return nil
	}
	// 2. The pool.
	pool, err := r.pool(ctx, a.g, a.req.UserPoolID)
	if err != nil {
		return a.fail(OpPreflight, Kind{}, err)
	}
	a.pool = pool
	if pool.adminOnly {
		return a.fail(OpPreflight, ErrRecoveryNotConfigured, &refusal{ErrRecoveryNotConfigured, "the pool's account recovery is admin_only"})
	}
	// 3. Aliases.
	if err := a.resolve(ctx, pool); err != nil {
		return err
	}
	// 4 and 5. The user and the delivery.
	switch {
	case r.cfg.preflight == PreflightFull:
		return a.checkUser(ctx, pool, res)
	case a.found != nil || a.hook != nil:
		// A bulk run reads the user too: its username is how two
		// identifiers of one user (a username, its sub, an alias the pool
		// signs in with) meet, or the user gets two codes.
		if _, err := a.readUser(ctx, pool); err != nil {
			return err
		}
	}
	return nil
}

// decide is the last word before the reset would go out: a bulk run's
// hook, or for a single reset the daily email cap. halted is true when the
// hook decided not to go on (a.halt says why) or failed the attempt (err);
// a code that does not go out is not counted (R36).
func (a *attempt) decide(ctx context.Context, res *Result, send bool) (halted bool, err error) {
	r := a.r
	if a.hook == nil {
		if err := a.capEmail(ctx, r.emails, r.cfg.dailyEmail, res, send, nil); err != nil {
			return false, a.emailCapFailure(err)
		}
		return false, nil
	}
	if a.halt = a.hook(a, res); a.halt.act == goOn {
		return false, nil
	}
	a.returnEmail() // nothing goes out: the code does not count (R36)
	if a.halt.act == fail {
		e := a.halt.err
		a.halt = verdict{}
		return true, e
	}
	return true, nil
}

// reset is steps 6 and 7: it sends AdminResetUserPassword with the resolved
// name and the metadata, puts Cognito's request ID in res, and signs the
// user out when asked. A reset that provably sent nothing gives its email
// back to the daily cap.
func (a *attempt) reset(ctx context.Context, res *Result) error {
	r, req := a.r, a.req
	in := &cip.AdminResetUserPasswordInput{UserPoolId: &req.UserPoolID, Username: &a.name}
	if len(req.ClientMetadata) > 0 {
		in.ClientMetadata = req.ClientMetadata
	}
	out, err := call(ctx, r, a.g, CategoryUserAccountRecovery, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
		return r.api.AdminResetUserPassword(ctx, in, o...)
	})
	if err != nil {
		e := a.fail(OpReset, Kind{}, err)
		switch {
		case isDailyEmailLimit(err):
			a.fillEmailCap() // Cognito's count is at the cap: so is ours (R20, R36)
		case !MaybeSent(e):
			a.returnEmail() // nothing went out: the code does not count (R36)
		}
		if pacedOut(err) {
			return a.fail(OpPace, Kind{}, err) // the limiter failed: nothing was sent
		}
		return e
	}
	if out != nil {
		res.RequestID, _ = awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	}
	if a.signOut {
		a.signOutUser(ctx, res)
	}
	return nil
}

// signOutUser signs the user out of every session after the reset was sent;
// a failure goes in res.SignOutErr, never in place of the reset's result.
func (a *attempt) signOutUser(ctx context.Context, res *Result) {
	r := a.r
	_, err := call(ctx, r, a.g, CategoryUserUpdate, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
		return r.api.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &a.req.UserPoolID, Username: &a.name}, o...)
	})
	if err != nil {
		e := a.fail(OpSignOut, Kind{}, err)
		res.SignOutErr = e
		r.logFailure(ctx, a.req, e, false)
		return
	}
	res.SignedOut = true
}

// resolve reads req.Username as Cognito reads it (R32): an email or phone
// number the pool does not sign in with is some user's username when
// AdminGetUser finds one (that read is kept for readUser), and is looked up
// with ListUsers only when not.
func (a *attempt) resolve(ctx context.Context, pool *poolInfo) error {
	resolver, err := alias.NewResolver(resolverAPI{a}, a.r.cfg.aliasOpts)
	if err != nil {
		return a.fail(OpResolve, ErrInvalidInput, err)
	}
	res, err := resolver.Resolve(ctx, a.req.UserPoolID, pool.signIn, a.req.Username)
	if err != nil {
		return a.fail(OpResolve, Kind{}, err)
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
type resolverAPI struct{ a *attempt }

func (x resolverAPI) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	return call(ctx, x.a.r, x.a.g, CategoryUserRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
		return x.a.r.api.AdminGetUser(ctx, in, o...)
	})
}

func (x resolverAPI) ListUsers(ctx context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	return call(ctx, x.a.r, x.a.g, CategoryUserList, func(ctx context.Context, o ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
		return x.a.r.api.ListUsers(ctx, in, o...)
	})
}

// readUser reads the user (AdminGetUser, unless resolve just did), sends
// its own username from then on, and confirms a user that ListUsers found
// (R23). Federated profiles are refused first: they can't be reset, whatever
// ListUsers said (R11).
func (a *attempt) readUser(ctx context.Context, pool *poolInfo) (*userInfo, error) {
	r := a.r
	out := a.read
	if out == nil {
		var err error
		out, err = call(ctx, r, a.g, CategoryUserRead, func(ctx context.Context, o ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
			return r.api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &a.req.UserPoolID, Username: &a.name}, o...)
		})
		if err != nil {
			return nil, a.fail(OpPreflight, Kind{}, err)
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
		return nil, a.fail(OpPreflight, federatedRefusal.kind, federatedRefusal)
	}
	if f := a.confirm(u); f != nil {
		return nil, a.fail(OpResolve, f.kind, f)
	}
	return u, nil
}

// confirm checks that a user found through ListUsers still holds the
// identifier as a current attribute, verified for email and phone: the
// index may be stale, and resetting whoever it names could reset the wrong
// user (R23). Emails compare case-insensitively: a different case is the
// same mailbox, while a stale index names a different one.
func (a *attempt) confirm(u *userInfo) *refusal {
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
		return &refusal{ErrUserNotFound, fmt.Sprintf("ListUsers named a user whose current attributes do not hold this %s: its index is stale (eventually consistent), so nothing was sent", res.Kind)}
	case !verified:
		return &refusal{ErrUserNotFound, fmt.Sprintf("ListUsers named a user who now holds this %s unverified; Cognito sends codes only to verified contacts, and the index may be stale", res.Kind)}
	}
	return nil
}

func (a *attempt) checkUser(ctx context.Context, pool *poolInfo, res *Result) error {
	u, err := a.readUser(ctx, pool)
	if err != nil {
		return err
	}
	if f := checkUser(u); f != nil {
		return a.fail(OpPreflight, f.kind, f)
	}
	pr, f, err := a.r.predict(ctx, pool, u)
	if err != nil {
		return a.fail(OpPreflight, Kind{}, err)
	}
	if f != nil {
		return a.fail(OpPreflight, f.kind, f)
	}
	res.Delivery = &Delivery{Medium: pr.medium, Destination: alias.Mask(pr.dest), Sender: pr.sender}
	res.Caveats = pr.caveats
	return nil
}
