package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Handler serves one caller's connection after the connect handshake.
type Handler interface {
	ServeCall(ctx context.Context, c *Conn, log *slog.Logger)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, c *Conn, log *slog.Logger)

// ServeCall calls f.
func (f HandlerFunc) ServeCall(ctx context.Context, c *Conn, log *slog.Logger) { f(ctx, c, log) }

// Server accepts FreeSWITCH's outbound connections. When the Serve context
// ends it stops accepting and lets calls in flight finish for up to
// DrainTimeout; Close ends them at once.
type Server struct {
	Handler Handler
	Log     *slog.Logger
	// MaxCalls bounds concurrent connections (1024); more are refused
	// (refuse.go) and take the dialplan's fallback.
	MaxCalls int
	// ConnectTimeout bounds the connect handshake (5s).
	ConnectTimeout time.Duration
	// DrainTimeout bounds the wait for calls in flight after the context
	// ended (0: wait until they end or Close).
	DrainTimeout time.Duration

	once     sync.Once
	ready    chan struct{}
	hard     chan struct{}
	hardOnce sync.Once
	active   atomic.Int64
	refusing chan struct{}  // refusals in progress (refuse.go)
	refusals sync.WaitGroup // Serve waits for them
}

func (s *Server) init() {
	s.once.Do(func() {
		s.ready = make(chan struct{})
		s.hard = make(chan struct{})
		s.refusing = make(chan struct{}, maxRefusing)
	})
}

// Ready is closed once Serve accepts connections.
func (s *Server) Ready() <-chan struct{} { s.init(); return s.ready }

// Active is the number of calls in flight.
func (s *Server) Active() int { return int(s.active.Load()) }

// Close ends every call in flight.
func (s *Server) Close() { s.init(); s.hardOnce.Do(func() { close(s.hard) }) }

// ListenAndServe listens on addr (TCP) and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("esl outbound listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx ends; it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.init()
	log := s.log()
	max := s.MaxCalls
	if max <= 0 {
		max = 1024
	}
	// Calls get a context of their own: the first stop signal ends
	// accepting only; Close (or the drain timeout) ends the calls.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	go func() {
		select {
		case <-s.hard:
			cancelCalls()
		case <-callCtx.Done():
		}
	}()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	close(s.ready)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max)
	var err error
	for {
		nc, aerr := ln.Accept()
		if aerr != nil {
			if ctx.Err() == nil && !errors.Is(aerr, net.ErrClosed) {
				err = fmt.Errorf("esl outbound accept: %w", aerr)
			}
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			log.Warn("too many calls; connection refused, the dialplan falls back", "max", max)
			s.refuse(nc, log)
			continue
		}
		wg.Add(1)
		s.active.Add(1)
		go func() {
			free := sync.OnceFunc(func() { <-sem })
			defer func() { free(); s.active.Add(-1); wg.Done() }()
			s.serveConn(callCtx, nc, log, free)
		}()
	}
	_ = ln.Close()
	s.drain(&wg, cancelCalls, log)
	s.refusals.Wait() // each ends within refuseTimeout and refuseSettle
	return err
}

func (s *Server) drain(wg *sync.WaitGroup, cancel context.CancelFunc, log *slog.Logger) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if n := s.Active(); n > 0 {
		log.Info("esl outbound: letting calls in flight finish", "calls", n)
	}
	var timeout <-chan time.Time
	if s.DrainTimeout > 0 {
		t := time.NewTimer(s.DrainTimeout)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-done:
		return
	case <-timeout:
		log.Warn("esl outbound: drain timeout; ending calls in flight", "calls", s.Active())
	case <-s.hard:
		log.Warn("esl outbound: ending calls in flight", "calls", s.Active())
	}
	cancel()
	<-done
}

// serveConn relays the connection to eslgo, then runs the handler; a
// panic ends that call only. free gives the call's place back just before
// FreeSWITCH's socket closes, so FreeSWITCH never sees the end of a call
// the server still counts; the rest of the call (eslgo's side) ends within
// libExitTimeout after that, and Serve waits for it.
func (s *Server) serveConn(ctx context.Context, nc net.Conn, log *slog.Logger, free func()) {
	log = log.With("peer", nc.RemoteAddr().String())
	// Deferred first, so it runs last: the call's end runs before it.
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic serving call", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	timeout := s.ConnectTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	c, err := open(nc, timeout, s.log())
	if err != nil {
		log.Warn("esl outbound handshake failed", "err", err)
		return
	}
	c.r.beforeClose = free
	defer c.end()
	// The channel name can hold the caller's number: only the uuid is logged.
	log = log.With("call", c.UUID())
	// FreeSWITCH's socket closes when the call's context ends, so no read
	// or reply wait can outlive it.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	s.Handler.ServeCall(ctx, c, log)
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}
