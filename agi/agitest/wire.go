package agitest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
)

// awaitClose reads until the server closes, for clients that do not talk.
func (c *Client) awaitClose(conn net.Conn) error {
	_, err := io.Copy(io.Discard, conn)
	c.mu.Lock()
	defer c.mu.Unlock()
	if isReset(err) {
		c.res.Reset = true
		return nil
	}
	c.res.ServerClosed = err == nil
	return err
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// sendEnv writes the environment in EnvSegments pieces: the first ends after
// agi_context, the rest are split evenly by lines.
func (c *Client) sendEnv(conn net.Conn, env []byte) error {
	n := c.EnvSegments
	if n <= 0 {
		n = 2
	}
	for i, seg := range splitEnv(env, n) {
		if i > 0 {
			c.pause()
		}
		if _, err := conn.Write(seg); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) pause() {
	d := c.Gap
	if d <= 0 {
		d = 200 * time.Microsecond // what Asterisk 20 leaves between its segments
	}
	time.Sleep(d)
}

func splitEnv(env []byte, n int) [][]byte {
	if n <= 1 {
		return [][]byte{env}
	}
	cut := strings.Index(string(env), "\nagi_extension: ") + 1
	if cut <= 0 {
		cut = len(env) / 2
	}
	segs := [][]byte{env[:cut]}
	rest := env[cut:]
	lines := strings.SplitAfter(string(rest), "\n")
	per := (len(lines) + n - 2) / (n - 1)
	for i := 0; i < len(lines); i += per {
		segs = append(segs, []byte(strings.Join(lines[i:min(i+per, len(lines))], "")))
	}
	return segs
}

// serve answers commands until the server ends the session.
func (c *Client) serve(conn net.Conn) error {
	r := bufio.NewReader(conn)
	for n := 1; ; n++ {
		line, err := r.ReadString('\n')
		if err != nil {
			return c.serverGone(conn, err)
		}
		line = strings.TrimSuffix(line, "\n")
		c.mu.Lock()
		c.res.Commands = append(c.res.Commands, line)
		c.mu.Unlock()
		if c.OnCommand != nil {
			c.OnCommand(n, line)
		}
		if c.ReplyDelay != nil {
			time.Sleep(c.ReplyDelay(line))
		}
		if err := c.answer(conn, n, line); err != nil {
			return c.serverGone(conn, err)
		}
	}
}

// answer writes the reply to command n.
func (c *Client) answer(conn net.Conn, n int, line string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Misbehave == GarbageReply && n == 1 {
		_, err := conn.Write([]byte("this is not agi\n"))
		return err
	}
	c.ch.ending = n == c.HangupAfter
	a := c.ch.handle(line)
	c.ch.ending = false
	last := len(a.chunks) - 1
	for _, chunk := range a.chunks[:last] {
		if _, err := conn.Write([]byte(chunk)); err != nil {
			return err
		}
		c.pause()
	}
	final := a.chunks[last]
	switch {
	case n == c.HangupAfter:
		c.hangupLocked(final)
		return nil
	case a.hangup:
		// The reply first; the notice follows as its own segment.
		if _, err := conn.Write([]byte(final)); err != nil {
			return err
		}
		c.pause()
		c.hangupLocked("")
		return nil
	}
	_, err := conn.Write([]byte(final))
	return err
}

// serverGone handles the end of the server's stream: like Asterisk, say
// HANGUP (unless AGISIGHUP=no) and close.
func (c *Client) serverGone(conn net.Conn, err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case errors.Is(err, io.EOF):
		c.res.ServerClosed = true
		if !c.NoSigHup {
			_, _ = conn.Write([]byte(hangupNotice))
		}
		return nil
	case errors.Is(err, syscall.EPIPE):
		// A reply to a command sent just before the server closed.
		c.res.ServerClosed = true
		return nil
	case isReset(err):
		c.res.Reset = true
		return nil
	case errors.Is(err, net.ErrClosed) && c.ExitOnHangup && c.hungUp:
		return nil
	}
	return err
}
