package agi

import (
	"context"
	"fmt"
	"io"
	"time"

	agilib "github.com/CyCoreSystems/agi"
)

// libConn wraps a session's github.com/CyCoreSystems/agi object, which
// formats each command and parses its reply. The library has no deadlines
// or contexts, reads each reply with a new bufio.Scanner and takes the
// first line it sees as the reply, and cannot read multi-line replies, so it
// is never given the connection. The session sends the command line and
// waits for its reply (from the framer with the turn held, or from the
// reader goroutine) under the command's deadline; then the library runs the
// command against libConn: its write must be the line just sent, and its
// read gets exactly one normalised reply line (Reply.line).
//
// The wait happens before the library is called, not inside it: a session
// waits for Asterisk with a shallow stack (its goroutine fits in 4 KiB
// instead of 8) and without the library's 4 KiB scanner buffer allocated,
// which at 1,000 sessions is 4 MB of stacks and 4 MB of live heap.
type libConn struct {
	s   *Session
	lib *agilib.AGI

	// Set for one command, once its reply is there:
	sent    string // the command line sent, without its newline
	pending []byte // what is left of the reply line being handed out
	libErr  error  // the library wrote something other than sent
}

// libConn returns the session's library wrapper, made at its first command;
// held under mu.
func (s *Session) libConn() *libConn {
	if s.lc == nil {
		c := &libConn{s: s}
		// The library reads an environment block first; it gets an
		// empty one.
		c.pending = []byte{'\n'}
		c.lib = agilib.New(c, c)
		s.lc = c
	}
	return s.lc
}

// command sends line and its newline in one write, waits for the reply
// and returns the library's parse of it, or the write or read error.
// inline: the caller holds the turn and has set the connection's
// deadlines; otherwise the reader goroutine reads and deadline and ctx
// bound the wait for the reply.
func (c *libConn) command(ctx context.Context, deadline time.Time, inline bool, line string) (resp *agilib.Response, writeErr, readErr error) {
	if _, err := c.s.conn.Write(append([]byte(line), '\n')); err != nil {
		return nil, err, nil
	}
	var r Reply
	var err error
	if inline {
		r, err = c.s.readReply()
	} else {
		r, err = c.s.reader.reply(c.s, ctx, deadline)
	}
	if err != nil {
		return nil, nil, err
	}
	c.hand(line, r)
	resp = c.lib.Command(line)
	if c.libErr != nil {
		readErr = c.libErr
	}
	c.sent, c.pending, c.libErr = "", nil, nil
	return resp, nil, readErr
}

// Write is the library's write of the command line: it must be the line
// the session sent, with its newline, in one call.
func (c *libConn) Write(p []byte) (int, error) {
	if n := len(c.sent); len(p) != n+1 || p[n] != '\n' || string(p[:n]) != c.sent {
		c.libErr = fmt.Errorf("%w: the agi library wrote %q for the command %q", ErrProtocol, short(string(p)), short(c.sent))
	}
	return len(p), nil
}

// Read hands the library the reply line, and at most that, so its
// throwaway scanner never holds bytes of the next reply.
func (c *libConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// hand readies the library's command: its write is checked against line
// and its read gets r as one line. Not inlined, like setLine.
//
//go:noinline
func (c *libConn) hand(line string, r Reply) {
	b := r.appendTo(make([]byte, 0, len(r.Value)+24))
	c.sent, c.pending, c.libErr = line, append(b, '\n'), nil
}

// replyOf turns the library's parse of a normalised line into a Reply and a
// typed error.
func replyOf(resp *agilib.Response) (Reply, error) {
	r := Reply{Status: resp.Status, Result: resp.Result, Value: resp.Value}
	switch r.Status {
	case 200:
		if resp.Error != nil {
			return r, fmt.Errorf("%w: %v", ErrProtocol, resp.Error)
		}
		return r, nil
	case 510:
		return r, ErrInvalidCommand
	case 511:
		return r, ErrDeadChannel
	case 520:
		return r, &UsageError{Usage: r.Value}
	case 0:
		if resp.Error != nil {
			return r, fmt.Errorf("%w: %v", ErrProtocol, resp.Error)
		}
	}
	return r, fmt.Errorf("%w: status %d", ErrProtocol, r.Status)
}
