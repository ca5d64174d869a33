// Command admin-reset-user-password rebuilds `aws cognito-idp admin-reset-user-password` on the
// resetpw library: the same flags, the AWS SDK's usual credential and region
// chain, and the library's validation, preflight and typed errors on top.
//
//	go run ./examples/admin-reset-user-password --user-pool-id us-west-2_aaaaaaaaa --username diego@example.com
//
// Flags of the AWS CLI page: --user-pool-id, --username, --client-metadata
// (shorthand, JSON, or file://path), --cli-input-json and --cli-input-yaml
// (a string or file://path), --generate-cli-skeleton [input|yaml-input|output],
// --endpoint-url, --region, --profile, --debug, --output
// json|text|table|yaml, --no-verify-ssl, --ca-bundle, --cli-read-timeout and
// --cli-connect-timeout (seconds; 0 blocks). The library's own: --dry-run
// (preflight only: says where the code would go), --preflight full|pool|off,
// --sandbox-verified NUMBERS (comma-separated E.164 numbers verified in the
// SNS SMS sandbox).
//
// On success, --output json prints nothing, as the AWS CLI does for this
// command; text, table and yaml print a one-line summary. Errors go to
// stderr, masked, as "error: KIND: message", with one exit code per kind:
//
//	0   success                     17 no_verified_contact
//	1   unexpected failure, a bug   18 sms_sandbox
//	252 usage (flags, input files)  19 delivery_config
//	10  invalid_input               20 trigger
//	11  pool_not_found              21 throttled
//	12  user_not_found              22 attempt_limit
//	13  ambiguous_alias             23 access_denied
//	14  user_disabled               24 unavailable
//	15  user_state                  25 not_enabled
//	16  recovery_not_configured     26 run_stopped
//	                                27 ses_sandbox
//	                                28 config
//
// 252 is the AWS CLI's own code for a usage error. Go's runtime exits 2 when
// the program crashes, so a crash is never read as a usage error.
//
// file:// arguments must be regular files of at most 64 KiB, checked before
// reading. --cli-input-json and --cli-input-yaml are read as strictly as the
// AWS CLI reads them: keys spelt exactly, none twice (in ClientMetadata
// neither), string values, one object or document and nothing after it. No
// error message repeats the content of an input.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go/logging"
	"go.yaml.in/yaml/v3"

	"github.com/cognitoreset/cognitoreset/alias"
	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
)

// Exit codes besides those of the error kinds.
const (
	exitOK         = 0
	exitUnexpected = 1
	exitUsage      = 252 // the AWS CLI's; Go's runtime exits 2 when it crashes
)

// kindExitCodes is the documented exit code of each kind. A new kind gets
// the next free number here; no code is ever given to another kind.
var kindExitCodes = map[resetpw.Kind]int{
	resetpw.ErrInvalidInput:          10,
	resetpw.ErrPoolNotFound:          11,
	resetpw.ErrUserNotFound:          12,
	resetpw.ErrAmbiguousAlias:        13,
	resetpw.ErrUserDisabled:          14,
	resetpw.ErrUserState:             15,
	resetpw.ErrRecoveryNotConfigured: 16,
	resetpw.ErrNoVerifiedContact:     17,
	resetpw.ErrSMSSandbox:            18,
	resetpw.ErrDeliveryConfig:        19,
	resetpw.ErrTrigger:               20,
	resetpw.ErrThrottled:             21,
	resetpw.ErrAttemptLimit:          22,
	resetpw.ErrAccessDenied:          23,
	resetpw.ErrUnavailable:           24,
	resetpw.ErrNotEnabled:            25,
	resetpw.ErrRunStopped:            26,
	resetpw.ErrSESSandbox:            27,
	resetpw.ErrConfig:                28,
}

