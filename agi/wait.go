package agi

import (
	"context"
	"fmt"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Waiter is implemented by a Router whose callers can wait in line when
// nobody is free (*routing.Service does when it has a Line).
type Waiter interface {
	Wait(ctx context.Context, req routing.RouteRequest, budget time.Duration, progress routing.Progress) (routing.Decision, error)
}

var _ Waiter = (*routing.Service)(nil)

// DefaultMusicClass is the music-on-hold class waiting callers hear.
const DefaultMusicClass = "default"

func (rt *Routes) waiter() Waiter {
	w, _ := rt.Router.(Waiter)
	return w
}

func (rt *Routes) musicClass() string {
	if rt.MusicClass != "" {
		return rt.MusicClass
	}
	return DefaultMusicClass
}

// wait holds the caller in line inside this AGI session: music on hold
// while the session is idle (Asterisk plays it without our help), until the
// Router claims an agent, the wait overflows, or the caller hangs up. A
// hangup, reported as HANGUP or as the connection closing, takes the call out
// of line at once.
func (rt *Routes) wait(ctx context.Context, s *Session, req routing.RouteRequest, first routing.Decision) (routing.Decision, error) {
	call := req.Call
	log := s.Log()
	log.Info("caller waits in line", "loop", first.Loop.ID, "position", first.Position)
	if _, err := s.Command(ctx, "SET MUSIC ON "+rt.musicClass()); err != nil {
		rt.release(ctx, log, call, "could not start music on hold")
		return first, fmt.Errorf("wait: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.Hungup():
			cancel()
		case <-wctx.Done():
		}
	}()
	req.Arrival = first.Arrival // the place in line the Router gave
	d, err := rt.waiter().Wait(wctx, req, rt.budget(), func(loop routing.LoopID, pos int) {
		log.Debug("still waiting", "loop", loop, "position", pos)
	})
	if hungUp(s) {
		rt.release(ctx, log, call, "caller hung up while waiting")
		return d, fmt.Errorf("wait: %w", ErrHangup)
	}
	if _, merr := s.Command(ctx, "SET MUSIC OFF"); merr != nil {
		if d.Result == routing.ResultOK {
			rt.release(ctx, log, call, "could not stop music on hold")
		}
		return d, fmt.Errorf("wait: %w", merr)
	}
	log.Info("wait in line over", "result", d.Result, "loop", d.Loop.ID)
	return d, err
}
