package routing

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Waiter holds callers in line (*Service does when it has a Line).
type Waiter interface {
	Wait(ctx context.Context, req RouteRequest, budget time.Duration, progress Progress) (Decision, error)
}

var _ Waiter = (*Service)(nil)

// WaitAnnounced is the wait both PBX adapters run for a caller that first
// put in line: w.Wait from first's place, ended at once when hungup
// closes, while announce (when the loop announces) tells the caller their
// place every Loop.Announce from its own goroutine, reading it from pos.
// It returns only after the announcer has stopped, so no announcement can
// restart the music once the wait is over.
func WaitAnnounced(ctx context.Context, w Waiter, req RouteRequest, first Decision, budget time.Duration,
	hungup <-chan struct{}, log *slog.Logger, announce func(wctx context.Context, every time.Duration, pos *atomic.Int64)) (Decision, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-hungup:
			cancel()
		case <-wctx.Done():
		}
	}()
	req.Arrival = first.Arrival // the place in line Route gave
	var pos atomic.Int64
	pos.Store(int64(first.Position))
	announced := make(chan struct{})
	if every := first.Loop.Announce; every > 0 && announce != nil {
		go func() {
			defer close(announced)
			announce(wctx, every, &pos)
		}()
	} else {
		close(announced)
	}
	d, err := w.Wait(wctx, req, budget, func(loop LoopID, p int) {
		log.Debug("still waiting", "loop", loop, "position", p)
		pos.Store(int64(p))
	})
	cancel()
	<-announced
	return d, err
}
