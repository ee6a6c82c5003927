package agi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// serveConn runs one connection from slot to close. Nothing that happens in
// it (a panic included) reaches the accept loop. It is the bottom of the
// session's goroutine and the handler runs right above it: the goroutine
// waits for Asterisk with a 4 KiB stack, so this frame holds little and one
// deferred call (finish) does all the cleaning up.
func (s *Server) serveConn(ctx context.Context, conn net.Conn, accepted time.Time) {
	c := &connState{conn: conn, slot: s.acquire(ctx)}
	defer s.finish(ctx, c)
	if c.tracked = s.track(conn); !c.tracked {
		return
	}
	if c.sess = s.open(ctx, conn, admission{accepted: accepted, slot: c.slot}); c.sess == nil {
		return
	}
	c.start = time.Now()
	c.err = s.Handler.ServeAGI(ctx, c.sess)
	c.served = true
}

// connState is what finish cleans up after a connection.
type connState struct {
	conn    net.Conn
	sess    *Session // nil until the environment is read and admitted
	slot    bool     // holds a session slot
	tracked bool     // registered for Close
	served  bool     // the handler returned
	start   time.Time
	err     error // the handler's
}

// finish ends a connection: it logs a panic or how the handler ended,
// closes the connection and gives back the slot.
func (s *Server) finish(ctx context.Context, c *connState) {
	if r := recover(); r != nil {
		log := s.connLog(c.conn)
		if c.sess != nil {
			log = c.sess.Log()
		}
		log.Error("panic in agi session; connection closed", "panic", r, "stack", string(debug.Stack()))
	} else if c.served {
		logDone(c.sess.Log(), c.start, c.err)
	}
	linger := s.CloseLinger
	if ctx.Err() != nil {
		linger = 0
	}
	if c.sess != nil {
		c.sess.close(linger)
	} else {
		_ = c.conn.Close()
	}
	if c.tracked {
		s.untrack(c.conn)
	}
	if c.slot {
		<-s.sem
	}
	s.inFlight.Add(-1)
	s.wg.Done()
}

// admission is what admit knows of a connection besides its request.
type admission struct {
	accepted time.Time // when the connection was accepted
	slot     bool      // it has a session slot
}

// admit reports whether env's request is served. Beyond MaxConns only the
// requests that free agents are: a hangup shed under load would leave an
// agent on a call that ended.
func (s *Server) admit(conn net.Conn, env *Env, a admission) bool {
	now := time.Now()
	backlog := s.shed.observe(now, now.Sub(a.accepted))
	switch {
	case s.isUnlimited(env.Request):
		return true
	case backlog:
		s.shed.refuse(now, env.Request)
		return false
	case a.slot:
		return true
	}
	s.connLog(conn).Warn("too many agi sessions; request refused", "max_conns", s.MaxConns, "request", env.Request)
	return false
}

func (s *Server) isUnlimited(request string) bool {
	for _, r := range s.Unlimited {
		if r == request {
			return true
		}
	}
	return false
}

// acquire takes a session slot, waiting at most OverloadWait.
func (s *Server) acquire(ctx context.Context) bool {
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(s.OverloadWait)
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// track registers conn for Close; false when Close has already run.
func (s *Server) track(conn net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.hard:
		return false
	default:
	}
	s.conns[conn] = struct{}{}
	return true
}

func (s *Server) untrack(conn net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, conn)
}

// logDone logs how a session's handler ended.
func logDone(log *slog.Logger, start time.Time, err error) {
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case err == nil:
		log.Debug("agi session done", "took", took)
	case errors.Is(err, ErrHangup):
		log.Info("agi session ended by hangup", "took", took, "err", err)
	default:
		log.Warn("agi session failed", "took", took, "err", err)
	}
}

// open reads the environment and starts the session; nil when the
// environment is unusable or the request is not admitted. The handler runs
// below the caller's frame, not this one's.
func (s *Server) open(ctx context.Context, conn net.Conn, a admission) *Session {
	sess := new(Session)
	br, err := s.readEnv(ctx, conn, &sess.env)
	if err != nil {
		s.logEnvError(s.connLog(conn), err)
		return nil
	}
	if !s.admit(conn, &sess.env, a) {
		return nil
	}
	sess.init(conn, br, s.sessionLog(conn, &sess.env), s.CommandTimeout)
	sess.base = ctx
	sess.Log().Debug("agi session started")
	return sess
}

// readEnv reads the environment under EnvTimeout; Close interrupts it. It
// returns the reader the session goes on with, which holds any bytes that
// arrived behind the environment.
func (s *Server) readEnv(ctx context.Context, conn net.Conn, env *Env) (*bufio.Reader, error) {
	_ = conn.SetReadDeadline(time.Now().Add(s.EnvTimeout))
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = conn.SetReadDeadline(time.Unix(1, 0))
	})
	br := envReaders.Get().(*bufio.Reader)
	br.Reset(conn)
	err := scanEnv(br, env)
	if !stop() {
		<-fired
	}
	_ = conn.SetReadDeadline(time.Time{})
	if err == nil && br.Buffered() > 0 {
		return br, nil // rare: keep the bytes, and the buffer with them
	}
	br.Reset(nil)
	envReaders.Put(br)
	if err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(conn, replyBufSize), nil
}

// Asterisk's environment block is about 600 bytes plus its arguments; it is
// read through a pooled buffer, held while the block's second segment is
// awaited. Replies are short, and a session keeps its reader while it lasts,
// so that one is smaller still. readLine joins longer lines.
const (
	envBufSize   = 1 << 10
	replyBufSize = 256
)

var envReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, envBufSize) }}

func (s *Server) logEnvError(log *slog.Logger, err error) {
	switch {
	case errors.Is(err, errNoEnv):
		log.Info("connection closed before the agi environment")
	case errors.Is(err, os.ErrDeadlineExceeded):
		log.Warn("no agi environment in time; connection closed", "timeout", s.EnvTimeout)
	case errors.Is(err, ErrBadEnv), errors.Is(err, ErrProtocol):
		log.Warn("malformed agi environment; connection closed", "err", err)
	default:
		log.Warn("reading agi environment failed; connection closed", "err", err)
	}
}
