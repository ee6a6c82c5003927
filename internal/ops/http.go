package ops

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one readiness condition; nil means ready.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Server serves /metrics, /healthz, /readyz and the status board.
type Server struct {
	Metrics *Metrics
	Board   *Board
	Ready   []Check
	// BoardUser and BoardPassword, when both set, protect the board with
	// HTTP basic auth (SENTRALBORD_BOARD_USER, SENTRALBORD_BOARD_PASSWORD).
	BoardUser, BoardPassword string
	// Profiling mounts Go's profiler under /debug/pprof/ (heap, CPU,
	// goroutines), for an engineer chasing memory or CPU on a live
	// service. Off by default; the listener is loopback unless configured.
	Profiling bool
	Log       *slog.Logger
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Profiling {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	if s.Board != nil {
		mux.Handle("GET /board", s.auth(http.HandlerFunc(s.Board.page)))
		mux.Handle("GET /board/events", s.auth(http.HandlerFunc(s.Board.events)))
		mux.Handle("GET /board/snapshot", s.auth(http.HandlerFunc(s.Board.snapshot)))
		mux.Handle("GET /{$}", http.RedirectHandler("/board", http.StatusFound))
	}
	return mux
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, body := http.StatusOK, ""
	for _, c := range s.Ready {
		if err := c.Fn(ctx); err != nil {
			status = http.StatusServiceUnavailable
			body += c.Name + ": " + err.Error() + "\n"
		} else {
			body += c.Name + ": ok\n"
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (s *Server) auth(h http.Handler) http.Handler {
	if s.BoardUser == "" || s.BoardPassword == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.BoardUser)) != 1 ||
			subtle.ConstantTimeCompare([]byte(p), []byte(s.BoardPassword)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="sentralbord", charset="UTF-8"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Serve serves on l until ctx ends; open event streams end with it.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-done
	return nil
}
