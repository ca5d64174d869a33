package metadata

import (
	"fmt"
	"strings"
)

// Rule names the check a [Violation] failed.
type Rule string

// The rules of [Policy.Validate], then those of checks that judge a map
// for its use (custommessage.Handler.CheckMetadata).
const (
	RuleTooManyPairs     Rule = "too_many_pairs"
	RuleTotalTooLarge    Rule = "total_too_large"
	RuleKeyEmpty         Rule = "key_empty"
	RuleKeyTooLong       Rule = "key_too_long"
	RuleKeyUTF8          Rule = "key_invalid_utf8"
	RuleKeyControl       Rule = "key_control_character"
	RuleKeyCaseDuplicate Rule = "key_case_duplicate"
	RuleSensitiveKey     Rule = "sensitive_key"
	RuleValueTooLong     Rule = "value_too_long"
	RuleValueUTF8        Rule = "value_invalid_utf8"
	RuleSensitiveValue   Rule = "sensitive_value"
	RuleKeyMissing       Rule = "key_missing"       // a key the use needs is absent
	RuleValueNotAllowed  Rule = "value_not_allowed" // a value is not one the use allows
)

// Violation is one problem with a map. Key is empty for rules about the
// whole map. Detail never holds a value or any part of one.
type Violation struct {
	Key    string
	Rule   Rule
	Detail string
}

func (v Violation) String() string {
	if v.Rule == RuleTooManyPairs || v.Rule == RuleTotalTooLarge {
		return fmt.Sprintf("%s (%s)", v.Rule, v.Detail)
	}
	return fmt.Sprintf("key %s: %s (%s)", quoteKey(v.Key), v.Rule, v.Detail)
}

// ValidationError lists every violation of a map, in a stable order.
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("metadata: invalid client metadata: ")
	const shown = 5
	for i, v := range e.Violations {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(e.Violations)-shown)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Has reports whether a violation of rule r is listed.
func (e *ValidationError) Has(r Rule) bool {
	for _, v := range e.Violations {
		if v.Rule == r {
			return true
		}
	}
	return false
}

// quoteKey quotes a key for a message, cut to 40 runes.
func quoteKey(k string) string {
	const most = 40
	n := 0
	for i := range k {
		if n == most {
			return fmt.Sprintf("%q…", k[:i])
		}
		n++
	}
	return fmt.Sprintf("%q", k)
}
