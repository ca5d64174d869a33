//go:build !linux

package main

import "net"

// unread returns 0: without FIONREAD, whether the client's bytes wait
// unread can't be told (the limit listener still evicts only a connection
// the server is blocked reading).
func unread(net.Conn) int { return 0 }

// peekByte returns 0: no non-blocking peek here.
func peekByte(net.Conn) byte { return 0 }

// writeNow writes nothing: no write here is sure not to block, so an
// evicted connection is closed without its 503.
func writeNow(net.Conn, []byte) {}