// exitCode returns the documented exit code of err: its kind's, when it is
// a *resetpw.Error.
func exitCode(err error) int {
	var e *resetpw.Error
	if errors.As(err, &e) {
		if c, ok := kindExitCodes[e.Kind]; ok {
			return c
		}
	}
	return exitUnexpected
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// input is the request as --cli-input-json and --generate-cli-skeleton show it.
type input struct {
	UserPoolId     string            `json:"UserPoolId" yaml:"UserPoolId"`
	Username       string            `json:"Username" yaml:"Username"`
	ClientMetadata map[string]string `json:"ClientMetadata,omitempty" yaml:"ClientMetadata,omitempty"`
}

type options struct {
	poolID, username, clientMetadata, inputJSON, inputYAML, skeleton string
	endpoint, region, profile, output, caBundle, preflight, sandbox  string
	debug, noVerifySSL, dryRun                                       bool
	readTimeout, connectTimeout                                      float64
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		// A bug is not a usage error: exit 1. (Go's own crashes, which
		// can't be recovered, exit 2; the usage code is 252, as the AWS
		// CLI's, so that the two are never confused.) The panic's value is
		// not printed: it may hold an input.
		if p := recover(); p != nil {
			fmt.Fprintln(stderr, "error: unexpected: internal error (a bug in admin-reset-user-password)")
			code = exitUnexpected
		}
	}()
	err := runErr(ctx, args, stdout, stderr)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "usage error: %s\n", ue.msg)
		return exitUsage
	}
	code = exitCode(err)
	kind := "unexpected"
	if code != exitUnexpected {
		kind = resetpw.KindOf(err).Code()
	}
	fmt.Fprintf(stderr, "error: %s: %v\n", kind, err)
	if resetpw.MaybeSent(err) {
		fmt.Fprintln(stderr, "note: a code may have been sent anyway; running this again may send a second code, which may invalidate the first")
	}
	return code
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("admin-reset-user-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.poolID, "user-pool-id", "", "the ID of the user pool (required)")
	fs.StringVar(&o.username, "username", "", "the username, an alias (email, phone, preferred_username) or the sub (required)")
	fs.StringVar(&o.clientMetadata, "client-metadata", "", "ClientMetadata: KeyName1=string,KeyName2=string, JSON, or file://path")
	fs.StringVar(&o.inputJSON, "cli-input-json", "", "the request as JSON, or file://path")
	fs.StringVar(&o.inputYAML, "cli-input-yaml", "", "the request as YAML, or file://path")
	fs.StringVar(&o.skeleton, "generate-cli-skeleton", "", "print a skeleton: input (default), yaml-input or output")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "the endpoint to call instead of Cognito's")
	fs.StringVar(&o.region, "region", "", "the AWS Region (default: the SDK's chain)")
	fs.StringVar(&o.profile, "profile", "", "the shared config profile")
	fs.BoolVar(&o.debug, "debug", false, "log the library's steps and the SDK's retries to stderr")
	fs.StringVar(&o.output, "output", "json", "json, text, table or yaml")
	fs.BoolVar(&o.noVerifySSL, "no-verify-ssl", false, "do not verify TLS certificates")
	fs.StringVar(&o.caBundle, "ca-bundle", "", "a PEM file of CA certificates to trust")
	fs.Float64Var(&o.readTimeout, "cli-read-timeout", 60, "seconds to wait for an answer; 0 blocks")
	fs.Float64Var(&o.connectTimeout, "cli-connect-timeout", 60, "seconds to wait for a connection; 0 blocks")
	fs.BoolVar(&o.dryRun, "dry-run", false, "preflight only: say where the code would go, send nothing")
	fs.StringVar(&o.preflight, "preflight", "full", "full, pool or off")
	fs.StringVar(&o.sandbox, "sandbox-verified", "", "comma-separated phone numbers verified in the SNS SMS sandbox")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: admin-reset-user-password --user-pool-id <value> --username <value> [flags]")
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(stderr, "  --%-22s %s\n", f.Name, f.Usage)
		})
	}
	// --generate-cli-skeleton takes an optional value, as in the AWS CLI.
	var fixed []string
	for i, a := range args {
		fixed = append(fixed, a)
		if (a == "--generate-cli-skeleton" || a == "-generate-cli-skeleton") && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-")) {
			fixed = append(fixed, "input")
		}
	}
	if err := fs.Parse(fixed); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	switch o.output {
	case "json", "text", "table", "yaml":
	default:
		return nil, usagef("--output %q is not one of json, text, table, yaml", o.output)
	}
	if o.inputJSON != "" && o.inputYAML != "" {
		return nil, usagef("--cli-input-json and --cli-input-yaml can't be used together")
	}
	if o.readTimeout < 0 || o.connectTimeout < 0 {
		return nil, usagef("timeouts can't be negative")
	}
	return o, nil
}

