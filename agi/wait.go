package agi

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Waiter is implemented by a Router whose callers can wait in line when
// nobody is free (*routing.Service does when it has a Line).
type Waiter = routing.Waiter

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
// of line at once. rc.dec holds the decision that put the caller in line and
// gets the one that ended the wait.
func (rt *Routes) wait(ctx context.Context, s *Session, rc *routeCall) error {
	call := rc.req.Call
	log := s.Log()
	log.Info("caller waits in line", "loop", rc.dec.Loop.ID, "position", rc.dec.Position)
	if _, err := s.Command(ctx, "SET MUSIC ON "+rt.musicClass()); err != nil {
		rt.release(ctx, log, call, "could not start music on hold")
		return fmt.Errorf("wait: %w", err)
	}
	err := rt.waitAnnounced(ctx, s, rc)
	if hungUp(s) {
		rt.release(ctx, log, call, "caller hung up while waiting")
		return fmt.Errorf("wait: %w", ErrHangup)
	}
	if _, merr := s.Command(ctx, "SET MUSIC OFF"); merr != nil {
		if rc.dec.Result == routing.ResultOK {
			rt.release(ctx, log, call, "could not stop music on hold")
		}
		return fmt.Errorf("wait: %w", merr)
	}
	log.Info("wait in line over", "result", rc.dec.Result, "loop", rc.dec.Loop.ID)
	return err
}

// waitAnnounced is routing.WaitAnnounced for rc, announcing the caller's
// place in line.
func (rt *Routes) waitAnnounced(ctx context.Context, s *Session, rc *routeCall) error {
	var err error
	rc.dec, err = routing.WaitAnnounced(ctx, rt.waiter(), rc.req, rc.dec, rt.budget(), s.Hungup(), s.Log(),
		func(wctx context.Context, every time.Duration, pos *atomic.Int64) { rt.announce(wctx, s, every, pos) })
	return err
}

// announce tells the waiting caller their place in line every interval, in
// the channel's language: the prompt, then the number, then the music again.
// A failed announcement is logged and the wait goes on.
func (rt *Routes) announce(ctx context.Context, s *Session, every time.Duration, pos *atomic.Int64) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := pos.Load()
		if n <= 0 {
			continue
		}
		for _, cmd := range []string{
			"SET MUSIC OFF",
			"EXEC Playback " + PromptPlace,
			"EXEC SayNumber " + strconv.FormatInt(n, 10),
			"SET MUSIC ON " + rt.musicClass(),
		} {
			if ctx.Err() != nil {
				return
			}
			if _, err := s.Command(ctx, cmd); err != nil {
				s.Log().Warn("announcing the place in line failed", "err", err)
				break
			}
		}
	}
}

// PromptPlace is the prompt before the number: "Du er nummer …" / "You are number …".
const PromptPlace = "sentralbord/plass-i-ko"
