package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.Line = (*Line)(nil)

// Line is the waiting line's live side on one instance: it receives the
// wake-ups the scripts publish when an agent may have become free, wakes the
// first few local callers of each loop named (only they can win an agent),
// and renews the leases of all local waiting callers in one round trip a
// second, so a caller whose session died leaves the line by itself.
type Line struct {
	s   *Store
	log *slog.Logger
	// WakeFirst is how many of a loop's local callers, oldest first, a
	// wake-up reaches: as many as the claim script looks past (callers who
	// already rang the freed agent do not hold it up).
	WakeFirst int

	mu    sync.Mutex
	loops map[routing.LoopID][]*waiting // ordered by arrival
}

type waiting struct {
	l       *Line
	call    routing.CallID
	loop    routing.LoopID
	arrival time.Time
	wake    chan struct{}
}

// NewLine returns a Line for s; Run must be running for wake-ups.
func NewLine(s *Store, log *slog.Logger) *Line {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Line{s: s, log: log, WakeFirst: 8, loops: make(map[routing.LoopID][]*waiting)}
}

// Join implements routing.Line.
func (l *Line) Join(call routing.CallID, loop routing.LoopID, arrival time.Time) routing.Waiting {
	w := &waiting{l: l, call: call, loop: loop, arrival: arrival, wake: make(chan struct{}, 1)}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Same order as the line in Redis: arrival in milliseconds, then call id.
	q := l.loops[loop]
	ms := arrival.UnixMilli()
	i := len(q)
	for i > 0 && (q[i-1].arrival.UnixMilli() > ms || q[i-1].arrival.UnixMilli() == ms && q[i-1].call > call) {
		i--
	}
	q = append(q, nil)
	copy(q[i+1:], q[i:])
	q[i] = w
	l.loops[loop] = q
	return w
}

func (w *waiting) Wake() <-chan struct{} { return w.wake }

func (w *waiting) Stop() {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	q := w.l.loops[w.loop]
	for i, x := range q {
		if x == w {
			w.l.loops[w.loop] = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(w.l.loops[w.loop]) == 0 {
		delete(w.l.loops, w.loop)
	}
}

// Leave implements routing.Line.
func (l *Line) Leave(ctx context.Context, call routing.CallID, loop routing.LoopID, why string, actor routing.Actor) (time.Time, bool, error) {
	ms, err := l.s.run(ctx, leaveScript, actor, string(call), string(loop), why).Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("leave line: %w", err)
	}
	return time.UnixMilli(ms), true, nil
}

// wakeLoops wakes the first local callers of each loop.
func (l *Line) wakeLoops(loops []routing.LoopID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, lp := range loops {
		for i, w := range l.loops[lp] {
			if i == l.WakeFirst {
				break
			}
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Wake publishes a wake-up for loops, for an agent whose wrap-up just ended.
func (l *Line) Wake(ctx context.Context, loops []routing.LoopID) error {
	parts := make([]string, len(loops))
	for i, lp := range loops {
		parts[i] = string(lp)
	}
	return l.s.c.Publish(ctx, l.s.Key("wake"), strings.Join(parts, ",")).Err()
}

// Run receives wake-ups and renews leases until ctx ends. It resubscribes
// after a lost connection; meanwhile the renewal tick also wakes callers.
func (l *Line) Run(ctx context.Context) {
	go l.renewLoop(ctx)
	for ctx.Err() == nil {
		sub := l.s.c.Subscribe(ctx, l.s.Key("wake"))
		stop := context.AfterFunc(ctx, func() { _ = sub.Close() })
		ch := sub.Channel(redis.WithChannelHealthCheckInterval(5 * time.Second))
		for msg := range ch {
			var loops []routing.LoopID
			for _, p := range strings.Split(msg.Payload, ",") {
				loops = append(loops, routing.LoopID(p))
			}
			l.wakeLoops(loops)
		}
		stop()
		_ = sub.Close()
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// renewLoop renews every local caller's lease each second and wakes the
// first of each loop, which covers a wake-up lost with a connection and
// agents whose wrap-up ended.
func (l *Line) renewLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		var members []redis.Z
		var loops []routing.LoopID
		exp := float64(l.s.Now().Add(5 * time.Second).UnixMilli())
		for lp, q := range l.loops {
			loops = append(loops, lp)
			for _, w := range q {
				members = append(members, redis.Z{Score: exp, Member: string(lp) + " " + string(w.call)})
			}
		}
		l.mu.Unlock()
		if len(members) > 0 {
			rctx, cancel := context.WithTimeout(ctx, time.Second)
			err := l.s.c.ZAddXX(rctx, l.s.Key("waitlease"), members...).Err()
			cancel()
			if err != nil && ctx.Err() == nil {
				l.log.Warn("renewing waiting callers' places failed", "callers", len(members), "err", err)
			}
		}
		l.wakeLoops(loops)
	}
}
