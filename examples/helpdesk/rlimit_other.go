//go:build !unix

package main

// fitToFileLimit returns l unchanged: there is no RLIMIT_NOFILE to fit
// MaxConns under here.
func fitToFileLimit(l Limits) Limits { return l }
