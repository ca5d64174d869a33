package custommessage

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// parseResetURL splits the configured reset page into its origin
// (scheme://host[:port]) and the rest (path and query). It must be https,
// or http on a loopback host for development, with a host, no user
// information and no fragment: the handler writes the fragment.
func parseResetURL(s string) (origin, rest string, _ error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", errors.New("custommessage: ResetURL is not a URL")
	}
	origin, err = checkOrigin(u)
	if err != nil {
		return "", "", fmt.Errorf("custommessage: ResetURL: %w", err)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return "", "", errors.New("custommessage: ResetURL has a fragment; the handler writes it")
	}
	rest = u.EscapedPath()
	if rest == "" {
		rest = "/"
	}
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	for _, c := range []byte(rest) {
		if c <= ' ' || c >= 0x7f {
			return "", "", errors.New("custommessage: ResetURL's path and query must be printable ASCII: percent-encode the rest")
		}
	}
	return origin, rest, nil
}

// parseOrigin checks one entry of Config.Origins: exactly
// scheme://host[:port], lower case, as a browser writes an origin.
func parseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("custommessage: origin %q is not a URL", s)
	}
	o, err := checkOrigin(u)
	if err != nil {
		return "", fmt.Errorf("custommessage: origin %q: %w", s, err)
	}
	if o != s {
		return "", fmt.Errorf("custommessage: write origin %q as %q (no path, query or fragment; lower case)", s, o)
	}
	return o, nil
}

// checkOrigin returns u's origin, refusing what a link to a reset page must
// not be.
func checkOrigin(u *url.URL) (string, error) {
	host := strings.ToLower(u.Host)
	switch {
	case !u.IsAbs() || u.Opaque != "" || host == "":
		return "", errors.New("needs a scheme and a host")
	case u.User != nil:
		return "", errors.New("has user information")
	case !asciiHost(u.Hostname()):
		return "", errors.New("host must be ASCII letters, digits, '-' and '.' (an IDN host in its xn-- form), or an IP address")
	case strings.HasSuffix(u.Host, ":") || !validPort(u.Port()):
		return "", errors.New("port must be 1 to 65535, without leading zeros")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", errors.New("must be https (http only on a loopback host)")
	}
	return u.Scheme + "://" + host, nil
}

// asciiHost reports whether host is a DNS name of ASCII letters, digits,
// '-' and '.', or an IP address: no control, bidirectional or other
// character that would show one host and name another.
func asciiHost(host string) bool {
	if net.ParseIP(host) != nil {
		return true
	}
	if host == "" {
		return false
	}
	for _, c := range []byte(host) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validPort reports whether port, when there is one, is a TCP port as a
// browser writes it.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == port
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