func (o *options) request() (resetpw.Request, error) {
	var in input
	if o.inputJSON != "" {
		s, err := readArg("cli-input-json", o.inputJSON)
		if err != nil {
			return resetpw.Request{}, err
		}
		if in, err = parseInputJSON(s); err != nil {
			return resetpw.Request{}, usagef("--cli-input-json: %v", err)
		}
	}
	if o.inputYAML != "" {
		s, err := readArg("cli-input-yaml", o.inputYAML)
		if err != nil {
			return resetpw.Request{}, err
		}
		if in, err = parseInputYAML(s); err != nil {
			return resetpw.Request{}, usagef("--cli-input-yaml: %v", err)
		}
	}
	// Flags on the command line override the input file.
	if o.poolID != "" {
		in.UserPoolId = o.poolID
	}
	if o.username != "" {
		in.Username = o.username
	}
	if o.clientMetadata != "" {
		s, err := readArg("client-metadata", o.clientMetadata)
		if err != nil {
			return resetpw.Request{}, err
		}
		m, err := parseMetadata(s)
		var pe *metadataParseError
		if errors.As(err, &pe) && strings.HasPrefix(o.clientMetadata, "file://") {
			// The parser quotes the key it stopped at; from a file, that
			// may be anything the file holds.
			err = fmt.Errorf("%s: cannot parse client metadata at byte %d", o.clientMetadata, pe.Offset)
		}
		if err != nil {
			return resetpw.Request{}, fmt.Errorf("--client-metadata: %w", &resetpw.Error{Kind: resetpw.ErrInvalidInput, Op: resetpw.OpValidate, Err: err})
		}
		in.ClientMetadata = m
	}
	fromFile := strings.HasPrefix(o.clientMetadata, "file://") ||
		o.clientMetadata == "" && (strings.HasPrefix(o.inputJSON, "file://") || strings.HasPrefix(o.inputYAML, "file://"))
	if err := checkMetadata(in.ClientMetadata, fromFile); err != nil {
		return resetpw.Request{}, fmt.Errorf("--client-metadata: %w", &resetpw.Error{Kind: resetpw.ErrInvalidInput, Op: resetpw.OpValidate, Field: "ClientMetadata", Err: err})
	}
	switch {
	case in.UserPoolId == "":
		return resetpw.Request{}, usagef("the following arguments are required: --user-pool-id")
	case in.Username == "":
		return resetpw.Request{}, usagef("the following arguments are required: --username")
	}
	return resetpw.Request{UserPoolID: in.UserPoolId, Username: in.Username, ClientMetadata: in.ClientMetadata}, nil
}

func printSkeleton(kind string, stdout io.Writer) error {
	in := input{ClientMetadata: map[string]string{"KeyName": ""}}
	switch kind {
	case "input":
		b, _ := json.MarshalIndent(in, "", "    ")
		fmt.Fprintln(stdout, string(b))
	case "yaml-input":
		b, _ := yaml.Marshal(in)
		fmt.Fprint(stdout, string(b))
	case "output":
		fmt.Fprintln(stdout, "{}") // AdminResetUserPassword has no output
	default:
		return usagef("--generate-cli-skeleton %q is not one of input, yaml-input, output", kind)
	}
	return nil
}

