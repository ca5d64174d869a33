// Command bulk resets many users at once, as after an incident, under
// Cognito's quotas (bulk.Run), and survives a crash.
//
// It reads usernames from a file or stdin, one a line, or from a named CSV
// column, and keeps a journal (--out, JSON lines): before each reset is sent
// it writes a "sending" line and syncs it to disk; the outcome line follows.
// A write error stops the run, naming the file. It shows a progress bar on
// stderr when stderr is a terminal.
//
//	go run ./examples/bulk --user-pool-id us-west-2_aaaaaaaaa --input users.txt --out journal.jsonl
//	go run ./examples/bulk --user-pool-id us-west-2_aaaaaaaaa --input users.csv --csv-column email --out journal.jsonl --resume
//
// Each run starts its journal with a "run" line (the pool, a run ID and the
// inputs' digest), and every line says the username actually sent (sent_as)
// or the earlier input it duplicated. A new run creates its journal 0600 and
// refuses any path that exists (a file, a symlink, a FIFO, a device). A run
// locks its journal (flock): a second run on it, in another terminal, is
// refused while the first holds it.
//
// --resume reads the whole journal before it changes anything about the
// file, and refuses to run when it does not exist, is not a regular file,
// belongs to another pool, or holds a line it can't read (naming file and
// line, and quoting journal text). Users are matched by their own username,
// whatever the spelling of the input or of the journal (each input, and each
// name a run under --preflight pool or off sent, is resolved first with
// AdminGetUser, sending nothing; the run line records the preflight): users
// shown as sent, or duplicates of them, are skipped, users whose failure
// sent nothing are tried again, and users whose reset may have gone out (a
// "sending" line with no outcome, after a crash or a kill, or a failure that
// says maybe_sent) are not sent again: they get an "unknown" line, since a
// second code would invalidate the first. --resend-unknown sends those too.
//
// SIGINT or SIGTERM stops the run, even while it waits for its input: every
// input read gets an outcome. A second signal ends the tool at once.
//
// The journal is the library's (package
// github.com/cognitoreset/cognitoreset/bulk/journal); journal.go is the glue
// between it and the run.
//
// --plan sends nothing: it runs bulk.Plan over the input (or
// PlanPool over every user of the pool with --all-users) and prints the
// totals by medium and by kind; with --out FILE it also writes a line per
// user.
//
// The run stops by itself at the first failure that is the account's, not
// the user's (bulk.Options.KeepGoing), and sends at most
// --daily-email-limit email codes in a pool on Cognito's built-in email.
// --rate defaults to 15 resets a second, half of Cognito's 30, which the
// application's own users share.
//
// --sign-out signs each user out of every session after their reset was
// sent (AdminUserGlobalSignOut), so that a stolen refresh token stops
// working. --redis ADDR --account ID paces the run through a budget shared
// in Redis with every other process of the account and Region
// (quota/redisquota), at --rate resets a second for all of them together;
// when Redis is down the run stops, or with --redis-fallback-rate R goes on
// alone at R a second.
//
// --demo runs against an embedded Cognito holding every input user (with a
// verified email), so the tool can be tried without an AWS account.
//
// "bulk status --journal FILE" prints who completed, whose code is pending
// or expired, and who changed otherwise (package followup; --all-users for
// a pool without a journal, --metrics-addr for a gauge per state), and
// --resend-expired sends a second code to the journal's expired users
// alone: followthrough.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/redis/go-redis/v9"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/bulk"
	"github.com/cognitoreset/cognitoreset/bulk/journal"
	"github.com/cognitoreset/cognitoreset/quota"
	"github.com/cognitoreset/cognitoreset/quota/redisquota"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

type options struct {
	poolID, input, csvColumn, out, endpoint, region, profile, preflight, redisAddr, account string
	resume, resendUnknown, plan, allUsers, demo, signOut, resendExpired                     bool
	concurrency, dailyEmailLimit                                                            int
	rate, redisFallbackRate                                                                 float64
	pf                                                                                      resetpw.Preflight // --preflight, parsed
	metricsAddr                                                                             string            // --metrics-addr
	minAge                                                                                  time.Duration     // --min-age
}

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := onSignals(context.Background(), sigs, os.Stderr, os.Exit)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bulk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, args, stdin, stdout, stderr, nil)
}

