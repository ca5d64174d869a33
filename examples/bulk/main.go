// Command bulk resets many users at once, as after an incident, under
// Cognito's quotas (resetpw.Resetter.Bulk).
//
// It reads usernames from a file or stdin, one a line, or from a named CSV
// column; writes one JSON line per outcome; shows a progress bar on stderr
// when stderr is a terminal; and can resume from its own output, skipping
// the users whose reset was already sent.
//
//	go run ./examples/bulk --user-pool-id us-west-2_aaaaaaaaa --input users.txt --out outcomes.jsonl
//	go run ./examples/bulk --user-pool-id us-west-2_aaaaaaaaa --input users.csv --csv-column email --out outcomes.jsonl --resume
//
// --demo runs against an embedded Cognito holding every input user (with a
// verified email), so the tool can be tried without an AWS account.
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// Line is one JSON line of output. Username is as read, so that --resume
// can match it; Destination is masked.
type Line struct {
	Index       int    `json:"index"`
	Username    string `json:"username"`
	Status      string `json:"status"` // sent, failed or duplicate
	Kind        string `json:"kind,omitempty"`
	Medium      string `json:"medium,omitempty"`
	Destination string `json:"destination,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	DuplicateOf *int   `json:"duplicate_of,omitempty"`
	Error       string `json:"error,omitempty"`
}

type options struct {
	poolID, input, csvColumn, out, endpoint, region, profile, preflight string
	resume, demo                                                        bool
	concurrency                                                         int
	rate                                                                float64
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bulk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o := options{}
	fs := flag.NewFlagSet("bulk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.poolID, "user-pool-id", "", "the user pool (required)")
	fs.StringVar(&o.input, "input", "-", "usernames, one a line, or a CSV file with --csv-column; - is stdin")
	fs.StringVar(&o.csvColumn, "csv-column", "", "read this column of a CSV file with a header row")
	fs.StringVar(&o.out, "out", "-", "where to append JSON lines; - is stdout")
	fs.BoolVar(&o.resume, "resume", false, "skip the users that --out already shows as sent")
	fs.IntVar(&o.concurrency, "concurrency", 8, "resets in flight at most")
	fs.Float64Var(&o.rate, "rate", 25, "resets per second (the quota is 30)")
	fs.StringVar(&o.preflight, "preflight", "full", "full, pool or off")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "the endpoint to call instead of Cognito's")
	fs.StringVar(&o.region, "region", "", "the AWS Region (default: the SDK's chain)")
	fs.StringVar(&o.profile, "profile", "", "the shared config profile")
	fs.BoolVar(&o.demo, "demo", false, "run against an embedded Cognito holding the input users")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.poolID == "" {
		return errors.New("missing required flag --user-pool-id")
	}
	if o.resume && o.out == "-" {
		return errors.New("--resume needs --out FILE")
	}
	preflight, err := resetpw.ParsePreflight(o.preflight)
	if err != nil {
		return err
	}

	names, err := readNames(o, stdin)
	if err != nil {
		return err
	}
	skip := map[string]bool{}
	if o.resume {
		if skip, err = alreadySent(o.out); err != nil {
			return err
		}
	}
	var todo []string
	for _, n := range names {
		if !skip[n] {
			todo = append(todo, n)
		}
	}

	api, closeAPI, err := o.api(ctx, names)
	if err != nil {
		return err
	}
	defer closeAPI()
	r, err := resetpw.New(api, resetpw.WithPreflight(preflight))
	if err != nil {
		return err
	}

	w := stdout
	if o.out != "-" {
		f, err := os.OpenFile(o.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	enc := json.NewEncoder(w)
	bar := newProgressBar(stderr, len(todo))
	sum, err := r.Bulk(ctx, requests(o.poolID, todo), resetpw.BulkOptions{
		Concurrency: o.concurrency, ResetRate: o.rate, Progress: bar.update,
	}, func(out resetpw.Outcome) {
		_ = enc.Encode(lineOf(out))
	})
	bar.done()
	fmt.Fprintf(stderr, "bulk: %d read, %d sent, %d failed %v, %d duplicates, %d skipped as already sent, in %s\n",
		sum.Read, sum.Sent, sum.Failed, sum.ByKind, sum.Duplicates, len(names)-len(todo), sum.Elapsed.Round(time.Millisecond))
	return err
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

func lineOf(o resetpw.Outcome) Line {
	l := Line{Index: o.Index, Username: o.Request.Username}
	switch {
	case o.Duplicate:
		l.Status, l.DuplicateOf = "duplicate", &o.DuplicateOf
	case o.Err != nil:
		l.Status, l.Kind, l.Error = "failed", resetpw.KindOf(o.Err).Code(), o.Err.Error()
	default:
		l.Status, l.RequestID = "sent", o.Result.RequestID
		if d := o.Result.Delivery; d != nil {
			l.Medium, l.Destination = d.Medium, d.Destination
		}
	}
	return l
}

// readNames reads the input: one name a line, or a CSV column.
func readNames(o options, stdin io.Reader) ([]string, error) {
	in := stdin
	if o.input != "-" {
		f, err := os.Open(o.input)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	var names []string
	if o.csvColumn == "" {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if n := strings.TrimSpace(sc.Text()); n != "" && !strings.HasPrefix(n, "#") {
				names = append(names, n)
			}
		}
		return names, sc.Err()
	}
	cr := csv.NewReader(in)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading the CSV header: %w", err)
	}
	col := slices.Index(header, o.csvColumn)
	if col < 0 {
		return nil, fmt.Errorf("CSV has no column %q (it has %s)", o.csvColumn, strings.Join(header, ", "))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		if n := strings.TrimSpace(rec[col]); n != "" {
			names = append(names, n)
		}
	}
}

// alreadySent reads an earlier output file: the users whose reset was sent.
func alreadySent(path string) (map[string]bool, error) {
	sent := map[string]bool{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return sent, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s:%d: not an outcome line: %w", path, line, err)
		}
		if l.Status == "sent" {
			sent[l.Username] = true
		}
	}
	return sent, sc.Err()
}

func (o options) api(ctx context.Context, names []string) (resetpw.API, func(), error) {
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
		return srv.Client(), srv.Close, nil
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
		return nil, nil, err
	}
	return cip.NewFromConfig(cfg, func(co *cip.Options) {
		if o.endpoint != "" {
			co.BaseEndpoint = aws.String(o.endpoint)
		}
	}), func() {}, nil
}
