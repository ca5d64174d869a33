package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cognitoreset/cognitoreset/metadata"
)

// checkMetadata checks m against the policy the Resetter applies
// (metadata.DefaultPolicy), and refuses keys that look like secrets as the
// policy refuses such values. When m came from a file, or a key looks like
// a secret, the error names only the rules broken, never a key: a key from
// a file may be any line of it (a token, a password in a URL). Otherwise
// it is the policy's own message.
func checkMetadata(m map[string]string, fromFile bool) error {
	err := metadata.DefaultPolicy().Validate(m)
	rules := map[string]bool{}
	var ve *metadata.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			rules[string(v.Rule)] = true
		}
	}
	secretKeys := 0
	for k := range m {
		if looksLikeSecret(k) {
			secretKeys++
		}
	}
	if secretKeys > 0 {
		rules["sensitive_key_content"] = true
	}
	if len(rules) == 0 {
		return err
	}
	if !fromFile && secretKeys == 0 {
		return err
	}
	names := make([]string, 0, len(rules))
	for r := range rules {
		names = append(names, r)
	}
	sort.Strings(names)
	return fmt.Errorf("%w: %s (keys not shown: they may hold a secret)", metadata.ErrInvalid, strings.Join(names, ", "))
}

// looksLikeSecret reports whether a ClientMetadata key looks like a secret
// rather than a name: one a value detector flags (a JWT, an AWS access
// key ID, a PEM key, a card number), a URL with credentials, or a run of
// 20 or more base64 characters mixing letters and digits (a random token,
// `openssl rand -base64 32`, a GitHub token after its ghp_ prefix).
func looksLikeSecret(k string) bool {
	for _, d := range metadata.DefaultDetectors() {
		if d.Match(k) {
			return true
		}
	}
	if i := strings.Index(k, "://"); i >= 0 && strings.Contains(k[i+3:], "@") {
		return true
	}
	run, letters, digits := 0, false, false
	for i := 0; i <= len(k); i++ {
		if i < len(k) && isBase64(k[i]) {
			run++
			letters = letters || k[i] >= 'a' && k[i] <= 'z' || k[i] >= 'A' && k[i] <= 'Z'
			digits = digits || k[i] >= '0' && k[i] <= '9'
			continue
		}
		if run >= 20 && letters && digits {
			return true
		}
		run, letters, digits = 0, false, false
	}
	return false
}

func isBase64(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