// runWith is run, with api in place of the one the flags name when not nil
// (for tests).
func runWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, api resetpw.API) error {
	if len(args) > 0 && args[0] == "status" {
		return runStatus(ctx, args[1:], stdout, stderr, api)
	}
	o := options{}
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.poolID, "user-pool-id", "", "the user pool (required)")
	fs.StringVar(&o.input, "input", "-", "usernames, one a line, or a CSV file with --csv-column; - is stdin")
	fs.StringVar(&o.csvColumn, "csv-column", "", "read this column of a CSV file with a header row")
	fs.StringVar(&o.out, "out", "-", "the journal to append JSON lines to; - is stdout")
	fs.BoolVar(&o.resume, "resume", false, "read the journal first: skip users sent, don't resend users whose fate is unknown")
	fs.BoolVar(&o.resendUnknown, "resend-unknown", false, "with --resume, send again to users whose reset may have gone out")
	fs.BoolVar(&o.plan, "plan", false, "send nothing: say where each code would go, and print the totals")
	fs.BoolVar(&o.allUsers, "all-users", false, "with --plan, every user of the pool (ListUsers) instead of the input")
	fs.IntVar(&o.concurrency, "concurrency", 8, "resets in flight at most")
	fs.Float64Var(&o.rate, "rate", quota.DefaultRates()[quota.CategoryUserAccountRecovery], "resets per second (the quota is 30, shared with the application's own users)")
	fs.IntVar(&o.dailyEmailLimit, "daily-email-limit", 0, "email codes at most in a pool on Cognito's built-in email (0: Cognito's, -1: no cap)")
	fs.StringVar(&o.preflight, "preflight", "full", "full, pool or off")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "the endpoint to call instead of Cognito's")
	fs.StringVar(&o.region, "region", "", "the AWS Region (default: the SDK's chain)")
	fs.StringVar(&o.profile, "profile", "", "the shared config profile")
	fs.BoolVar(&o.demo, "demo", false, "run against an embedded Cognito holding the input users")
	fs.BoolVar(&o.signOut, "sign-out", false, "sign each user out of every session after their reset (AdminUserGlobalSignOut)")
	fs.StringVar(&o.redisAddr, "redis", "", "share the account's budget with other processes through the Redis at ADDR (host:port)")
	fs.StringVar(&o.account, "account", "", "with --redis: the AWS account ID that names the shared budget")
	fs.Float64Var(&o.redisFallbackRate, "redis-fallback-rate", 0, "with --redis: resets per second of this process when Redis is down (0: stop instead)")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics while the run lasts (empty: none)")
	fs.BoolVar(&o.resendExpired, "resend-expired", false, "send a second code to the users of the journal --out whose code expired, and nobody else (reads no input)")
	fs.DurationVar(&o.minAge, "min-age", 0, "with --resend-expired: only users whose code was sent at least this long ago (never under 1h)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.poolID == "":
		return errors.New("missing required flag --user-pool-id")
	case o.resume && o.out == "-":
		return errors.New("--resume needs --out FILE")
	case o.resendUnknown && !o.resume:
		return errors.New("--resend-unknown needs --resume")
	case o.resendExpired && (o.out == "-" || o.resume || o.plan || o.resendUnknown || o.demo || o.signOut || o.input != "-" || o.csvColumn != ""):
		return errors.New("--resend-expired needs --out FILE, the journal of the run, and reads no input: no --input, --csv-column, --resume, --plan, --resend-unknown, --demo or --sign-out (the first codes' run signed users out)")
	case o.minAge != 0 && !o.resendExpired:
		return errors.New("--min-age needs --resend-expired")
	case o.allUsers && !o.plan:
		return errors.New("--all-users needs --plan")
	case o.plan && o.resume:
		return errors.New("--plan sends nothing, so it has nothing to resume")
	case o.redisAddr != "" && o.account == "":
		return errors.New("--redis needs --account: the budget is the account's, in its Region")
	case o.redisFallbackRate < 0:
		return errors.New("--redis-fallback-rate can't be negative")
	}
	preflight := resetpw.Preflight(o.preflight)
	if preflight != resetpw.PreflightFull && preflight != resetpw.PreflightPool && preflight != resetpw.PreflightOff {
		return fmt.Errorf("--preflight: %q is not one of full, pool, off", o.preflight)
	}
	o.pf = preflight
	if o.resendExpired {
		return o.runResendExpired(ctx, api, stderr)
	}
	var err error

	out := o.out
	if o.plan && out == "-" {
		out = "" // the totals go to stdout; lines only to a file
	}
	// --resume checks its journal before it reads the input; a new run
	// creates its journal once the input is read, so that an input it can't
	// read leaves behind no empty journal, which the next try would refuse.
	var j *journal.Journal
	var history *journal.History
	open := func() error {
		if out == "" || j != nil {
			return nil
		}
		var err error
		j, history, err = openJournal(out, stdout, o.resume, o.poolID)
		return err
	}
	defer func() {
		if j != nil {
			j.Close()
		}
	}()
	if o.resume {
		if err := open(); err != nil {
			return err
		}
		if history.CutShort {
			fmt.Fprintf(stderr, "bulk: %s: the last line was cut short by a crash; it is left out\n", o.out)
		}
	}

	var names []string
	if !o.allUsers {
		var stopped error
		names, stopped = readNames(ctx, o, stdin)
		var intr *interrupted
		if errors.As(stopped, &intr) {
			if err := open(); err != nil {
				return errors.Join(intr, err)
			}
			return o.stoppedReading(names, j, stderr, intr)
		}
		if stopped != nil {
			return stopped
		}
	}
	if err := open(); err != nil {
		return err
	}
	if !history.SameInputs(names) {
		fmt.Fprintln(stderr, "bulk: the input differs from the last run's; users are matched by the username sent, whatever the spelling")
	}
	if j != nil {
		if err := j.Begin(o.poolID, names, string(o.pf)); err != nil {
			return err
		}
	}
	r, closeAll, err := o.resetter(ctx, api, names, stderr)
	if err != nil {
		return err
	}
	defer closeAll()
	if o.plan {
		return o.runPlan(ctx, r, names, j, stdout, stderr)
	}
	return o.runBulk(ctx, r, names, j, history, stderr)
}

