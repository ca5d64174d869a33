package main

import (
	"errors"
	"fmt"
	"regexp"
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
		if fromFile && !fileKey.MatchString(k) {
			rules["key_grammar"] = true
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

// fileKey is the grammar of a ClientMetadata key read from a file: a
// letter, then up to 39 letters, digits, "_" and ".". A line of a file
// that is not metadata (a token, a password, a key in base64) is refused
// by it, whatever the detectors say.
var fileKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,39}$`)

// uuidLike matches a UUID, with or without its dashes.
var uuidLike = regexp.MustCompile(`[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}`)

// looksLikeSecret reports whether a ClientMetadata key looks like a secret
// rather than a name: one a value detector flags (a JWT, an AWS access
// key ID, a PEM key, a card number), a URL with credentials, a helpdesk
// token (hdk_), a UUID, a run of 20 or more base64 characters mixing
// letters and digits (a random token, `openssl rand -base64 32`, a GitHub
// token after its ghp_ prefix), or a run of 20 or more URL-safe base64
// characters (with - and _) that changes between upper case, lower case
// and digits at least every fourth character, as random ones do and names
// (camelCase, snake_case) don't (a Fernet key, a base64url token).
func looksLikeSecret(k string) bool {
	for _, d := range metadata.DefaultDetectors() {
		if d.Match(k) {
			return true
		}
	}
	if i := strings.Index(k, "://"); i >= 0 && strings.Contains(k[i+3:], "@") {
		return true
	}
	if strings.Contains(k, "hdk_") || uuidLike.MatchString(k) || randomRun(k) {
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

// randomRun reports whether k holds a run of 20 or more URL-safe base64
// characters that changes class (lower case, upper case, digit; symbols
// skipped) at least once every four characters.
func randomRun(k string) bool {
	run, changes, last := 0, 0, -1
	for i := 0; i <= len(k); i++ {
		if i < len(k) && (isBase64(k[i]) || k[i] == '-' || k[i] == '_') {
			if c := charClass(k[i]); c >= 0 {
				if last >= 0 && c != last {
					changes++
				}
				last = c
			}
			run++
			continue
		}
		if run >= 20 && 4*changes >= run {
			return true
		}
		run, changes, last = 0, 0, -1
	}
	return false
}

// charClass is 0 for lower case, 1 upper case, 2 a digit, and -1 for a
// symbol, which randomRun skips: snake_case changes class at each "_".
func charClass(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return 0
	case c >= 'A' && c <= 'Z':
		return 1
	case c >= '0' && c <= '9':
		return 2
	}
	return -1
}

func isBase64(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
