package metadata

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLength is the API's own cap on the length of one ClientMetadata key or
// value. No Policy may allow more.
const MaxLength = 131072

// Defaults of [DefaultPolicy].
const (
	defaultMaxPairs      = 50
	defaultMaxKeyBytes   = 128
	defaultMaxValueBytes = 1024
	defaultMaxTotalBytes = 8192
)

// ErrInvalid is matched, with errors.Is, by every error that refuses a map
// or an input string: a [*ValidationError] or a [*ParseError].
var ErrInvalid = errors.New("metadata: invalid client metadata")

// ErrPolicy is matched by the error of [Policy.Check] for a policy that
// can't be used.
var ErrPolicy = errors.New("metadata: invalid policy")

// Policy says which ClientMetadata maps may be sent. A zero limit means the
// default of [DefaultPolicy]; a negative one, or one above [MaxLength] for
// keys and values, makes the policy invalid (see [Policy.Check]).
type Policy struct {
	MaxPairs      int // most key-value pairs
	MaxKeyBytes   int // longest key, in bytes
	MaxValueBytes int // longest value, in bytes
	MaxTotalBytes int // all keys and values together, in bytes

	// DeniedKeyWords are the words that make a key sensitive, lower case.
	// A key is split into words (see [KeyWords]); it is denied when a word,
	// or two adjacent words fused, is in this list.
	DeniedKeyWords []string

	// AllowedKeys skip the key-word check (compared case-insensitively).
	// Value detectors still apply to them.
	AllowedKeys []string

	// Detectors flag values that look like secrets.
	Detectors []Detector
}

// DefaultPolicy returns a policy with the documented defaults: 50 pairs,
// 128-byte keys, 1 KiB values, 8 KiB in all, [DefaultDeniedKeyWords] and
// [DefaultDetectors]. Each call returns fresh slices, safe to append to.
func DefaultPolicy() Policy {
	return Policy{
		MaxPairs:       defaultMaxPairs,
		MaxKeyBytes:    defaultMaxKeyBytes,
		MaxValueBytes:  defaultMaxValueBytes,
		MaxTotalBytes:  defaultMaxTotalBytes,
		DeniedKeyWords: DefaultDeniedKeyWords(),
		Detectors:      DefaultDetectors(),
	}
}

// DefaultDeniedKeyWords returns the words that make a key sensitive by default.
func DefaultDeniedKeyWords() []string {
	return []string{
		"password", "passwd", "pwd", "secret", "token", "apikey", "accesskey",
		"privatekey", "credential", "credentials", "ssn", "creditcard",
		"cardnumber", "cvv", "cvc", "pin", "otp",
	}
}

// Check reports whether the policy can be used: no negative limit, no key or
// value limit above [MaxLength], no empty denied word and no detector
// without a name or a function. Its error matches [ErrPolicy].
func (p Policy) Check() error {
	var problems []string
	for _, l := range []struct {
		name string
		v    int
		max  int
	}{
		{"MaxPairs", p.MaxPairs, 0},
		{"MaxKeyBytes", p.MaxKeyBytes, MaxLength},
		{"MaxValueBytes", p.MaxValueBytes, MaxLength},
		{"MaxTotalBytes", p.MaxTotalBytes, 0},
	} {
		if l.v < 0 {
			problems = append(problems, fmt.Sprintf("%s is negative (%d)", l.name, l.v))
		}
		if l.max > 0 && l.v > l.max {
			problems = append(problems, fmt.Sprintf("%s %d is above the API cap of %d", l.name, l.v, l.max))
		}
	}
	for _, w := range p.DeniedKeyWords {
		if strings.TrimSpace(w) == "" {
			problems = append(problems, "DeniedKeyWords holds an empty word")
			break
		}
	}
	for i, d := range p.Detectors {
		if d.Name == "" || d.Match == nil {
			problems = append(problems, fmt.Sprintf("Detectors[%d] needs a Name and a Match func", i))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrPolicy, strings.Join(problems, "; "))
	}
	return nil
}

func (p Policy) withDefaults() Policy {
	if p.MaxPairs == 0 {
		p.MaxPairs = defaultMaxPairs
	}
	if p.MaxKeyBytes == 0 {
		p.MaxKeyBytes = defaultMaxKeyBytes
	}
	if p.MaxValueBytes == 0 {
		p.MaxValueBytes = defaultMaxValueBytes
	}
	if p.MaxTotalBytes == 0 {
		p.MaxTotalBytes = defaultMaxTotalBytes
	}
	return p
}