// resetter returns the Resetter of the flags over api (or, when nil, the
// API the flags name, holding names with --demo), and the function that
// closes what it opened (the API, Redis, the metrics endpoint).
func (o options) resetter(ctx context.Context, api resetpw.API, names []string, stderr io.Writer) (_ *resetpw.Resetter, closeAll func(), err error) {
	var closers []func()
	closeAll = func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	region := "us-west-2" // the embedded Cognito's, and the tests'
	if api == nil {
		var closeAPI func()
		if api, region, closeAPI, err = o.api(ctx, names); err != nil {
			return nil, nil, err
		}
		closers = append(closers, closeAPI)
	}
	ropts := []resetpw.Option{resetpw.WithPreflight(o.pf), resetpw.WithEmailCap(o.dailyEmailLimit, nil)}
	if o.redisAddr != "" {
		lim, closeRedis, err := o.sharedLimiter(region)
		if err != nil {
			return nil, nil, err
		}
		closers = append(closers, closeRedis)
		ropts = append(ropts, resetpw.WithLimiter(lim))
	}
	ropts, stopMetrics, err := o.withMetrics(ropts, stderr)
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, stopMetrics)
	r, err := resetpw.New(api, ropts...)
	if err != nil {
		return nil, nil, err
	}
	return r, closeAll, nil
}

