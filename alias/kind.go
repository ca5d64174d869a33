package alias

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
)

// Kind says how an identifier is read.
type Kind int

// The kinds of identifier. Their String values are Cognito's attribute names.
const (
	Username Kind = iota
	Email
	Phone
	PreferredUsername
	Sub
)

func (k Kind) String() string {
	switch k {
	case Username:
		return "username"
	case Email:
		return "email"
	case Phone:
		return "phone_number"
	case PreferredUsername:
		return "preferred_username"
	case Sub:
		return "sub"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// parseKind returns the Kind whose String is s.
func parseKind(s string) (Kind, bool) {
	for _, k := range []Kind{Username, Email, Phone, PreferredUsername, Sub} {
		if k.String() == s {
			return k, true
		}
	}
	return Username, false
}

var (
	uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	e164RE = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// phoneSeparators are removed from a phone number before it is checked.
const phoneSeparators = " -.()"

func stripPhone(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(phoneSeparators, r) {
			return -1
		}
		return r
	}, s)
}

// Classify tells the Kind of s by its shape: a canonical UUID in any case is
// a Sub; E.164 once spaces, dashes, dots and parentheses are removed is a
// Phone; a bare address that net/mail parses back to exactly itself is an
// Email; anything else is a Username. PreferredUsername can't be told by
// shape, so Classify never returns it.
func Classify(s string) Kind {
	switch {
	case uuidRE.MatchString(s):
		return Sub
	case len(s) <= 64 && e164RE.MatchString(stripPhone(s)):
		return Phone
	case isBareEmail(s):
		return Email
	}
	return Username
}

func isBareEmail(s string) bool {
	if len(s) > 320 || !strings.Contains(s, "@") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
