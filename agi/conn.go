package agi

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"time"
)

// serveConn runs one connection from slot to close. Nothing that happens in
// it (a panic included) reaches the accept loop.
func (s *Server) serveConn(ctx context.Context, conn net.Conn, accepted time.Time) {
	defer s.wg.Done()
	defer s.inFlight.Add(-1)
	log := s.Log.With("remote", conn.RemoteAddr().String())
	slot := s.acquire(ctx)
	if slot {
		defer func() { <-s.sem }()
	}
	if !s.track(conn) {
		_ = conn.Close()
		return
	}
	defer s.untrack(conn)
	// Beyond MaxConns only the requests that free agents are served: a
	// hangup shed under load would leave an agent on a call that ended.
	s.session(ctx, conn, log, func(env Env) bool {
		now := time.Now()
		backlog := s.shed.observe(now, now.Sub(accepted))
		switch {
		case s.isUnlimited(env.Request):
			return true
		case backlog:
			s.shed.refuse(now, env.Request)
			return false
		case slot:
			return true
		}
		log.Warn("too many agi sessions; request refused", "max_conns", s.MaxConns, "request", env.Request)
		return false
	})
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

// session reads the environment, runs the handler and closes the connection.
func (s *Server) session(ctx context.Context, conn net.Conn, log *slog.Logger, admit func(Env) bool) {
	var sess *Session
	defer func() {
		if sess != nil {
			log = sess.Log()
		}
		if r := recover(); r != nil {
			log.Error("panic in agi session; connection closed", "panic", r, "stack", string(debug.Stack()))
		}
		linger := s.CloseLinger
		if ctx.Err() != nil {
			linger = 0
		}
		if sess != nil {
			sess.close(linger)
		} else {
			_ = conn.Close()
		}
	}()
	// Asterisk's environment block is under 2 KiB and its replies are
	// short; readLine joins longer lines. A thousand sessions in flight
	// keep 2 MB of buffers rather than the default 4 MB.
	br := bufio.NewReaderSize(conn, 2<<10)
	env, err := s.readEnv(ctx, conn, br)
	if err != nil {
		s.logEnvError(log, err)
		return
	}
	if !admit(env) {
		return
	}
	log = log.With(callAttrs(env)...)
	sess = newSession(conn, br, env, log, s.CommandTimeout)
	start := time.Now()
	log.Debug("agi session started")
	err = s.Handler.ServeAGI(ctx, sess)
	log = sess.Log()
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

// readEnv reads the environment under EnvTimeout; Close interrupts it.
func (s *Server) readEnv(ctx context.Context, conn net.Conn, br *bufio.Reader) (Env, error) {
	_ = conn.SetReadDeadline(time.Now().Add(s.EnvTimeout))
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = conn.SetReadDeadline(time.Unix(1, 0))
	})
	env, err := readEnv(br)
	if !stop() {
		<-fired
	}
	_ = conn.SetReadDeadline(time.Time{})
	return env, err
}

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

// callAttrs are the log attributes of a call. Numbers are masked: logs must
// not hold callers' phone numbers.
func callAttrs(env Env) []any {
	attrs := []any{
		"uniqueid", env.UniqueID,
		"channel", maskChannel(env.Channel),
		"request", env.Request,
	}
	if env.CallerID != "" {
		attrs = append(attrs, "caller", MaskNumber(env.CallerID))
	}
	return attrs
}