// stoppedReading gives every input read before a signal an outcome: not
// sent, the run stopped.
func (o options) stoppedReading(names []string, j *journal.Journal, stderr io.Writer, intr *interrupted) error {
	if j != nil {
		if err := j.Begin(o.poolID, names, string(o.pf)); err != nil {
			return err
		}
		for i, n := range names {
			if err := j.Write(journal.Line{Index: i, Username: n, Status: "failed", Kind: resetpw.ErrRunStopped.Code(),
				Error: "not sent: the run was stopped while reading its input"}); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stderr, "bulk: stopped while reading the input: %d read, none sent\n", len(names))
	return intr
}

// runBulk resets the users of names that the journal's history h does not
// show as sent or maybe sent, under any spelling. A plan of r with a full
// preflight finds the user's own username of a spelling (nothing is sent).
func (o options) runBulk(ctx context.Context, r *resetpw.Resetter, names []string, j *journal.Journal, h *journal.History, stderr io.Writer) error {
	// Runs under --preflight pool or off recorded the names they sent,
	// which may be an email, a phone number or another case of the
	// username: the user's own username takes their status too.
	if err := h.Resolve(func(names []string) ([]string, error) { return o.canonicalNames(ctx, r, names) }); err != nil {
		return fmt.Errorf("resolving the journal's users (--resume reads each user, with DescribeUserPool and AdminGetUser, to match every spelling; nothing was sent): %w", err)
	}
	status := make([]string, len(names))
	for i, n := range names {
		status[i] = h.Status(n)
	}
	if !h.Empty() {
		// An input may name a user the journal knows by another spelling
		// (an email, a phone number, another case of the username in a
		// case-insensitive pool): resolve each to the user's own username
		// first (AdminGetUser; nothing is sent). BeforeSend's check is only
		// the last guard: it stops the whole run.
		var idx []int
		var reqs []string
		for i, n := range names {
			if status[i] == "" {
				idx, reqs = append(idx, i), append(reqs, n)
			}
		}
		canon, err := o.canonicalNames(ctx, r, reqs)
		if err != nil {
			return fmt.Errorf("resolving the input against the journal (--resume reads each user, with DescribeUserPool and AdminGetUser, to match every spelling; nothing was sent): %w", err)
		}
		for k, i := range idx {
			status[i] = h.Status(names[i], canon[k])
		}
	}
	var todo []string
	var index []int // todo's position in names
	skipped, unknown := 0, 0
	recorded := map[string]bool{}
	for i, n := range names {
		switch status[i] {
		case "sent":
			skipped++
			continue
		case "sending", "unknown":
			if !o.resendUnknown {
				unknown++
				if status[i] == "sending" && !recorded[n] { // record it once
					recorded[n] = true
					if err := j.Write(journal.Line{Index: i, Username: n, Status: "unknown", MaybeSent: true,
						Error: "a reset may have gone out before the last run stopped; not sent again (--resend-unknown sends it)"}); err != nil {
						return err
					}
				}
				continue
			}
		}
		todo = append(todo, n)
		index = append(index, i)
	}

	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	jr := &journaled{j: j, h: h, index: index, resendUnknown: o.resendUnknown, stop: stop}
	bar := newProgressBar(stderr, len(todo))
	sum, err := bulk.Run(ctx, r, bulk.Requests(signingOut(requests(o.poolID, todo), o.signOut)), bulk.Options{
		Concurrency: o.concurrency, Rates: o.rates(), Progress: bar.update,
		BeforeSend: jr.beforeSend,
	}, jr.outcome)
	bar.done()
	fmt.Fprintf(stderr, "bulk: %d read, %d sent %v, %d failed %v, %d duplicates, %d skipped as already sent, %d not sent again (fate unknown), in %s\n",
		sum.Read, sum.Sent, sum.ByMedium, sum.Failed, kindCodes(sum.ByKind), sum.Duplicates, skipped, unknown, sum.Elapsed.Round(time.Millisecond))
	if o.signOut {
		fmt.Fprintf(stderr, "bulk: %d signed out, %d sign-outs failed (their resets were sent)\n", sum.SignedOut, sum.SignOutFailed)
	}
	if err := j.Err(); err != nil {
		return err
	}
	return err
}

// canonicalNames returns the user's own username of each of names, by a
// plan of r with a full preflight whatever --preflight says (--resume
// matches users by their own username, which only AdminGetUser reads;
// nothing is sent), or "" where the plan found none.
func (o options) canonicalNames(ctx context.Context, r *resetpw.Resetter, names []string) ([]string, error) {
	canon := make([]string, len(names))
	if len(names) == 0 {
		return canon, nil
	}
	dupOf := map[int]int{}
	_, err := bulk.Plan(ctx, r, bulk.Requests(requests(o.poolID, names)), bulk.Options{Concurrency: o.concurrency, Preflight: resetpw.PreflightFull},
		func(out bulk.Outcome) {
			switch {
			case out.Duplicate:
				dupOf[out.Index] = out.DuplicateOf
			case out.Result != nil:
				canon[out.Index] = out.Result.Username
			}
		})
	if err != nil {
		return nil, err
	}
	for i, first := range dupOf {
		canon[i] = canon[first]
	}
	return canon, nil
}

// runPlan plans the input, or every user of the pool, and prints the totals.
func (o options) runPlan(ctx context.Context, r *resetpw.Resetter, names []string, j *journal.Journal, stdout, stderr io.Writer) error {
	each := func(out bulk.Outcome) {
		if j == nil {
			return
		}
		l := lineOf(out)
		switch l.Status {
		case "sent":
			l.Status = "would_send"
		case "failed":
			l.Status = "would_fail"
		}
		_ = j.Write(l)
	}
	opts := bulk.Options{Concurrency: o.concurrency, Rates: o.rates()}
	var sum bulk.Summary
	var err error
	if o.allUsers {
		sum, err = bulk.PlanPool(ctx, r, o.poolID, opts, each)
	} else {
		sum, err = bulk.Plan(ctx, r, bulk.Requests(requests(o.poolID, names)), opts, each)
	}
	fmt.Fprintf(stdout, "plan: %d users, nothing sent\n", sum.Done)
	for _, m := range sortedKeys(sum.ByMedium) {
		fmt.Fprintf(stdout, "  would send by %s: %d\n", m, sum.ByMedium[m])
	}
	byCode := kindCodes(sum.ByKind)
	for _, k := range sortedKeys(byCode) {
		fmt.Fprintf(stdout, "  would fail, %s: %d\n", k, byCode[k])
	}
	if sum.Duplicates > 0 {
		fmt.Fprintf(stdout, "  duplicates: %d\n", sum.Duplicates)
	}
	if sum.OverEmailCap > 0 {
		fmt.Fprintf(stdout, "  over the daily email cap: %d\n", sum.OverEmailCap)
	}
	if j != nil && j.Err() != nil {
		return j.Err()
	}
	return err
}

func sortedKeys[K ~string](m map[K]int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// kindCodes counts by the kinds' codes, as a report prints them.
func kindCodes(byKind map[resetpw.Kind]int) map[string]int {
	codes := make(map[string]int, len(byKind))
	for k, n := range byKind {
		codes[k.Code()] = n
	}
	return codes
}

// signingOut asks each request's sign-out (--sign-out).
func signingOut(reqs iter.Seq[resetpw.Request], signOut bool) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for req := range reqs {
			req.SignOut = signOut
			if !yield(req) {
				return
			}
		}
	}
}

