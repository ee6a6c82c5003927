package esl

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// NodeStatus is the health of one node's link, for logs and `esl status`.
type NodeStatus struct {
	Node          string        `json:"node"`
	Addr          string        `json:"addr"`
	Connected     bool          `json:"connected"`
	ConnectedAt   time.Time     `json:"connected_at,omitzero"`
	LastError     string        `json:"last_error,omitempty"`
	Reconnects    int           `json:"reconnects"`
	ReconnectTook time.Duration `json:"reconnect_took"` // dial + subscribe + resync of the last connection
	LastResync    time.Time     `json:"last_resync,omitzero"`
	ResyncTook    time.Duration `json:"resync_took"`
	LastEvent     time.Time     `json:"last_event,omitzero"`
	Lag           time.Duration `json:"lag"` // read time − Event-Date-Timestamp of the last event (includes clock skew)
	// Every event read is counted once in Received and, once handled, in
	// one of Malformed, Ignored (about no agent), Skipped (a channel or
	// registration event that changes nothing already queued, or older
	// than one that was), Applied (handed to the store, written or not)
	// and Dropped (the connection ended before it could be written; the
	// next resync covers it); Pending are those read and not yet handed.
	Received  uint64 `json:"received"`
	Malformed uint64 `json:"malformed"`
	Ignored   uint64 `json:"ignored"`
	Skipped   uint64 `json:"skipped"`
	Applied   uint64 `json:"applied"`
	Dropped   uint64 `json:"dropped"`
	Pending   int64  `json:"pending"`
	// Of those applied: Superseded by a newer event of the same channel or
	// registration in the same batch, Stale (older than what the store
	// had), Failed (not written; the next resync repairs). Changed counts
	// agents whose state changed, once per batch.
	Superseded uint64    `json:"superseded"`
	Stale      uint64    `json:"stale"`
	Failed     uint64    `json:"failed"`
	Changed    uint64    `json:"changed"`
	At         time.Time `json:"at"` // when this status was taken
	synced     bool
}

// Settled reports whether every event read has been handled.
func (s NodeStatus) Settled() bool {
	return s.Pending == 0 && s.Malformed+s.Ignored+s.Skipped+s.Applied+s.Dropped == s.Received
}

func (f *follower) update(fn func(*NodeStatus)) {
	f.mu.Lock()
	fn(&f.st)
	f.mu.Unlock()
}

func (f *follower) status() NodeStatus {
	f.mu.Lock()
	s := f.st
	f.mu.Unlock()
	// Handled before received: a reader never sees more handled than read.
	s.Malformed, s.Ignored, s.Skipped, s.Applied, s.Dropped = f.malformed.Load(), f.ignored.Load(), f.skipped.Load(), f.applied.Load(), f.dropped.Load()
	s.Superseded, s.Stale, s.Failed, s.Changed = f.superseded.Load(), f.stale.Load(), f.failed.Load(), f.changed.Load()
	s.Pending = f.pending.Load()
	s.Received = f.received.Load()
	if t := f.lastEvent.Load(); t != 0 {
		s.LastEvent, s.Lag = time.Unix(0, t), time.Duration(f.lag.Load())
	}
	s.At = time.Now()
	return s
}

// StatusSink keeps the latest status of each node where `esl status` can
// read it (the presence store, in Redis).
type StatusSink interface {
	PutNodeStatus(ctx context.Context, node string, status []byte, ttl time.Duration) error
}

// Listener follows every configured node with its own connection.
type Listener struct {
	Nodes   []Node
	Options Options
	Events  routing.PhoneEvents
	Roster  *routing.Roster
	Log     *slog.Logger
	// Status, when set, receives every node's status every StatusEvery (2s).
	Status      StatusSink
	StatusEvery time.Duration

	once      sync.Once
	followers []*follower
}

func (l *Listener) init() {
	l.once.Do(func() {
		l.Options.defaults()
		if l.Log == nil {
			l.Log = slog.New(slog.DiscardHandler)
		}
		for _, n := range l.Nodes {
			if n.CallcenterLogout == "" {
				n.CallcenterLogout = routing.ReasonFri
			}
			l.followers = append(l.followers, &follower{
				node: n, opts: l.Options, events: l.Events,
				cls:   &classifier{roster: l.Roster, node: n.Name, callcenter: n.Callcenter, logoutReason: n.CallcenterLogout},
				log:   l.Log.With("node", n.Name, "addr", n.Addr),
				actor: routing.Actor{Source: routing.SourceESL, Name: n.Name},
				st:    NodeStatus{Node: n.Name, Addr: n.Addr},
			})
		}
	})
}

// Run follows the nodes until ctx ends. It never fails: a node that is down,
// silent or refuses the password is retried with backoff and reported in
// its status.
func (l *Listener) Run(ctx context.Context) error {
	l.init()
	if l.Events == nil || l.Roster == nil {
		return fmt.Errorf("esl listener: events and roster are required")
	}
	var wg sync.WaitGroup
	for _, f := range l.followers {
		wg.Add(1)
		go func() { defer wg.Done(); f.run(ctx) }()
	}
	if l.Status != nil {
		wg.Add(1)
		go func() { defer wg.Done(); l.publish(ctx) }()
	}
	wg.Wait()
	return nil
}

// Statuses returns each node's current status.
func (l *Listener) Statuses() []NodeStatus {
	l.init()
	out := make([]NodeStatus, len(l.followers))
	for i, f := range l.followers {
		out[i] = f.status()
	}
	return out
}

func (l *Listener) publish(ctx context.Context) {
	every := l.StatusEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for _, s := range l.Statuses() {
			b, _ := json.Marshal(s)
			if err := l.Status.PutNodeStatus(ctx, s.Node, b, 5*every); err != nil && ctx.Err() == nil {
				l.Log.Debug("esl status not saved", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
