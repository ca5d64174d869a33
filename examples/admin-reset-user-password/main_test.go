package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

const pool = "us-west-2_aaaaaaaaa"

func setUp(t *testing.T) *resetpwtest.Server {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDCLITEST", "AWS_SECRET_ACCESS_KEY": "cli-test-secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-west-2", "AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "none"), "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	f := resetpwtest.NewFake()
	f.AddPool(types.UserPoolType{Id: aws.String(pool), SmsConfigurationFailure: aws.String("SNSSandbox"),
		SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/cognito-sms")}})
	for _, u := range []types.UserType{
		resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"),
		resetpwtest.User("nora", "email", "nora@example.com", "email_verified", "false"),
		resetpwtest.User("sam.sms", "phone_number", "+12065550100", "phone_number_verified", "true"),
	} {
		_, err := f.AddUser(pool, u)
		require.NoError(t, err)
	}
	srv := resetpwtest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCLI(t *testing.T) {
	srv := setUp(t)
	dir := t.TempDir()
	mdFile := filepath.Join(dir, "md.json")
	require.NoError(t, os.WriteFile(mdFile, []byte(`{"source": "cli-test"}`), 0o600))
	inFile := filepath.Join(dir, "in.json")
	require.NoError(t, os.WriteFile(inFile, []byte(`{"UserPoolId": "`+pool+`", "Username": "diego"}`), 0o600))
	yamlFile := filepath.Join(dir, "in.yaml")
	require.NoError(t, os.WriteFile(yamlFile, []byte("UserPoolId: "+pool+"\nUsername: diego\nClientMetadata:\n  source: yaml\n"), 0o600))
	ep := "--endpoint-url=" + srv.URL

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // regexp; "" means empty
		stderr     string // substring
		wantResets int    // AdminResetUserPassword requests this call adds
	}{
		{name: "json prints nothing", args: []string{ep, "--user-pool-id", pool, "--username", "diego"}, wantResets: 1},
		{name: "text one line", args: []string{ep, "--user-pool-id", pool, "--username", "diego@example.com", "--output", "text"},
			stdout: `^RESET_SENT\tus-west-2_aaaaaaaaa\td\*\*\*\tEMAIL\td\*\*\*@e\*\*\*\.com\tfake-\S+\n$`, wantResets: 1},
		{name: "table", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--output", "table"}, stdout: `^\| RESET_SENT \| .* \| EMAIL \|`, wantResets: 1},
		{name: "yaml", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--output", "yaml"}, stdout: `^\{Status: RESET_SENT, .*Medium: EMAIL`, wantResets: 1},
		{name: "dry run sends nothing", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--dry-run"},
			stdout: `"DryRun":true.*"Medium":"EMAIL"`},
		{name: "dry run needs full preflight", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--dry-run", "--preflight", "off"}, code: exitUsage, stderr: "--dry-run needs --preflight full"},
		{name: "shorthand metadata", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--client-metadata", `source=cli,note="a,b"`}, wantResets: 1},
		{name: "metadata file", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--client-metadata", "file://" + mdFile}, wantResets: 1},
		{name: "sensitive metadata refused", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--client-metadata", "password=hunter2"},
			code: 10, stderr: "error: invalid_input"},
		{name: "malformed metadata", args: []string{ep, "--user-pool-id", pool, "--username", "diego", "--client-metadata", "a=1,a=2"}, code: 10, stderr: "duplicate key"},
		{name: "input json string", args: []string{ep, "--cli-input-json", `{"UserPoolId":"` + pool + `","Username":"diego"}`}, wantResets: 1},
		{name: "input json file", args: []string{ep, "--cli-input-json", "file://" + inFile}, wantResets: 1},
		{name: "input yaml file", args: []string{ep, "--cli-input-yaml", "file://" + yamlFile}, wantResets: 1},
		{name: "flags override input", args: []string{ep, "--cli-input-json", "file://" + inFile, "--username", "ghost"}, code: 12, stderr: "error: user_not_found"},
		{name: "input json unknown field", args: []string{ep, "--cli-input-json", `{"UserPool": "x"}`}, code: exitUsage, stderr: "unknown field"},
		{name: "json and yaml together", args: []string{"--cli-input-json", "{}", "--cli-input-yaml", "x: 1"}, code: exitUsage},
		{name: "missing pool", args: []string{ep, "--username", "diego"}, code: exitUsage, stderr: "--user-pool-id"},
		{name: "missing username", args: []string{ep, "--user-pool-id", pool}, code: exitUsage, stderr: "--username"},
		{name: "bad output", args: []string{"--output", "xml"}, code: exitUsage, stderr: "--output"},
		{name: "skeleton", args: []string{"--generate-cli-skeleton"}, stdout: `"UserPoolId": ""`},
		{name: "skeleton yaml", args: []string{"--generate-cli-skeleton", "yaml-input"}, stdout: `UserPoolId: ""`},
		{name: "skeleton output validates", args: []string{"--generate-cli-skeleton", "output", "--user-pool-id", pool, "--username", "diego"}, stdout: `^\{\}\n$`},
		{name: "skeleton output needs inputs", args: []string{"--generate-cli-skeleton", "output"}, code: exitUsage},
		{name: "unknown user", args: []string{ep, "--user-pool-id", pool, "--username", "ghost"}, code: 12, stderr: "error: user_not_found"},
		{name: "no verified contact", args: []string{ep, "--user-pool-id", pool, "--username", "nora"}, code: 17, stderr: "error: no_verified_contact"},
		{name: "sms sandbox", args: []string{ep, "--user-pool-id", pool, "--username", "sam.sms"}, code: 18, stderr: "error: sms_sandbox"},
		{name: "sandbox verified number", args: []string{ep, "--user-pool-id", pool, "--username", "sam.sms", "--sandbox-verified", "+1 206 555 0100, +15550001111", "--output", "text"},
			stdout: `\tSMS\t\+\*{7}0100\t`, wantResets: 1},
		{name: "bad pool id", args: []string{ep, "--user-pool-id", "nope", "--username", "diego"}, code: 28},
		{name: "debug logs masked", args: []string{ep, "--user-pool-id", pool, "--username", "diego@example.com", "--debug"}, stderr: "password reset sent", wantResets: 1},
		{name: "help", args: []string{"-h"}, stderr: "--user-pool-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.Calls("AdminResetUserPassword")
			code, stdout, stderr := cli(t, tt.args...)
			assert.Equal(t, tt.code, code, "stderr: %s", stderr)
			if tt.stdout == "" {
				assert.Empty(t, stdout)
			} else {
				assert.Regexp(t, tt.stdout, stdout)
			}
			if tt.stderr != "" {
				assert.Contains(t, stderr, tt.stderr)
			}
			for _, pii := range []string{"diego@example.com", "nora@example.com", "+12065550100", "hunter2"} {
				assert.NotContains(t, stderr+stdout, pii)
			}
			assert.Equal(t, tt.wantResets, srv.Calls("AdminResetUserPassword")-before)
		})
	}
}

// The exit codes in the package comment are the ones the command uses.
func TestExitCodesDocumented(t *testing.T) {
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	doc := map[string]int{}
	for _, m := range regexp.MustCompile(`(\d+) +([a-z_]+)`).FindAllStringSubmatch(string(src[:strings.Index(string(src), "package main")]), -1) {
		n, _ := strconv.Atoi(m[1])
		doc[m[2]] = n
	}
	seen := map[int]bool{exitOK: true, exitUnexpected: true, exitUsage: true}
	for _, k := range resetpw.Kinds() {
		code := exitCode(&resetpw.Error{Kind: k})
		assert.Equal(t, doc[k.Code()], code, k.Code())
		assert.False(t, seen[code], "exit code %d used twice", code)
		seen[code] = true
	}
}
