package main

import (
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unread counts the bytes a client sent that the server has not read (on
// loopback, a write is in the peer's socket when it returns), and
// peekByte sees the first of them without taking it.
func TestUnreadCountsTheClientsBytesNotYetRead(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	client, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := l.Accept()
	require.NoError(t, err)
	defer server.Close()
	assert.Zero(t, unread(server))
	assert.Zero(t, peekByte(server), "nothing sent yet")
	_, err = io.WriteString(client, "POST /")
	require.NoError(t, err)
	assert.Equal(t, 6, unread(server))
	assert.Equal(t, byte('P'), peekByte(server))
	_, err = io.ReadFull(server, make([]byte, 6))
	require.NoError(t, err)
	assert.Zero(t, unread(server))
}
