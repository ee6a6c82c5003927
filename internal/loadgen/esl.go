package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// ESLOptions describe one run of the ESL event generator.
type ESLOptions struct {
	Events   int           // events to send (0: send for Duration)
	Duration time.Duration // with Events 0
	Agents   int
	Mix      ESLMix
	Format   string // plain or json, as the listener subscribes
	Seed     uint64
	// Settle bounds the wait for the final state once every event is sent.
	Settle time.Duration
}

func (o *ESLOptions) defaults() {
	if o.Events <= 0 && o.Duration <= 0 {
		o.Events = 200_000
	}
	if o.Agents <= 0 {
		o.Agents = 1000
	}
	if o.Mix.total() == 0 {
		o.Mix = DefaultESLMix
	}
	if o.Format == "" {
		o.Format = "plain"
	}
	if o.Settle <= 0 {
		o.Settle = 2 * time.Minute
	}
}

// ESLBench runs the real listener in this process against a fake
// FreeSWITCH node and a redis-server it started.
type ESLBench struct {
	Redis *Redis
	// Node starts each run's node (InProcessNode when nil).
	Node ESLNode
	// Around, when set, wraps the sending and settling of each run (a CPU
	// profile, say).
	Around func(run int, fn func())
}

// StartESLBench starts the redis-server the runs share.
func StartESLBench() (*ESLBench, error) {
	rd, err := StartRedis()
	if err != nil {
		return nil, err
	}
	return &ESLBench{Redis: rd}, nil
}

// Stop ends the redis-server.
func (b *ESLBench) Stop() { b.Redis.Stop() }

// RunAll runs o runs times, each on an emptied Redis with a new node and
// listener, printing each run's report to progress.
func (b *ESLBench) RunAll(ctx context.Context, o ESLOptions, runs int, progress io.Writer) (ESLSummary, error) {
	o.defaults()
	var reps []ESLReport
	for run := range max(runs, 1) {
		rep, err := b.Run(ctx, o, run)
		if err != nil {
			return ESLSummary{}, fmt.Errorf("run %d: %w", run+1, err)
		}
		if progress != nil {
			rep.Print(progress, fmt.Sprintf("esl, run %d", run+1))
		}
		reps = append(reps, rep)
	}
	return summariseESL(o, reps), nil
}

// Run is one measurement: an emptied Redis, a fake node, the listener as
// serve builds it, then events as fast as the listener reads them.
func (b *ESLBench) Run(ctx context.Context, o ESLOptions, run int) (ESLReport, error) {
	o.defaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := b.Node
	if start == nil {
		start = InProcessNode
	}
	lines, wait, err := start(ctx, o, run)
	if err != nil {
		return ESLReport{}, err
	}
	defer func() { cancel(); _ = wait() }()
	node := json.NewDecoder(lines)
	var hello eslNodeLine
	if err := node.Decode(&hello); err != nil {
		return ESLReport{}, fmt.Errorf("esl node: %w", err)
	}
	l, store, stop, err := b.listen(ctx, o, hello.Addr)
	if err != nil {
		return ESLReport{}, err
	}
	defer stop()
	debug.FreeOSMemory() // what setting up left behind is not the run's
	resetPeakRSS()
	var rep ESLReport
	cpu0, rcpu0 := ProcessCPU(), b.Redis.CPU()
	measure := func() { rep, err = b.measure(ctx, o, node, l, store) }
	if b.Around != nil {
		b.Around(run, measure)
	} else {
		measure()
	}
	if rep.Events > 0 {
		rep.CPUPerEvent = (ProcessCPU() - cpu0) / time.Duration(rep.Events)
		rep.RedisCPUPerEvent = (b.Redis.CPU() - rcpu0) / time.Duration(rep.Events)
	}
	rep.PeakRSS, rep.NodeApart = PeakRSS(0), b.Node != nil
	return rep, err
}

// listen empties Redis and starts the listener, as serve builds it, on the
// node at addr.
func (b *ESLBench) listen(ctx context.Context, o ESLOptions, addr string) (*esl.Listener, *presence.Store, func(), error) {
	doc := BenchConfig(o.Agents, 1) + fmt.Sprintf("freeswitch:\n  nodes:\n    - {name: fs1, addr: %q, registrations: true, callcenter: true}\n", addr)
	cfg, err := config.Parse("bench-esl.yaml", []byte(doc))
	if err != nil {
		return nil, nil, nil, err
	}
	client := app.RedisConfig{Addrs: []string{b.Redis.Addr}}.Client(cfg.Server.DecisionBudget)
	if err := client.FlushAll(ctx).Err(); err != nil {
		client.Close()
		return nil, nil, nil, fmt.Errorf("empty redis: %w", err)
	}
	store := presence.New(client, cfg.Server.Namespace, cfg.Roster())
	if err := store.Sync(ctx); err != nil {
		client.Close()
		return nil, nil, nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	l, err := app.ESLListener(cfg, store, log, func(string) string { return "ClueCon" })
	if err != nil {
		client.Close()
		return nil, nil, nil, err
	}
	l.Options.Format = o.Format
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(lctx) }()
	end := func() { stop(); <-done; client.Close() }
	if err := waitConnected(ctx, l); err != nil {
		end()
		return nil, nil, nil, err
	}
	return l, store, end, nil
}

func waitConnected(ctx context.Context, l *esl.Listener) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if l.Statuses()[0].Connected {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return fmt.Errorf("listener not connected: %s", l.Statuses()[0].LastError)
}

// resetPeakRSS starts this process's VmHWM again (Linux), so each run
// reports its own peak.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// mismatches returns how the agents' states in Redis differ from want.
func mismatches(ctx context.Context, store *presence.Store, want []ESLExpect) ([]string, error) {
	var out []string
	for start := 0; start < len(want); start += 1000 {
		batch := want[start:min(start+1000, len(want))]
		ids := make([]routing.AgentID, len(batch))
		for i, x := range batch {
			ids[i] = x.Agent
		}
		states, err := store.States(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, x := range batch {
			if d := x.Mismatch(states[x.Agent]); d != "" {
				out = append(out, d)
			}
		}
	}
	return out, nil
}
