//go:build unix

package main

import "syscall"

// fitToFileLimit lowers MaxConns below the process's file-descriptor limit
// (Go raises the soft limit to the hard one at startup), so that the cap,
// not accept4's EMFILE, is what a flood of connections meets.
func fitToFileLimit(l Limits) Limits {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < uint64(l.MaxConns)+64 {
		l.MaxConns = max(int(rl.Cur)-64, 16)
	}
	return l
}