func (o *options) client(ctx context.Context, logger *slog.Logger) (*cip.Client, error) {
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = seconds(o.connectTimeout) }).
		WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = seconds(o.readTimeout)
			if o.noVerifySSL {
				t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the user asked for it
			}
		})
	loadOpts := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}
	if o.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.region))
	}
	if o.profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(o.profile))
	}
	if o.caBundle != "" {
		// The checks of file:// arguments: a regular file, capped, opened
		// without blocking; and PEM certificates in it.
		pem, err := readFile("ca-bundle", o.caBundle, o.caBundle, maxCABundle)
		if err != nil {
			return nil, err
		}
		if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			return nil, usagef("--ca-bundle: %s: no PEM certificate in it", o.caBundle)
		}
		loadOpts = append(loadOpts, config.WithCustomCABundle(bytes.NewReader(pem)))
	}
	if o.debug {
		loadOpts = append(loadOpts, config.WithClientLogMode(aws.LogRetries), config.WithLogger(slogLogger{logger}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, usagef("AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		return nil, usagef("no region: use --region, AWS_REGION, or a profile with a region")
	}
	return cip.NewFromConfig(cfg, func(co *cip.Options) {
		if o.endpoint != "" {
			co.BaseEndpoint = aws.String(o.endpoint)
		}
	}), nil
}

func runErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.skeleton != "" && o.skeleton != "output" {
		return printSkeleton(o.skeleton, stdout)
	}
	req, err := o.request()
	if err != nil {
		return err
	}
	if o.skeleton == "output" {
		return printSkeleton("output", stdout) // the inputs were valid
	}
	level := slog.LevelWarn + 100 // silent
	if o.debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	preflight := resetpw.Preflight(o.preflight)
	if preflight != resetpw.PreflightFull && preflight != resetpw.PreflightPool && preflight != resetpw.PreflightOff {
		return usagef("--preflight: %q is not one of full, pool, off", o.preflight)
	}
	if o.dryRun && preflight != resetpw.PreflightFull {
		return usagef("--dry-run needs --preflight full: only the full preflight can say where the code would go")
	}
	var sandbox []string
	for n := range strings.SplitSeq(o.sandbox, ",") {
		if n = strings.TrimSpace(n); n != "" {
			sandbox = append(sandbox, n)
		}
	}
	client, err := o.client(ctx, logger)
	if err != nil {
		return err
	}
	r, err := resetpw.New(client, resetpw.WithPreflight(preflight), resetpw.WithLogger(logger),
		groundtruth.WithSandboxNumbers(sandbox...))
	if err != nil {
		return usagef("%v", err)
	}
	if o.dryRun {
		res, err := r.Check(ctx, req)
		if err != nil {
			return err
		}
		return printResult(stdout, o.output, res, true)
	}
	res, err := r.Reset(ctx, req)
	if err != nil {
		return err
	}
	return printResult(stdout, o.output, res, false)
}

func printResult(w io.Writer, output string, res *resetpw.Result, dryRun bool) error {
	status := "RESET_SENT"
	if dryRun {
		status = "DRY_RUN"
	}
	medium, dest := "-", "-"
	if res.Delivery != nil {
		medium, dest = string(res.Delivery.Medium), res.Delivery.MaskedDestination
	}
	user := alias.Mask(res.Username)
	requestID := res.RequestID
	if requestID == "" {
		requestID = "-"
	}
	switch output {
	case "json":
		if !dryRun {
			return nil // the AWS CLI prints nothing: Output: None
		}
		b, _ := json.Marshal(map[string]any{"DryRun": true, "UserPoolId": res.UserPoolID, "Username": user,
			"Input": res.Input.String(), "Medium": medium, "Destination": dest})
		fmt.Fprintln(w, string(b))
	case "text":
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", status, res.UserPoolID, user, medium, dest, requestID)
	case "table":
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", status, res.UserPoolID, user, medium, dest, requestID)
	case "yaml":
		fmt.Fprintf(w, "{Status: %s, UserPoolId: %s, Username: '%s', Medium: %s, Destination: '%s', RequestId: %s}\n",
			status, res.UserPoolID, user, medium, dest, requestID)
	}
	return nil
}

// maxCABundle is the largest --ca-bundle read: a system's whole bundle is
// about 200 KiB.
const maxCABundle = 4 << 20

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// slogLogger passes the SDK's log lines (retries) to slog at debug level.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(_ logging.Classification, format string, v ...any) {
	s.l.Debug(fmt.Sprintf(format, v...), "source", "aws-sdk")
}
