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

	agilib "github.com/CyCoreSystems/agi"
)

// Session is one FastAGI conversation: the environment Asterisk sent and the
// commands this side sends back, one at a time.
//
// Commands go through the agi library, which writes them and parses the
// replies. The library reads with a fresh bufio.Scanner per command and takes
// the first line it sees as the reply, so it is never given the socket:
// a reader goroutine frames Asterisk's stream (HANGUP notices taken out,
// multi-line 520 blocks joined) and the library is fed exactly one normalised
// reply line per command. The goroutine also keeps reading while the session
// is idle, which is how an unsolicited HANGUP is noticed at once.
type Session struct {
	env     Env
	conn    net.Conn
	log     *slog.Logger
	timeout time.Duration

	lib  *agilib.AGI
	feed *feed
	out  *connWriter

	mu     sync.Mutex // one command at a time
	broken error      // set once the stream can no longer be trusted

	frames     chan Reply
	readErr    error // written before frames is closed
	hungup     chan struct{}
	hupOnce    sync.Once
	closing    chan struct{}
	closeOnce  sync.Once
	readerDone chan struct{}
}

// newSession starts a session on conn whose environment was read from br; br
// keeps any bytes that arrived behind the environment.
func newSession(conn net.Conn, br *bufio.Reader, env Env, log *slog.Logger, timeout time.Duration) *Session {
	s := &Session{
		env: env, conn: conn, log: log, timeout: timeout,
		frames:     make(chan Reply, 8),
		hungup:     make(chan struct{}),
		closing:    make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	s.out = &connWriter{conn: conn}
	// The library reads an environment block first; it gets an empty one.
	s.feed = &feed{s: s, pending: []byte("\n")}
	s.lib = agilib.New(s.feed, s.out)
	go s.read(&framer{r: br})
	return s
}

// Env returns the environment Asterisk sent.
func (s *Session) Env() Env { return s.env }

// Log returns the session's logger, which carries the call's unique id,
// channel and request.
func (s *Session) Log() *slog.Logger { return s.log }

// LogWith adds attributes (the agent, once known) to the session's logger.
func (s *Session) LogWith(args ...any) { s.log = s.log.With(args...) }

// Hungup is closed when Asterisk reports that the channel hung up or ends the
// connection. It fires while the session is idle too.
func (s *Session) Hungup() <-chan struct{} { return s.hungup }

func (s *Session) markHungup() { s.hupOnce.Do(func() { close(s.hungup) }) }

// read frames Asterisk's stream until it ends. After close has begun it keeps
// draining (Asterisk answers a half-close with HANGUP) so the final close
// finds nothing unread and ends with FIN, not RST.
func (s *Session) read(f *framer) {
	defer close(s.readerDone)
	defer s.markHungup()
	defer close(s.frames)
	for {
		fr, err := f.next()
		if err != nil {
			s.readErr = err
			return
		}
		if fr.hangup {
			s.markHungup()
			continue
		}
		select {
		case s.frames <- fr.reply:
		case <-s.closing:
		}
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
	if line == "" || containsLineBreak(line) {
		return Reply{}, fmt.Errorf("%w: command must be one non-empty line", ErrBadArgument)
	}
	if len(line) > MaxCommandBytes {
		return Reply{}, fmt.Errorf("%w: command of %d bytes is longer than Asterisk reads (%d)", ErrBadArgument, len(line), MaxCommandBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken != nil {
		return Reply{}, s.broken
	}
	if err := ctx.Err(); err != nil {
		return Reply{}, err
	}
	deadline, byCtx := time.Now().Add(s.timeout), false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, byCtx = d, true
	}
	s.feed.begin(ctx, deadline)
	s.out.err = nil
	_ = s.conn.SetWriteDeadline(deadline)
	// A cancelled context must also free a write blocked on a full socket.
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = s.conn.SetWriteDeadline(time.Unix(1, 0))
	})
	defer func() {
		if !stop() {
			<-fired
		}
	}()
	resp := s.lib.Command(line)
	if err := s.out.err; err != nil {
		s.broken = classify(ctx, byCtx, "send command", err)
		return Reply{}, s.broken
	}
	if err := s.feed.end(); err != nil {
		s.broken = classify(ctx, byCtx, "read reply", err)
		return Reply{}, s.broken
	}
	return replyOf(resp)
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
	}
	return r, fmt.Errorf("%w: status %d", ErrProtocol, r.Status)
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
// end of the script (it answers HANGUP and closes), wait up to linger for
// that, then close. With linger 0 the connection is closed at once.
func (s *Session) close(linger time.Duration) {
	s.closeOnce.Do(func() {
		close(s.closing)
		if cw, ok := s.conn.(interface{ CloseWrite() error }); ok && linger > 0 {
			_ = cw.CloseWrite()
			t := time.NewTimer(linger)
			select {
			case <-s.readerDone:
			case <-t.C:
			}
			t.Stop()
		}
		_ = s.conn.Close()
		<-s.readerDone
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

// connWriter remembers the first write error of a command: the library wraps
// it with a package that hides the cause from errors.Is.
type connWriter struct {
	conn net.Conn
	err  error
}

func (w *connWriter) Write(p []byte) (int, error) {
	n, err := w.conn.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