func requests(pool string, names []string) iter.Seq[resetpw.Request] {
	return func(yield func(resetpw.Request) bool) {
		for _, n := range names {
			if !yield(resetpw.Request{UserPoolID: pool, Username: n}) {
				return
			}
		}
	}
}

// rates are the paces --rate sets: resets at --rate a second, every other
// category at its quota.DefaultRates pace.
func (o options) rates() map[quota.Category]float64 {
	return map[quota.Category]float64{quota.CategoryUserAccountRecovery: o.rate}
}

// sharedLimiter returns the Redis limiter of --redis: the account's budget in
// region, at the bulk defaults, refusing or falling back when Redis is down.
func (o options) sharedLimiter(region string) (quota.Limiter, func(), error) {
	rdb := redis.NewClient(&redis.Options{Addr: o.redisAddr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second})
	lo := redisquota.Options{Account: o.account, Region: region, Rates: o.rates()}
	if f := o.redisFallbackRate; f > 0 {
		lo.OnError = redisquota.FallBack
		lo.FallbackRates = map[quota.Category]float64{quota.CategoryUserAccountRecovery: f, quota.CategoryUserRead: 4 * f,
			quota.CategoryUserList: f, quota.CategoryUserPoolRead: f / 2, quota.CategoryUserUpdate: f, quota.CategoryUserCreation: f}
	}
	lim, err := redisquota.New(rdb, lo)
	if err != nil {
		rdb.Close()
		return nil, nil, err
	}
	return lim, func() { rdb.Close() }, nil
}

func (o options) api(ctx context.Context, names []string) (resetpw.API, string, func(), error) {
	if o.demo {
		f := resetpwtest.NewFake()
		f.AddPool(types.UserPoolType{Id: aws.String(o.poolID)})
		for _, n := range names {
			email := n
			if alias.Classify(n) != alias.Email {
				email = n + "@example.com"
			}
			name := strings.SplitN(n, "@", 2)[0]
			_, _ = f.AddUser(o.poolID, resetpwtest.User(name, "email", email, "email_verified", "true"))
		}
		srv := resetpwtest.NewServer(f)
		return srv.Client(), "us-west-2", srv.Close, nil
	}
	var loadOpts []func(*config.LoadOptions) error
	if o.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.region))
	}
	if o.profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, "", nil, err
	}
	return cip.NewFromConfig(cfg, func(co *cip.Options) {
		if o.endpoint != "" {
			co.BaseEndpoint = aws.String(o.endpoint)
		}
	}), cfg.Region, func() {}, nil
}
