//go:build !unix

package agi

import (
	"net"
	"syscall"
)

const peekSize = 0

// rawConn is nil here: sessions read through a reader goroutine.
func rawConn(net.Conn) syscall.RawConn { return nil }

func (s *Session) awaitLine() error { panic("agi: awaitLine without a pollable connection") }

func (s *Session) lineReady() bool { panic("agi: lineReady without a pollable connection") }
