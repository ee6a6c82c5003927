package agi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Session is one FastAGI conversation: the environment Asterisk sent and the
// commands this side sends back, one at a time.
//
// Commands go through github.com/CyCoreSystems/agi, wrapped (libConn): the
// session writes each command as one line in one write, and the library,
// given the same line (its write is checked against it), parses the reply
// line. It has no deadlines or contexts and cannot read multi-line replies,
// so it never touches the connection: the reply is read from Asterisk's
// stream, framed (HANGUP notices taken out, multi-line 520 blocks joined) by
// whoever reads it, and handed to the library as one normalised line
// (Reply.line), in the goroutine of the command. While the Router decides,
// the session's own goroutine reads the stream, so a HANGUP then ends the
// wait at once. Once Hungup is asked for, a reader goroutine takes the
// stream over for the rest of the session (as on a connection that cannot be
// polled): it keeps reading while the session is idle, which is how an
// unsolicited HANGUP is noticed at once, and hands each reply to the command
// waiting for it.
type Session struct {
	env     Env
	rawOnce sync.Once // fills env.Raw
	conn    net.Conn
	base    context.Context // the server's context: cancelled only with conn closed
	log     *slog.Logger
	timeout time.Duration

	mu     sync.Mutex // one command at a time
	broken error      // set once the stream can no longer be trusted
	lc     *libConn   // the agi library's session, under mu; made at the first command

	fr      framer
	raw     syscall.RawConn // nil: the connection cannot be polled
	peek    [peekSize]byte  // for awaitLine and lineReady
	peeked  bool            // lineReady's finding
	hungup  chan struct{}
	hupOnce sync.Once

	rmu   sync.Mutex
	turn  sync.Cond // on rmu: the turn is given back or a reader starts
	reads bool      // the stream is being read by the holder of the turn
	// Read by the holder of the turn, or by the reader goroutine once
	// it has taken the turn for good:
	queue   []Reply // replies read before their command asked
	readErr error   // why the stream ended
	// Under rmu:
	reader    *reader // set once a reader goroutine owns the stream
	closed    bool
	closeOnce sync.Once
}

// newSession starts a session on conn whose environment was read from br; br
// keeps any bytes that arrived behind the environment.
func newSession(conn net.Conn, br *bufio.Reader, env Env, log *slog.Logger, timeout time.Duration) *Session {
	s := &Session{env: env}
	s.init(conn, br, log, timeout)
	return s
}

// init starts s, whose env is set.
func (s *Session) init(conn net.Conn, br *bufio.Reader, log *slog.Logger, timeout time.Duration) {
	s.conn, s.log, s.timeout = conn, log, timeout
	s.fr = framer{r: br}
	s.raw = rawConn(conn)
	s.hungup = make(chan struct{})
	s.turn.L = &s.rmu
	if s.raw == nil {
		s.startReader()
	}
}

// Env returns the environment Asterisk sent. Its Raw map is made on the
// first call.
func (s *Session) Env() Env {
	s.rawOnce.Do(s.fillRaw)
	return s.env
}

func (s *Session) fillRaw() {
	if s.env.Raw == nil && s.env.block != "" {
		s.env.Raw = rawOf(s.env.block)
	}
}

// Request is Env().Request, without a copy of the environment.
func (s *Session) Request() string { return s.env.Request }

// Log returns the session's logger, which carries the call's unique id,
// channel and request.
func (s *Session) Log() *slog.Logger { return s.log }

// LogWith adds attributes (the agent, once known) to the session's logger.
func (s *Session) LogWith(args ...any) { s.log = s.log.With(args...) }

// Hungup is closed when Asterisk reports that the channel hung up or ends the
// connection. It fires while the session is idle too: from the first call on,
// a reader goroutine reads the stream for the rest of the session.
func (s *Session) Hungup() <-chan struct{} {
	s.startReader()
	return s.hungup
}

func (s *Session) markHungup() { s.hupOnce.Do(func() { close(s.hungup) }) }

// hungUpSeen reports a HANGUP or the end of the stream seen so far, without
// starting a reader.
func (s *Session) hungUpSeen() bool {
	select {
	case <-s.hungup:
		return true
	default:
		return false
	}
}

// MaxCommandBytes is the longest command line Asterisk reads as one command:
// res_agi reads into a buffer of 8,192 bytes (AGI_BUF_LEN) and takes what
// is left of a longer line as the next command, so the reply to it would be
// mistaken for the reply to ours.
const MaxCommandBytes = 8192 - 2