// Validate returns nil when m may be sent, or a [*ValidationError] listing
// every violation, sorted by key and then by rule. An invalid policy gives
// the error of [Policy.Check] instead. A nil or empty map is valid.
func (p Policy) Validate(m map[string]string) error {
	if len(m) == 0 {
		return nil
	}
	if err := p.Check(); err != nil {
		return err
	}
	p = p.withDefaults()

	var vs []Violation
	if len(m) > p.MaxPairs {
		vs = append(vs, Violation{Rule: RuleTooManyPairs,
			Detail: fmt.Sprintf("%d pairs, limit %d", len(m), p.MaxPairs)})
	}
	if len(m) > maxSortedKeys {
		// Past this many pairs the map is refused on count alone; sorting and
		// scanning every key would only spend time on hostile input.
		return &ValidationError{Violations: vs}
	}
	total := 0
	for k, v := range m {
		total += len(k) + len(v)
	}
	if total > p.MaxTotalBytes {
		vs = append(vs, Violation{Rule: RuleTotalTooLarge,
			Detail: fmt.Sprintf("%d bytes in all, limit %d", total, p.MaxTotalBytes)})
	}

	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	// Keys that differ only by case reach a Lambda trigger as distinct keys
	// and confuse it; they can only exist when some key has an upper-case
	// letter, so the common case pays nothing for this check.
	var folded map[string]string
	if slices.ContainsFunc(keys, hasUpper) {
		folded = make(map[string]string, len(keys))
	}
	for _, k := range keys {
		v := m[k]
		vs = p.checkKey(vs, k, folded)
		switch {
		case len(v) > p.MaxValueBytes:
			vs = append(vs, Violation{Key: k, Rule: RuleValueTooLong,
				Detail: fmt.Sprintf("value is %d bytes, limit %d", len(v), p.MaxValueBytes)})
		case !utf8.ValidString(v):
			vs = append(vs, Violation{Key: k, Rule: RuleValueUTF8, Detail: "value is not valid UTF-8"})
		default:
			for _, d := range p.Detectors {
				if d.Match(v) {
					vs = append(vs, Violation{Key: k, Rule: RuleSensitiveValue,
						Detail: "value looks like " + d.Name})
					break
				}
			}
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return &ValidationError{Violations: vs}
}

// maxSortedKeys bounds the work Validate does on a map with far too many
// pairs.
const maxSortedKeys = 1000

func (p Policy) checkKey(vs []Violation, k string, folded map[string]string) []Violation {
	switch {
	case k == "":
		return append(vs, Violation{Key: k, Rule: RuleKeyEmpty, Detail: "key is empty"})
	case len(k) > p.MaxKeyBytes:
		return append(vs, Violation{Key: k, Rule: RuleKeyTooLong,
			Detail: fmt.Sprintf("key is %d bytes, limit %d", len(k), p.MaxKeyBytes)})
	case !utf8.ValidString(k):
		return append(vs, Violation{Key: k, Rule: RuleKeyUTF8, Detail: "key is not valid UTF-8"})
	case strings.ContainsFunc(k, unicode.IsControl):
		return append(vs, Violation{Key: k, Rule: RuleKeyControl, Detail: "key holds a control character"})
	}
	if folded != nil {
		lk := strings.ToLower(k)
		if first, ok := folded[lk]; ok && first != k {
			vs = append(vs, Violation{Key: k, Rule: RuleKeyCaseDuplicate,
				Detail: "key differs only by case from " + quoteKey(first)})
		} else if !ok {
			folded[lk] = k
		}
	}
	if !p.allowed(k) {
		if w := p.deniedWord(k); w != "" {
			vs = append(vs, Violation{Key: k, Rule: RuleSensitiveKey,
				Detail: fmt.Sprintf("key names a secret (%q)", w)})
		}
	}
	return vs
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

func (p Policy) allowed(k string) bool {
	for _, a := range p.AllowedKeys {
		if strings.EqualFold(a, k) {
			return true
		}
	}
	return false
}

// deniedWord returns the denied word that k holds, or "".
func (p Policy) deniedWord(k string) string {
	if len(p.DeniedKeyWords) == 0 {
		return ""
	}
	var buf [16]string
	words := splitKey(buf[:0], k)
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		// Lengths can only differ under case folding for non-ASCII runes
		// ("ſ" folds to "s"); for ASCII words they rule most words out.
		ascii := isASCII(w) && isASCII(next)
		for _, d := range p.DeniedKeyWords {
			if (!ascii || len(d) == len(w)) && strings.EqualFold(d, w) {
				return d
			}
			if next != "" && (!ascii || len(d) == len(w)+len(next)) && len(d) >= len(w) &&
				strings.EqualFold(d[:len(w)], w) && strings.EqualFold(d[len(w):], next) {
				return d
			}
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// KeyWords splits a key into lower-case words at '-', '_', '.', spaces and
// other punctuation, camelCase boundaries and letter-digit boundaries:
// "X-Api-Key" gives [x api key], "newPWDHash" gives [new pwd hash]. These
// are the words that [Policy.DeniedKeyWords] are matched against.
func KeyWords(k string) []string {
	words := splitKey(nil, k)
	for i, w := range words {
		words[i] = strings.ToLower(w)
	}
	return words
}

const (
	classOther = iota
	classUpper
	classLower
	classDigit
)

func runeClass(r rune) int {
	switch {
	case r < utf8.RuneSelf && 'a' <= r && r <= 'z':
		return classLower
	case r < utf8.RuneSelf && 'A' <= r && r <= 'Z':
		return classUpper
	case r < utf8.RuneSelf && '0' <= r && r <= '9':
		return classDigit
	case r < utf8.RuneSelf:
		return classOther
	case unicode.IsUpper(r):
		return classUpper
	case unicode.IsLetter(r):
		return classLower
	case unicode.IsDigit(r):
		return classDigit
	}
	return classOther
}

// splitKey appends the words of k, as substrings of k, to dst. It does not
// allocate while dst has room.
func splitKey(dst []string, k string) []string {
	start := -1 // byte offset of the current word
	prev := classOther
	for i, r := range k {
		c := runeClass(r)
		if c == classOther {
			if start >= 0 {
				dst = append(dst, k[start:i])
				start = -1
			}
			prev = c
			continue
		}
		if start < 0 {
			start, prev = i, c
			continue
		}
		split := false
		switch {
		case prev == classLower && c == classUpper: // camelCase
			split = true
		case (prev == classDigit) != (c == classDigit): // letters and digits
			split = true
		case prev == classUpper && c == classUpper: // "APIKey": split before "Key"
			if next, _ := utf8.DecodeRuneInString(k[i+utf8.RuneLen(r):]); i+utf8.RuneLen(r) < len(k) && runeClass(next) == classLower {
				split = true
			}
		}
		if split {
			dst = append(dst, k[start:i])
			start = i
		}
		prev = c
	}
	if start >= 0 {
		dst = append(dst, k[start:])
	}
	return dst
}
