package agi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAddr is where Asterisk's dialplan reaches the server by default.
const DefaultAddr = "127.0.0.1:4573"

// Handler serves one FastAGI session. It returns when the session is done;
// the server then closes the connection. A returned error is logged.
type Handler interface {
	ServeAGI(ctx context.Context, s *Session) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, s *Session) error

// ServeAGI calls f.
func (f HandlerFunc) ServeAGI(ctx context.Context, s *Session) error { return f(ctx, s) }

// Server is a FastAGI server. Zero durations and limits take the defaults
// noted on each field. A Server serves one listener once.
//
// Stopping: when Serve's context ends the listener closes (new calls get
// "connection refused", so Asterisk's AGISTATUS is FAILURE at once and the
// dialplan falls back) and sessions in flight may finish, for up to
// DrainTimeout. Close ends them at once, for a second signal.
type Server struct {
	Handler Handler
	Log     *slog.Logger

	// MaxConns bounds concurrent sessions (256). A connection beyond it
	// waits up to OverloadWait (100ms) for a slot, then is closed with a log
	// line: Asterisk sees AGISTATUS=SUCCESS without SB_RESULT and the
	// dialplan takes its static fallback. Connections are never left
	// unaccepted, because Asterisk has no AGI timeout and would hold the
	// caller in silence.
	MaxConns     int
	OverloadWait time.Duration
	// Unlimited are requests served even beyond MaxConns (after the
	// environment is read): those that release agents, so load never
	// leaves one stuck. Routes.Releases lists the switchboard's.
	Unlimited []string
	// ShedWait (0: off) refuses requests outside Unlimited while
	// connections keep waiting longer than it between accept and their
	// environment for ShedInterval (500ms) on end: a backlog that only
	// grows. See shedder.
	ShedWait     time.Duration
	ShedInterval time.Duration

	// EnvTimeout bounds the wait for the environment block (5s): a client
	// that connects and says nothing is closed after it.
	EnvTimeout time.Duration
	// CommandTimeout bounds each command's round trip (5s).
	CommandTimeout time.Duration
	// DrainTimeout bounds the wait for sessions in flight after the
	// context ends (10s).
	DrainTimeout time.Duration
	// CloseLinger bounds the wait for Asterisk to close after this side
	// half-closes at the end of a session (1s).
	CloseLinger time.Duration

	initOnce sync.Once
	ready    chan struct{}
	hard     chan struct{} // closed by Close
	hardOnce sync.Once
	sem      chan struct{}
	shed     *shedder
	wg       sync.WaitGroup
	inFlight atomic.Int64
	serving  atomic.Bool

	mu    sync.Mutex
	addr  net.Addr
	conns map[net.Conn]struct{}
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.ready = make(chan struct{})
		s.hard = make(chan struct{})
		s.conns = make(map[net.Conn]struct{})
	})
}

// Ready is closed once Serve accepts connections.
func (s *Server) Ready() <-chan struct{} {
	s.init()
	return s.ready
}

// Addr is the listener's address once Ready is closed, nil before.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// ListenAndServe listens on addr (DefaultAddr when empty) and serves.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("agi listen: %w", err)
	}
	return s.Serve(ctx, l)
}

// Serve accepts FastAGI connections on l until ctx ends or Close is called,
// then drains as described on Server. It closes l. It returns nil after a
// stop and an error when l fails for another reason.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.init()
	if l == nil {
		return errors.New("agi serve: no listener")
	}
	defer l.Close()
	if s.Handler == nil {
		return errors.New("agi serve: no handler")
	}
	if !s.serving.CompareAndSwap(false, true) {
		return errors.New("agi serve: server already serving")
	}
	s.defaults()
	// Sessions outlive ctx while draining; only Close ends them early.
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	stopCtx, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	go func() {
		select {
		case <-s.hard:
			cancelBase()
			cancelStop()
		case <-base.Done():
		}
	}()
	context.AfterFunc(stopCtx, func() { _ = l.Close() })

	s.mu.Lock()
	s.addr = l.Addr()
	s.mu.Unlock()
	s.Log.Info("agi server listening", "addr", l.Addr().String())
	close(s.ready)

	err := s.accept(stopCtx, base, l)
	_ = l.Close()
	s.drain()
	return err
}

func (s *Server) defaults() {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	setDefault(&s.MaxConns, 256)
	setDefault(&s.OverloadWait, 100*time.Millisecond)
	setDefault(&s.EnvTimeout, 5*time.Second)
	setDefault(&s.CommandTimeout, 5*time.Second)
	setDefault(&s.DrainTimeout, 10*time.Second)
	setDefault(&s.CloseLinger, time.Second)
	s.sem = make(chan struct{}, s.MaxConns)
	setDefault(&s.ShedInterval, 500*time.Millisecond)
	s.shed = &shedder{target: s.ShedWait, interval: s.ShedInterval, log: s.Log}
}

func setDefault[T int | time.Duration](p *T, def T) {
	if *p <= 0 {
		*p = def
	}
}

// accept runs the accept loop. Errors other than the listener closing (too
// many open files, aborted handshakes) are retried with a backoff from 5ms
// to 1s, as net/http does, rather than ending the server.
func (s *Server) accept(stop, base context.Context, l net.Listener) error {
	var delay time.Duration
	for {
		conn, err := l.Accept()
		if err != nil {
			if stop.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("agi accept: %w", err)
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.Log.Warn("agi accept failed; retrying", "err", err, "retry_in", delay)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-stop.Done():
				t.Stop()
				return nil
			}
			continue
		}
		delay = 0
		s.wg.Add(1)
		s.inFlight.Add(1)
		go s.serveConn(base, conn, time.Now())
	}
}

// drain waits for sessions in flight, logging how many remain, until they
// finish, DrainTimeout passes or Close is called.
func (s *Server) drain() {
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	if n := s.inFlight.Load(); n > 0 {
		s.Log.Info("agi server stopped accepting; waiting for calls in flight",
			"sessions", n, "timeout", s.DrainTimeout)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	limit := time.NewTimer(s.DrainTimeout)
	defer limit.Stop()
	for {
		select {
		case <-done:
			s.Log.Info("agi server stopped")
			return
		case <-tick.C:
			s.Log.Info("agi server draining", "sessions", s.inFlight.Load())
		case <-limit.C:
			s.Log.Warn("agi drain timeout; ending calls in flight", "sessions", s.inFlight.Load())
			s.Close()
		case <-s.hard:
			s.Log.Warn("agi server closing; ending calls in flight", "sessions", s.inFlight.Load())
			s.awaitAfterClose(done)
			return
		}
	}
}

// awaitAfterClose gives sessions a moment to notice their closed connection.
// A handler that ignores both its context and its connection is abandoned
// rather than holding shutdown forever.
func (s *Server) awaitAfterClose(done <-chan struct{}) {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-done:
		s.Log.Info("agi server stopped")
	case <-t.C:
		s.Log.Error("agi sessions did not end after close", "sessions", s.inFlight.Load())
	}
}

// InFlight is the number of connections being served.
func (s *Server) InFlight() int64 { return s.inFlight.Load() }

// Close ends every session at once: contexts are cancelled and connections
// closed, without waiting for Asterisk. Serve then returns. Safe to call more
// than once and before Serve.
func (s *Server) Close() {
	s.init()
	s.hardOnce.Do(func() { close(s.hard) })
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Close()
	}
}
