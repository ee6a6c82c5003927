package esl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Node is one FreeSWITCH event socket the listener follows.
type Node struct {
	Name     string // in logs and in the audit stream's actor: "esl:<name>"
	Addr     string // host:port of mod_event_socket
	Password string
	// Registrations: this node decides whether agents' phones are reachable
	// (an agent with no registration here or on another such node is
	// unreachable). Off for nodes whose phones are not the agents' phones.
	Registrations bool
	// Callcenter: mod_callcenter's agent status decides login and status.
	Callcenter bool
	// CallcenterLogout is the reason recorded when mod_callcenter logs an
	// agent out (default fri).
	CallcenterLogout routing.LogoutReason
}

// Options tune the connection life; zero values take the defaults.
type Options struct {
	DialTimeout    time.Duration // connect + authenticate (5s)
	CommandTimeout time.Duration // one api query (5s)
	MinBackoff     time.Duration // first retry (200ms)
	MaxBackoff     time.Duration // retries grow to this (30s)
	AuthBackoff    time.Duration // first retry after a refused password (5s)
	ResyncEvery    time.Duration // periodic resynchronisation (5m)
	Probe          time.Duration // ask the node after this long without a frame (30s)
	Writers        int           // batches written at once, per node (4)
	QueueLimit     int           // changes waiting per writer before reading waits (8192)
	Format         string        // event format asked for: plain (default) or json
}

func (o *Options) defaults() {
	def := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&o.DialTimeout, 5*time.Second)
	def(&o.CommandTimeout, 5*time.Second)
	def(&o.MinBackoff, 200*time.Millisecond)
	def(&o.MaxBackoff, 30*time.Second)
	def(&o.AuthBackoff, 5*time.Second)
	def(&o.ResyncEvery, 5*time.Minute)
	def(&o.Probe, 30*time.Second)
	if o.Format == "" {
		o.Format = "plain"
	}
	if o.Writers <= 0 {
		o.Writers = 4
	}
	if o.QueueLimit <= 0 {
		o.QueueLimit = 8192
	}
}

// follower keeps one node's connection alive and applies its events.
type follower struct {
	node   Node
	opts   Options
	events routing.PhoneEvents
	cls    *classifier
	log    *slog.Logger
	actor  routing.Actor

	mu sync.Mutex
	st NodeStatus // connection life; the counters below are the rest

	received, malformed, ignored, skipped, applied atomic.Uint64
	superseded, stale, failed, changed, dropped    atomic.Uint64
	pending, lastEvent, lag                        atomic.Int64
}

// run connects, and reconnects with backoff, until ctx ends.
func (f *follower) run(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		start := time.Now()
		err := f.session(ctx)
		if ctx.Err() != nil {
			return
		}
		f.update(func(s *NodeStatus) {
			s.Connected, s.LastError, s.Reconnects = false, err.Error(), s.Reconnects+1
		})
		if time.Since(start) > time.Minute || f.synced() {
			attempt = 0
		}
		wait := backoff(f.opts.MinBackoff, f.opts.MaxBackoff, attempt)
		if errors.Is(err, ErrAuth) {
			wait = backoff(f.opts.AuthBackoff, f.opts.MaxBackoff, attempt)
			f.log.Error("event socket refused the password; check the node's password file", "err", err, "retry_in", wait)
		} else {
			f.log.Warn("event socket down", "err", err, "retry_in", wait)
		}
		attempt++
		f.update(func(s *NodeStatus) { s.synced = false })
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (f *follower) synced() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.synced
}

// backoff doubles from min to max, with up to 20% jitter so several nodes
// or processes do not retry in step.
func backoff(min, max time.Duration, attempt int) time.Duration {
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	d = minDur(d, max)
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}

func minDur(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

// session is one connection: dial, subscribe, resynchronise, then apply
// events until the link is lost or ctx ends.
func (f *follower) session(ctx context.Context) error {
	t0 := time.Now()
	up, err := dialNode(ctx, f.node.Addr, f.node.Password, f.opts.DialTimeout)
	if err != nil {
		return err
	}
	q := newQueue(f.opts.Writers, f.opts.QueueLimit, &f.pending, &f.dropped)
	fc := &facts{}
	b, err := openBridge(ctx, up, f.log, f.opts.DialTimeout, f.receive(q, fc))
	if err != nil {
		up.close()
		return err
	}
	defer func() {
		// Events read before the link ended are still written, in order,
		// after the last of them has been handed over.
		b.close()
		select {
		case <-b.readDone:
		case <-time.After(f.opts.CommandTimeout):
		}
		q.close(ctx, f.opts.CommandTimeout)
	}()
	// Events are subscribed to before the snapshot is taken and held until
	// it is applied: nothing that happens in between is lost.
	if err := f.subscribe(ctx, b); err != nil {
		return err
	}
	if err := f.resync(ctx, b, fc); err != nil {
		return fmt.Errorf("resync: %w", err)
	}
	took := time.Since(t0)
	f.update(func(s *NodeStatus) {
		s.Connected, s.ConnectedAt, s.LastError, s.synced = true, time.Now(), "", true
		s.ReconnectTook = took
	})
	f.log.Info("event socket connected and resynchronised", "took", took.Round(time.Millisecond))
	q.start(ctx, func(ctx context.Context, batch []routing.PhoneEvent) { f.write(ctx, batch, fc) })
	return f.watch(ctx, b, fc)
}

// watch waits for the end of the link, resynchronises periodically and
// probes a node that has gone quiet.
func (f *follower) watch(ctx context.Context, b *bridge, fc *facts) error {
	resync := time.NewTicker(f.opts.ResyncEvery)
	defer resync.Stop()
	probe := time.NewTicker(max(f.opts.Probe/3, 10*time.Millisecond))
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.done:
			return b.err()
		case <-resync.C:
			if err := f.resync(ctx, b, fc); err != nil {
				return fmt.Errorf("periodic resync: %w", err)
			}
		case <-probe.C:
			if time.Since(b.lastFrame()) < f.opts.Probe {
				continue
			}
			if _, err := f.api(ctx, b, "status"); err != nil {
				return fmt.Errorf("node silent for %s and not answering: %w", f.opts.Probe, err)
			}
		}
	}
}