// Command sends one raw command line and returns Asterisk's reply. Arguments
// must already be quoted; Set, Get, Exec and Verbose do that. It waits at most
// the command timeout or until ctx ends, whichever is first. Errors:
// ErrInvalidCommand, ErrDeadChannel and *UsageError leave the session usable;
// ErrHangup, ErrTimeout, ErrProtocol, I/O and context errors end it, and every
// later command returns the same error. A line longer than MaxCommandBytes
// is refused with ErrBadArgument before anything is sent.
func (s *Session) Command(ctx context.Context, line string) (Reply, error) {
	if err := checkCommand(line); err != nil {
		return Reply{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return Reply{}, s.broken
	}
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	deadline, byCtx := s.deadline(ctx)
	if !s.takeTurn() {
		return s.roundTripReader(ctx, line, deadline, byCtx)
	}
	defer s.giveTurn()
	_ = s.conn.SetDeadline(deadline)
	// A cancelled context must also free a write blocked on a full socket
	// and the read. The server's own context needs no watch: Close, which
	// cancels it, closes the connection.
	if ctx.Done() != nil && ctx != s.base {
		defer s.interruptOn(ctx, true)()
	}
	return s.roundTrip(ctx, line, deadline, byCtx, true)
}

// deadline is the command's deadline: the command timeout or ctx's, if
// sooner (byCtx).
func (s *Session) deadline(ctx context.Context) (deadline time.Time, byCtx bool) {
	deadline = time.Now().Add(s.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return d, true
	}
	return deadline, false
}

// roundTripReader is Command's round trip with the reader goroutine reading.
func (s *Session) roundTripReader(ctx context.Context, line string, deadline time.Time, byCtx bool) (Reply, error) {
	_ = s.conn.SetWriteDeadline(deadline)
	if ctx.Done() != nil && ctx != s.base {
		defer s.interruptOn(ctx, false)()
	}
	return s.roundTrip(ctx, line, deadline, byCtx, false)
}

// roundTrip sends line and reads its reply through the agi library. inline:
// the caller holds the turn and reads the stream itself; otherwise the
// reader goroutine reads it.
func (s *Session) roundTrip(ctx context.Context, line string, deadline time.Time, byCtx, inline bool) (Reply, error) {
	resp, writeErr, readErr := s.libConn().command(ctx, deadline, inline, line)
	if writeErr != nil {
		return s.fail(ctx, byCtx, "send command", writeErr)
	}
	if readErr != nil {
		return s.fail(ctx, byCtx, "read reply", readErr)
	}
	return replyOf(resp)
}

// checkCommand refuses a line Command cannot send.
func checkCommand(line string) error {
	if line == "" || containsLineBreak(line) {
		return fmt.Errorf("%w: command must be one non-empty line", ErrBadArgument)
	}
	if len(line) > MaxCommandBytes {
		return fmt.Errorf("%w: command of %d bytes is longer than Asterisk reads (%d)", ErrBadArgument, len(line), MaxCommandBytes)
	}
	return nil
}

// fail breaks the session with the failure of op.
func (s *Session) fail(ctx context.Context, byCtx bool, op string, err error) (Reply, error) {
	s.broken = classify(ctx, byCtx, op, err)
	return Reply{}, s.broken
}

// interruptOn sets the connection's deadlines in the past when ctx ends,
// the read deadline too when inline. The function it returns stops that and
// waits for it if it has begun.
func (s *Session) interruptOn(ctx context.Context, inline bool) (stop func()) {
	fired := make(chan struct{})
	stopFunc := context.AfterFunc(ctx, func() {
		defer close(fired)
		if inline {
			_ = s.conn.SetDeadline(time.Unix(1, 0))
		} else {
			_ = s.conn.SetWriteDeadline(time.Unix(1, 0))
		}
	})
	return func() {
		if !stopFunc() {
			<-fired
		}
	}
}

// classify names why the stream failed, for the caller and the log. byCtx:
// the deadline that passed was the context's, whose own timer may not have
// fired yet.
func classify(ctx context.Context, byCtx bool, op string, err error) error {
	timeout := errors.Is(err, ErrTimeout) || errors.Is(err, os.ErrDeadlineExceeded)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case timeout && byCtx:
		return fmt.Errorf("%s: %w", op, context.DeadlineExceeded)
	case timeout:
		return fmt.Errorf("%s: %w", op, ErrTimeout)
	case errors.Is(err, net.ErrClosed):
		return fmt.Errorf("%s: %w", op, ErrClosed)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET):
		return fmt.Errorf("%s: %w (%w)", op, ErrHangup, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// close ends the session the way Asterisk expects: half-close so it sees the
// end of the script (it answers HANGUP and closes), read on (HANGUP notices
// included) for up to linger until it has, then close: finding nothing
// unread, the close ends with FIN, not RST. With linger 0 the connection is
// closed at once.
func (s *Session) close(linger time.Duration) {
	s.closeOnce.Do(func() {
		s.rmu.Lock()
		s.closed = true
		r := s.reader
		s.rmu.Unlock()
		if r != nil {
			r.close(s, linger)
			return
		}
		if cw, ok := s.conn.(interface{ CloseWrite() error }); ok && linger > 0 {
			_ = cw.CloseWrite()
			if s.takeTurn() {
				s.drain(time.Now().Add(linger))
				s.giveTurn()
			}
		}
		_ = s.conn.Close()
		s.markHungup()
	})
}

func containsLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' || s[i] == '\r' {
			return true
		}
	}
	return false
}
