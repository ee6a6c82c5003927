package agi

import (
	"context"
	"fmt"
	"time"

	agilib "github.com/CyCoreSystems/agi"
)

// libConn wraps a session's github.com/CyCoreSystems/agi object, which
// writes each command and parses its reply. The library has no deadlines or
// contexts, reads each reply with a new bufio.Scanner and takes the first
// line it sees as the reply, and cannot read multi-line replies, so it is
// never given the connection: libConn is its writer (the connection, its
// error kept for errors.Is) and its reader, which hands out exactly one
// normalised reply line per command (Reply.line), fetched in the calling
// goroutine from the framer (turn held) or from the reader goroutine.
type libConn struct {
	s   *Session
	lib *agilib.AGI

	// Set for one command:
	ctx      context.Context
	deadline time.Time
	inline   bool   // the command holds the turn and reads the stream itself
	pending  []byte // what is left of the line being handed out
	readErr  error
	writeErr error
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

// command sends line through the library and returns its parse of the
// reply, and the write or read error, if any. inline: the caller holds the
// turn and has set the connection's deadlines; otherwise the reader
// goroutine reads and deadline and ctx bound the wait for its reply.
func (c *libConn) command(ctx context.Context, deadline time.Time, inline bool, line string) (resp *agilib.Response, writeErr, readErr error) {
	c.ctx, c.deadline, c.inline = ctx, deadline, inline
	c.pending, c.readErr, c.writeErr = nil, nil, nil
	resp = c.lib.Command(line)
	writeErr, readErr = c.writeErr, c.readErr
	c.ctx, c.pending, c.readErr, c.writeErr = nil, nil, nil, nil
	return resp, writeErr, readErr
}

// Write is the library's write of a command line and its newline, in one
// call: it goes to the connection as one write.
func (c *libConn) Write(p []byte) (int, error) {
	n, err := c.s.conn.Write(p)
	if err != nil && c.writeErr == nil {
		c.writeErr = err
	}
	return n, err
}

// Read hands the library at most the rest of one reply line, so its
// throwaway scanner never holds bytes of the next reply.
func (c *libConn) Read(p []byte) (int, error) {
	if len(c.pending) == 0 {
		if c.readErr != nil {
			return 0, c.readErr
		}
		line, err := c.next()
		if err != nil {
			c.readErr = err
			return 0, err
		}
		c.pending = line
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// next reads the reply to the command being sent, as one line.
func (c *libConn) next() ([]byte, error) {
	if c.ctx == nil {
		// Only a library read outside a command gets here; there is none.
		return nil, fmt.Errorf("%w: read outside a command", ErrProtocol)
	}
	var r Reply
	var err error
	if c.inline {
		r, err = c.s.readReply()
	} else {
		r, err = c.s.reader.reply(c.s, c.ctx, c.deadline)
	}
	if err != nil {
		return nil, err
	}
	b := r.appendTo(make([]byte, 0, len(r.Value)+24))
	return append(b, '\n'), nil
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
