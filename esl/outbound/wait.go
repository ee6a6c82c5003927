package outbound

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// wait holds the caller in line on music on hold until the router claims an
// agent, the wait overflows, or the caller hangs up (which ends the wait at
// once: the hangup event, the disconnect notice or the socket closing).
func (cl *call) wait(ctx context.Context, first routing.Decision) (routing.Decision, error) {
	log := cl.log
	log.Info("caller waits in line", "loop", first.Loop.ID, "position", first.Position)
	if err := cl.music(ctx); err != nil {
		cl.rt.release(ctx, log, cl.id, "could not start music on hold")
		return first, fmt.Errorf("wait: %w", err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-cl.c.Hungup():
			cancel()
		case <-wctx.Done():
		}
	}()
	req := cl.req
	req.Arrival = first.Arrival
	var pos atomic.Int64
	pos.Store(int64(first.Position))
	announced := make(chan struct{})
	if every := first.Loop.Announce; every > 0 {
		go func() {
			defer close(announced)
			cl.announce(ctx, wctx, every, &pos)
		}()
	} else {
		close(announced)
	}
	d, err := cl.rt.Router.Wait(wctx, req, cl.rt.budget(), func(loop routing.LoopID, p int) {
		log.Debug("still waiting", "loop", loop, "position", p)
		pos.Store(int64(p))
	})
	cancel()
	<-announced // no announcement may restart the music after this
	if cl.hungUp() {
		return d, fmt.Errorf("wait: %w", ErrHangup)
	}
	if d.Loop.ID != "" {
		cl.req.Loop = d.Loop.ID // an overflow may have moved the call
	}
	if berr := cl.cmd(ctx, cl.c.Break); berr != nil {
		if d.Result == routing.ResultOK {
			cl.rt.release(ctx, log, cl.id, "could not stop music on hold")
		}
		return d, fmt.Errorf("wait: stop music: %w", berr)
	}
	log.Info("wait in line over", "result", d.Result, "loop", d.Loop.ID)
	return d, err
}

// music answers the channel when the dialplan has not, then plays the
// music until Break.
func (cl *call) music(ctx context.Context) error {
	if cl.c.Data().Get("Answer-State") != "answered" {
		if err := cl.cmd(ctx, func(c context.Context) error { _, err := cl.c.Execute(c, "answer", ""); return err }); err != nil {
			return err
		}
	}
	return cl.cmd(ctx, func(c context.Context) error { _, err := cl.c.Execute(c, "playback", cl.rt.music()); return err })
}

// PromptPlace is the prompt before the number: "Du er nummer …" / "You are
// number …", under the channel's sound_prefix, which the IVR sets per
// language (the Asterisk dialplan plays the same prompt).
const PromptPlace = "sentralbord/plass-i-ko.wav"

// announce tells the waiting caller their place in line every interval:
// the music stops (uuid_break), the prompt and the number play, then the
// music again. The number is said by mod_say_en ("say en number
// pronounced N"), whose digit files come from the channel's sound_prefix
// too. Commands run under the call's context, so that the wait ending
// (wctx) never cuts one off halfway, which would close the socket. A
// failed announcement is logged and the wait goes on.
func (cl *call) announce(ctx, wctx context.Context, every time.Duration, pos *atomic.Int64) {
	t := time.NewTicker(every)
	defer t.Stop()
	exec := func(app, arg string) func(context.Context) error {
		return func(c context.Context) error { _, err := cl.c.Execute(c, app, arg); return err }
	}
	for {
		select {
		case <-wctx.Done():
			return
		case <-t.C:
		}
		n := pos.Load()
		if n <= 0 {
			continue
		}
		for _, f := range []func(context.Context) error{
			cl.c.Break, // the music, and nothing queued behind it
			exec("playback", PromptPlace),
			exec("say", "en number pronounced "+strconv.FormatInt(n, 10)),
			exec("playback", cl.rt.music()),
		} {
			if wctx.Err() != nil {
				return
			}
			if err := cl.cmd(ctx, f); err != nil {
				cl.log.Warn("announcing the place in line failed", "err", err)
				break
			}
		}
		// Nobody waits for these applications' events; a long wait must
		// not fill the queue with them.
		cl.c.drop()
	}
}

// callback records the caller's wish to be called back (sb_request=callback,
// sb_loop=<loop>), then hands the call back with sb_result ok or error.
func (cl *call) callback(ctx context.Context) {
	res, cause := routing.ResultOK, ""
	cb, ok := cl.rt.Router.(Callbacker)
	var err error
	if !ok {
		err = errNoCallbacks
	} else {
		var id string
		id, err, _ = within(ctx, cl.rt.budget(), nil, cl.log, func(c context.Context) (string, error) {
			return cb.RequestCallback(c, cl.id, cl.req.Loop, cl.req.CallerNumber, cl.req.CallerName)
		})
		if err == nil {
			cl.log.Info("callback requested", "callback", id, "loop", cl.req.Loop)
		}
	}
	switch {
	case errors.Is(err, routing.ErrNoNumber):
		res, cause = routing.ResultError, "no number"
	case err != nil:
		cl.log.Error("recording callback request failed", "err", err)
		res, cause = routing.ResultError, reason(err)
	}
	vars := [][2]string{{VarError, cause}, {VarResult, string(res)}}
	if serr := cl.cmd(ctx, func(c context.Context) error { return cl.c.SetVars(c, vars) }); serr != nil {
		cl.log.Warn("setting the callback result failed", "err", serr)
	}
}
