package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/sentralbord/sentralbord/agi"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/internal/exepages"
	"github.com/sentralbord/sentralbord/internal/ops"
	"github.com/sentralbord/sentralbord/members"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// Options configure Run.
type Options struct {
	Config    *config.Config
	Redis     RedisConfig
	Namespace string
	// AGIListen overrides the configuration's address; "127.0.0.1:0" in tests.
	AGIListen string
	// HTTPListen is where /metrics, /healthz, /readyz and the status board
	// are served ("" = not served; "127.0.0.1:0" in tests).
	HTTPListen string
	// FSListen is the outbound event socket address for FreeSWITCH's
	// socket application ("" = not served; "127.0.0.1:0" in tests).
	FSListen string
	Log      *slog.Logger
	// DrainTimeout bounds how long calls in flight may take after the first
	// stop signal.
	DrainTimeout time.Duration
	// ClaimMargin, when positive, replaces the margin added to a loop's ring
	// timeout to make a claim's lifetime (15s).
	ClaimMargin time.Duration
	// Ready, when set, is called once every server is listening.
	Ready func(Addrs)
}

// Addrs are the addresses the servers bound.
type Addrs struct {
	AGI   net.Addr
	HTTP  net.Addr // nil without Options.HTTPListen
	FS    net.Addr // nil without Options.FSListen
	Redis string
}

