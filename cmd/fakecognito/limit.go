package main

import (
	"net"
	"sync"
)

// limitListener lets at most n connections be open at once: Accept waits
// for one to close (golang.org/x/net/netutil.LimitListener, without the
// dependency).
func limitListener(l net.Listener, n int) net.Listener {
	return &capped{Listener: l, sem: make(chan struct{}, n)}
}

type capped struct {
	net.Listener
	sem chan struct{}
}

func (c *capped) Accept() (net.Conn, error) {
	c.sem <- struct{}{}
	conn, err := c.Listener.Accept()
	if err != nil {
		<-c.sem
		return nil, err
	}
	return &cappedConn{Conn: conn, release: func() { <-c.sem }}, nil
}

type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
