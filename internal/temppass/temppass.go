// Package temppass generates temporary passwords for a Cognito user pool:
// from crypto/rand, meeting the pool's PasswordPolicy (docs/cognito-rules.md
// R44), and held in a [Secret] whose value no fmt verb, log handler,
// encoder or error prints.
package temppass

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// The character classes of R44. symbols is the part of Cognito's special
// characters that every pool accepts and every message carries intact:
//   - not the space, which Cognito counts as one only when it is neither
//     first nor last: a password read aloud or pasted must not depend on
//     that;
//   - not = + -, which Cognito's older list of special characters lacks
//     (R44): a required symbol is one both lists hold;
//   - not < > & " ', which an HTML invitation carries raw, so that the
//     password the user reads is not the one Cognito set (R44).
//
// A generated password never ends in a symbol either: an invitation's
// "temporary password is {####}." would make a trailing '.' look like the
// sentence's (R44).
const (
	upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower   = "abcdefghijklmnopqrstuvwxyz"
	digits  = "0123456789"
	symbols = "^$*.[]{}()?!@#%/\\,:;|_~`"
)

// Lengths, in characters. A generated password is never shorter than
// minLength, whatever the pool allows; Cognito accepts passwords of at most
// maxLength characters (R44).
const (
	minLength     = 20
	maxLength     = 256
	defaultLength = 8 // a pool's MinimumLength when it sets none (R44)
)

// Secret is a generated password. Its value is reachable only through
// [Secret.Reveal]: fmt's verbs, slog, encoding/json, encoding/gob and
// reflection-based printers see a function, not the value. The zero Secret
// reveals "".
type Secret struct {
	reveal func() string
}

// Reveal returns the password. Call it once, where the password is handed
// to the person who will use it; never log or store the result.
func (s Secret) Reveal() string {
	if s.reveal == nil {
		return ""
	}
	return s.reveal()
}

// Generate returns a password from crypto/rand that meets policy: at least
// its MinimumLength (and never fewer than 20 characters), one character of
// every class it requires, and only characters Cognito allows. A nil
// policy is Cognito's default (8 characters, every class required).
func Generate(policy *types.PasswordPolicyType) (Secret, error) {
	pw, err := generate(rand.Reader, policy)
	if err != nil {
		return Secret{}, err
	}
	return Secret{reveal: func() string { return pw }}, nil
}

var errPolicy = errors.New("temppass: the password policy asks for more characters than Cognito accepts")

// generate draws from r: one character of each required class, the rest
// but the last from every allowed class, then a shuffle of all but the
// last, which is a letter or a digit. Every draw is uniform (uniform's
// rejection sampling), so no position but the last is likelier to hold a
// character than another.
func generate(r io.Reader, policy *types.PasswordPolicyType) (string, error) {
	need := []string{upper, lower, digits, symbols} // Cognito's default: all four
	length := int32(defaultLength)
	if policy != nil {
		need = need[:0]
		for _, c := range []struct {
			required bool
			class    string
		}{{policy.RequireUppercase, upper}, {policy.RequireLowercase, lower}, {policy.RequireNumbers, digits}, {policy.RequireSymbols, symbols}} {
			if c.required {
				need = append(need, c.class)
			}
		}
		if policy.MinimumLength != nil {
			length = *policy.MinimumLength
		}
	}
	if length > maxLength {
		return "", fmt.Errorf("%w: MinimumLength %d, at most %d", errPolicy, length, maxLength)
	}
	length = max(length, minLength)
	// Letters and digits always: Cognito allows them whatever the policy.
	// Symbols only when required: they are the characters an agent
	// mistypes or misreads.
	alphabet := upper + lower + digits
	if policy == nil || policy.RequireSymbols {
		alphabet += symbols
	}
	out := make([]byte, length)
	for i := range out {
		class := alphabet
		switch {
		case i == len(out)-1:
			class = upper + lower + digits // never a trailing symbol (R44)
		case i < len(need):
			class = need[i]
		}
		n, err := uniform(r, len(class))
		if err != nil {
			return "", err
		}
		out[i] = class[n]
	}
	for i := len(out) - 2; i > 0; i-- { // Fisher–Yates, the last character kept
		j, err := uniform(r, i+1)
		if err != nil {
			return "", err
		}
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

// uniform returns a number in [0, n), n at most 256, uniformly: a byte at
// or above the largest multiple of n is drawn again, so that no remainder
// is likelier than another (no modulo bias).
func uniform(r io.Reader, n int) (int, error) {
	limit := 256 - 256%n
	var b [1]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("temppass: reading random bytes: %w", err)
		}
		if int(b[0]) < limit {
			return int(b[0]) % n, nil
		}
	}
}

// Of holds pw in a Secret: for test doubles that stand in for a generated
// password.
func Of(pw string) Secret {
	return Secret{reveal: func() string { return pw }}
}
