package metadata

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Detector flags values that look like a secret. Name completes the phrase
// "value looks like ..." in a violation; Match must not keep or log the value.
type Detector struct {
	Name  string
	Match func(value string) bool
}

// The built-in detectors, also returned by [DefaultDetectors].
var (
	// JWT flags a JSON Web Token: three base64url segments whose first
	// decodes to a JSON object with an "alg" member.
	JWT = Detector{Name: "a JWT", Match: looksLikeJWT}
	// AWSAccessKeyID flags AKIA/ASIA followed by 16 upper-case letters or
	// digits.
	AWSAccessKeyID = Detector{Name: "an AWS access key ID", Match: looksLikeAccessKeyID}
	// PEMPrivateKey flags a PEM block of any private key type.
	PEMPrivateKey = Detector{Name: "a PEM private key", Match: looksLikePEMPrivateKey}
	// CardNumber flags 13 to 19 digits, spaces or dashes allowed between
	// them, that start with 2 to 6 (the major card networks' prefixes) and
	// pass the Luhn check. The prefix rule keeps millisecond timestamps,
	// which start with 1, from being flagged.
	CardNumber = Detector{Name: "a payment card number", Match: looksLikeCardNumber}
)

// DefaultDetectors returns the built-in detectors in a fresh slice.
func DefaultDetectors() []Detector {
	return []Detector{JWT, AWSAccessKeyID, PEMPrivateKey, CardNumber}
}

func isB64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func looksLikeJWT(v string) bool {
	if strings.Count(v, ".") < 2 {
		return false
	}
	// Walk every run of base64url characters and dots.
	for i := 0; i < len(v); {
		if !isB64URL(v[i]) {
			i++
			continue
		}
		j := i
		for j < len(v) && (isB64URL(v[j]) || v[j] == '.' || v[j] == '=') {
			j++
		}
		if jwtToken(v[i:j]) {
			return true
		}
		i = j
	}
	return false
}

func jwtToken(t string) bool {
	parts := strings.Split(t, ".")
	if len(parts) < 3 {
		return false
	}
	// The header may start any segment of a dotted run ("x.eyJ...").
	for i := 0; i+2 < len(parts); i++ {
		h := strings.TrimRight(parts[i], "=")
		if len(h) < 4 || parts[i+1] == "" {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(h)
		if err != nil {
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			continue
		}
		if _, ok := obj["alg"]; ok {
			return true
		}
	}
	return false
}

func isUpperAlnum(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

func looksLikeAccessKeyID(v string) bool {
	for _, p := range []string{"AKIA", "ASIA"} {
		for off := 0; ; {
			i := strings.Index(v[off:], p)
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			if i > 0 && isUpperAlnum(v[i-1]) {
				continue
			}
			end := i + 20
			if end > len(v) || (end < len(v) && isUpperAlnum(v[end])) {
				continue
			}
			ok := true
			for k := i + 4; k < end; k++ {
				if !isUpperAlnum(v[k]) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func looksLikePEMPrivateKey(v string) bool {
	i := strings.Index(v, "-----BEGIN ")
	if i < 0 {
		return false
	}
	rest := v[i+len("-----BEGIN "):]
	end := strings.Index(rest, "-----")
	return end >= 0 && strings.HasSuffix(rest[:end], "PRIVATE KEY")
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func looksLikeCardNumber(v string) bool {
	for i := 0; i < len(v); {
		if !isDigit(v[i]) || (i > 0 && isDigit(v[i-1])) {
			i++
			continue
		}
		// A run of digits with single spaces or dashes between them.
		var digits [20]byte
		n, j, last := 0, i, i
		for j < len(v) {
			c := v[j]
			if isDigit(c) {
				if n < len(digits) {
					digits[n] = c
				}
				n++
				last = j
				j++
				continue
			}
			if (c == ' ' || c == '-') && j+1 < len(v) && isDigit(v[j+1]) {
				j++
				continue
			}
			break
		}
		if n >= 13 && n <= 19 && digits[0] >= '2' && digits[0] <= '6' && luhn(digits[:n]) {
			return true
		}
		i = last + 1
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		x := int(d[i] - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}
