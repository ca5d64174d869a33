package main

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// checkLoopback refuses an address that is not loopback (an empty host is
// every interface).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %s is not a loopback address: the fake Cognito shows every delivery, unmasked, to anyone who can connect; use 127.0.0.1, or add -expose to mean it", addr)
}

// deliveriesWarning is printed on stderr when the server starts.
const deliveriesWarning = "WARNING: GET %s shows every code sent with UNMASKED emails, phone numbers and ClientMetadata to anyone who can connect to %s. Test data only.\n"

// loopbackHostOnly refuses (421) a request whose Host is not localhost or
// a loopback address: a web page the developer visits can't read the
// deliveries through DNS rebinding (its name resolving to 127.0.0.1), since
// its requests carry its own name as Host.
func loopbackHostOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "this fake Cognito answers only requests addressed to localhost or a loopback address (-expose lifts this)", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}
