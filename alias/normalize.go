package alias

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors of this package, matched with errors.Is.
var (
	// ErrInvalid: the identifier can't be a Cognito Username.
	ErrInvalid = errors.New("alias: invalid identifier")
	// ErrNotFound: an alias matched no user.
	ErrNotFound = errors.New("alias: no user has this identifier")
	// ErrAmbiguous: an alias matched more than one user.
	ErrAmbiguous = errors.New("alias: identifier matches more than one user")
)

// maxUsernameLength is Cognito's limit on a Username, in characters.
const maxUsernameLength = 128

// Options tune how identifiers are read.
type Options struct {
	// DefaultCountryCode, such as "1" or "44", is put before a national phone
	// number that has no leading '+'. Empty: such numbers are refused.
	DefaultCountryCode string
}

// Check reports whether the options can be used: DefaultCountryCode must be
// empty or 1 to 3 digits not starting with 0. Its error matches ErrInvalid.
func (o Options) Check() error {
	cc := o.DefaultCountryCode
	if cc == "" {
		return nil
	}
	if len(cc) > 3 || cc[0] == '0' || strings.Trim(cc, "0123456789") != "" {
		return fmt.Errorf("%w: DefaultCountryCode %q is not a country calling code (1 to 3 digits)", ErrInvalid, cc)
	}
	return nil
}

// invalid builds an ErrInvalid error that shows s only masked.
func invalid(k Kind, s, reason string) error {
	return fmt.Errorf("%w: %s %s: %s", ErrInvalid, k, Mask(s), reason)
}

// Normalize puts s, read as kind k, in the form Cognito expects in a pool
// with settings cfg. It trims spaces and then:
//   - Email, Username and PreferredUsername: lower-cases when the pool is
//     case-insensitive, and changes nothing when it is case-sensitive, where
//     Cognito compares them exactly (docs/cognito-rules.md, R25);
//   - Phone: removes spaces, dashes, dots and parentheses, puts
//     opts.DefaultCountryCode before a national number (dropping one leading
//     trunk 0), and requires E.164;
//   - Sub: requires a UUID and keeps its case (Cognito's subs are
//     lower-case; an upper-case one is a different string, R26).
//
// The result must meet Cognito's username rule: 1 to 128 characters, each a
// letter, mark, symbol, number or punctuation. Invalid input gives an error
// matching [ErrInvalid] that shows the input only masked.
func Normalize(s string, k Kind, cfg PoolConfig, opts Options) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", invalid(k, s, "not valid UTF-8")
	}
	switch k {
	case Email:
		at := strings.LastIndexByte(s, '@')
		if at <= 0 || at == len(s)-1 {
			return "", invalid(k, s, "not an email address")
		}
		if !cfg.CaseSensitive {
			s = strings.ToLower(s)
		}
	case Phone:
		p, err := normalizePhone(s, opts)
		if err != nil {
			return "", invalid(k, s, err.Error())
		}
		s = p
	case Sub:
		if !uuidRE.MatchString(s) {
			return "", invalid(k, s, "not a UUID")
		}
	case Username, PreferredUsername:
		if !cfg.CaseSensitive {
			s = strings.ToLower(s)
		}
	default:
		return "", invalid(k, s, "unknown kind")
	}
	if err := checkUsernameRule(s); err != nil {
		return "", invalid(k, s, err.Error())
	}
	return s, nil
}

func normalizePhone(s string, opts Options) (string, error) {
	p := stripPhone(s)
	if !strings.HasPrefix(p, "+") {
		if opts.DefaultCountryCode == "" {
			return "", errors.New("phone number needs '+' and a country code")
		}
		if err := opts.Check(); err != nil {
			return "", errors.New("bad DefaultCountryCode")
		}
		p = "+" + opts.DefaultCountryCode + strings.TrimPrefix(p, "0")
	}
	if !e164RE.MatchString(p) {
		return "", errors.New("not an E.164 phone number")
	}
	return p, nil
}

// checkUsernameRule applies Cognito's pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]+
// and length limit.
func checkUsernameRule(s string) error {
	n := 0
	for _, r := range s {
		n++
		if n > maxUsernameLength {
			return fmt.Errorf("longer than %d characters", maxUsernameLength)
		}
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			switch {
			case unicode.IsSpace(r):
				return errors.New("holds white space")
			case unicode.IsControl(r):
				return errors.New("holds a control character")
			}
			return errors.New("holds a character Cognito does not accept")
		}
	}
	if n == 0 {
		return errors.New("empty")
	}
	return nil
}

// checkUsername reports whether s meets Cognito's rule for the Username
// field, as it is, without trimming. Its error matches ErrInvalid.
func checkUsername(s string) error {
	if !utf8.ValidString(s) {
		return invalid(Username, s, "not valid UTF-8")
	}
	if err := checkUsernameRule(s); err != nil {
		return invalid(Username, s, err.Error())
	}
	return nil
}
