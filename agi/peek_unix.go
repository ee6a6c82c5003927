//go:build unix

package agi

import (
	"bytes"
	"net"
	"syscall"
)

// peekSize is how much of the stream awaitLine looks at for a line end.
// Asterisk's replies and HANGUP notices are shorter; a longer line is read
// as soon as this much of it is there.
const peekSize = 64

// rawConn is conn's file descriptor access, or nil when the stream cannot be
// polled that way.
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// awaitLine waits, holding the turn, until a whole line or the end of the
// stream can be read without blocking, consuming nothing. A read deadline
// ends the wait with os.ErrDeadlineExceeded.
func (s *Session) awaitLine() error {
	if s.lineBuffered() {
		return nil
	}
	return s.raw.Read(s.peekLine)
}

// lineReady is awaitLine without the wait: whether a whole line or the end
// of the stream is there. The read deadline must not have passed.
func (s *Session) lineReady() bool {
	if s.lineBuffered() {
		return true
	}
	s.peeked = false
	if err := s.raw.Read(s.peekOnce); err != nil {
		return false
	}
	return s.peeked
}

func (s *Session) peekOnce(fd uintptr) bool {
	s.peeked = s.peekLine(fd)
	return true
}

// lineBuffered reports a line end among the bytes already buffered.
func (s *Session) lineBuffered() bool {
	n := s.fr.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := s.fr.r.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

// peekLine is awaitLine's look at the socket: done (true) once it holds a
// line end, peekSize bytes or the end of the stream, or fails.
func (s *Session) peekLine(fd uintptr) bool {
	for {
		n, _, err := syscall.Recvfrom(int(fd), s.peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return false
		case err != nil, n <= 0, n == len(s.peek):
			return true // the read that follows reports an error or reads on
		}
		return bytes.IndexByte(s.peek[:n], '\n') >= 0
	}
}
