package main

import (
	"net"
	"syscall"
	"unsafe"
)

// unread returns how many bytes c's client sent that the server has not
// read yet (ioctl FIONREAD), or 0 when that can't be told.
func unread(c net.Conn) int {
	rc := rawConn(c)
	if rc == nil {
		return 0
	}
	var n int32
	_ = rc.Control(func(fd uintptr) {
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); e != 0 {
			n = 0
		}
	})
	return int(n)
}

// peekByte returns the first byte c's client sent, left unread, or 0 when
// none has arrived; it never blocks.
func peekByte(c net.Conn) byte {
	rc := rawConn(c)
	if rc == nil {
		return 0
	}
	var b [1]byte
	_ = rc.Read(func(fd uintptr) bool {
		if n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT); err != nil || n != 1 {
			b[0] = 0
		}
		return true // one try: never wait
	})
	return b[0]
}

// writeNow writes what of p fits in c's socket buffer, without waiting.
func writeNow(c net.Conn, p []byte) {
	if rc := rawConn(c); rc != nil {
		_ = rc.Write(func(fd uintptr) bool {
			_, _ = syscall.Write(int(fd), p)
			return true // one try: never wait
		})
	}
}

func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
