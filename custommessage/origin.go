package custommessage

import (
	"errors"
	"fmt"
	"net"
	"net/url"
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
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return "", errors.New("must be https (http only on a loopback host)")
	}
	return u.Scheme + "://" + host, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