// Run serves until ctx ends, then drains calls in flight; hard ending stops
// them at once (a second signal). It returns the first server error.
func Run(ctx, hard context.Context, o Options) error {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := o.Config
	if o.Redis.Embedded {
		m, err := StartEmbedded(o.Redis.Addrs[0])
		if err != nil {
			return err
		}
		defer m.Close()
		log.Warn("no Redis configured: using the embedded in-memory server; state is lost when serve stops", "addr", m.Addr())
	}
	budget := cfg.Server.DecisionBudget
	client := o.Redis.Client(budget)
	defer client.Close()

	ns := o.Namespace
	if ns == "" {
		ns = cfg.Server.Namespace
	}
	store := presence.New(client, ns, cfg.Roster())
	dir := members.NewDirectory(client, ns)
	// Calls in flight send their scripts together: one write, one read and
	// one wake-up on each side for many calls instead of one each
	// (docs/BENCHMARKS.md). A route's caller lookup is no request of its
	// own: the claim's script reads the directory's entry
	// (routing.KeyedDirectory). Supervisor commands and syncs stay on the
	// client.
	ap, err := client.AsyncAutoPipeline()
	if err != nil {
		return fmt.Errorf("redis autopipeline: %w", err)
	}
	store.Scripts = ap
	// While few calls are in flight a script goes straight on the client:
	// at a steady 1,000 calls/s the pipeline's hand-offs cost the route
	// ≈0.5 ms at the median (docs/BENCHMARKS.md).
	store.DirectUpTo = directScripts
	// One synchronous attempt, so a healthy Redis is in line with the
	// configuration before the first call; syncLoop retries otherwise.
	synced := syncOnce(ctx, store, log)
	svc := routing.NewService(cfg.Roster(), store, log)
	svc.Directory = dir
	if o.ClaimMargin > 0 {
		svc.ClaimMargin = o.ClaimMargin
	}
	calStore, calSync := Calendars(ctx, cfg, client, ns, log)
	calStore.Lookups = ap
	if calSync != nil {
		svc.Calendar = calStore
	}
	svc.MaxNoAnswer = cfg.MaxNoAnswer
	line := presence.NewLine(store, log)
	svc.Line = line
	svc.Callbacks = store

	listener, err := ESLListener(cfg, store, log, nil)
	if err != nil {
		return err
	}
	features := &agi.Features{Presence: store, Agents: cfg.Roster()}

	addr := o.AGIListen
	if addr == "" {
		addr = cfg.Server.AGIListen
	}
	ln, err := Listen(ctx, addr)
	if err != nil {
		return fmt.Errorf("agi listen: %w", err)
	}
	var hln net.Listener
	if o.HTTPListen != "" {
		if hln, err = Listen(ctx, o.HTTPListen); err != nil {
			ln.Close()
			return fmt.Errorf("http listen: %w", err)
		}
	}
	metrics := ops.NewMetrics()
	srv := &agi.Server{
		// The decision gets 80% of the budget; the rest is for telling Asterisk.
		Handler: metrics.AGI(&agi.Routes{Router: &ops.Router{Service: svc, M: metrics}, DecisionBudget: budget - budget/5, Features: features}),
		Log:     log, DrainTimeout: o.DrainTimeout,
		// Waiting callers hold their sessions: allow a contact centre's line.
		MaxConns: MaxSessions, Unlimited: agi.Releases,
		// A connection that waits half the budget just to be read belongs
		// to a backlog the decision cannot make up for.
		ShedWait: budget / 2,
	}
	fsSrv, fsLn, err := FSServer(ctx, o.FSListen, svc, budget, o.DrainTimeout, log)
	if err != nil {
		ln.Close()
		if hln != nil {
			hln.Close()
		}
		return err
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	if fsSrv != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- fsSrv.Serve(ctx, fsLn)
		}()
	}
	wg.Add(4)
	go func() {
		defer wg.Done()
		line.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		syncLoop(ctx, store, log, synced)
	}()
	go func() {
		defer wg.Done()
		errs <- srv.Serve(ctx, ln)
	}()
	go func() {
		defer wg.Done()
		reapLoop(ctx, store, log)
	}()
	if calSync != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			calSync.Run(ctx)
		}()
	}
	var httpAddr net.Addr
	if hln != nil {
		httpAddr = hln.Addr()
		hs := opsServer(cfg, metrics, svc, client, store, calStore, log)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := hs.Serve(ctx, hln); err != nil {
				log.Error("http server stopped", "err", err)
			}
		}()
	}
	if listener != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = listener.Run(ctx) // never fails once started; health is in its status
		}()
	}
	go func() {
		<-hard.Done()
		srv.Close()
		if fsSrv != nil {
			fsSrv.Close()
		}
	}()
	go func() {
		select {
		case <-srv.Ready():
			if fsSrv != nil {
				<-fsSrv.Ready()
				log.Info("serving FreeSWITCH calls", "esl_outbound", fsLn.Addr().String())
			}
			log.Info("serving", "agi", ln.Addr().String(), "http", httpAddr, "redis", o.Redis.String(), "config", cfg.File)
			releaseStartupPages(log)
			if o.Ready != nil {
				o.Ready(Addrs{AGI: ln.Addr(), HTTP: httpAddr, FS: addrOf(fsLn), Redis: o.Redis.Addrs[0]})
			}
		case <-ctx.Done():
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return nil
}

// syncLoop aligns Redis with the configuration at start-up, retrying while
// Redis is unreachable (calls meanwhile get "error" and the dialplan's
// fallback), and again every SyncInterval to repair an index lost with a
// Redis that restarted without its data.
func syncLoop(ctx context.Context, store *presence.Store, log *slog.Logger, synced bool) {
	delay := 200 * time.Millisecond
	if synced {
		delay = SyncInterval
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		switch {
		case syncOnce(ctx, store, log):
			synced, delay = true, SyncInterval
		case !synced:
			delay = min(delay*2, 5*time.Second)
		}
	}
}

func syncOnce(ctx context.Context, store *presence.Store, log *slog.Logger) bool {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := store.Sync(sctx); err != nil {
		if ctx.Err() == nil {
			log.Error("cannot synchronise agent state with Redis; calls fall back until it answers", "err", err)
		}
		return false
	}
	log.Debug("agent state synchronised with the configuration")
	return true
}

// releaseStartupPages hands back the executable's pages that start-up
// brought in: about 6 MiB of the peak resident memory at 1,000 sessions
// (docs/BENCHMARKS.md).
func releaseStartupPages(log *slog.Logger) {
	st, err := exepages.Release()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
	case err != nil:
		log.Info("start-up pages of the executable kept", "err", err)
	default:
		log.Info("start-up pages of the executable released", "resident_kib_before", st.Before>>10, "resident_kib_after", st.After>>10)
	}
}

// directScripts is Store.DirectUpTo for serve.
const directScripts = 16

// MaxSessions bounds concurrent FastAGI sessions, waiting callers included.
var MaxSessions = 4096

// SyncInterval is how often the service re-applies the configuration to Redis.
var SyncInterval = 5 * time.Minute

// reapLoop releases claims of vanished calls, calls past the longest call
// and lapsed waiting places, once a second; nothing else reaps.
func reapLoop(ctx context.Context, store *presence.Store, log *slog.Logger) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			n, err := store.Reap(rctx)
			cancel()
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn("reap expired claims", "err", err)
			case n > 0:
				log.Info("released claims of vanished calls", "count", n)
			}
		}
	}
}

// Listen opens a TCP listener; the kernel's backlog (somaxconn) applies.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}
