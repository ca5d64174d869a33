package alias

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask hides an identifier for errors and logs, in Cognito's own style:
// an email keeps the first character of its local part and of its domain
// and the top-level domain (d***@e***.com); a phone number keeps its last
// four digits (+*******1234); anything else keeps its first character
// (d***). Values of fewer than four characters are masked whole (***).
// Mask never returns an input of three characters or more unchanged.
func Mask(s string) string {
	out := mask(s)
	if out == s {
		// Only an input that is already a mask can get here.
		if out = "***"; s == out {
			out = "****"
		}
	}
	return out
}

func mask(s string) string {
	if utf8.RuneCountInString(s) < 4 {
		return "***"
	}
	if at := strings.IndexByte(s, '@'); at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-1 {
		return first(s[:at]) + "@" + maskDomain(s[at+1:])
	}
	if len(s) > 64 { // longer than any phone number, separators and all
		return first(s)
	}
	if p := stripPhone(s); e164RE.MatchString(p) {
		if len(p) < 9 { // too short to show four digits and still hide most
			return "+" + strings.Repeat("*", len(p)-1)
		}
		return "+" + strings.Repeat("*", len(p)-5) + p[len(p)-4:]
	}
	return first(s)
}

// first keeps the first character of s when it is printable.
func first(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsPrint(r) || r == '*' {
		return "***"
	}
	return string(r) + "***"
}

func maskDomain(d string) string {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 {
		return first(d)
	}
	tld := d[dot+1:]
	if len(tld) < 2 || len(tld) > 10 || strings.IndexFunc(tld, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) >= 0 {
		return first(d)
	}
	return first(d[:dot]) + "." + tld
}
