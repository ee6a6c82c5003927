package outbound

import (
	"context"
	"errors"
	"fmt"
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
	d, err := routing.WaitAnnounced(ctx, cl.rt.Router, cl.req, first, cl.rt.budget(), cl.c.Hungup(), log,
		func(wctx context.Context, every time.Duration, pos *atomic.Int64) { cl.announce(ctx, wctx, every, pos) })
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
			return cb.RequestCallbackFrom(c, routing.SourceFreeSWITCH, cl.id, cl.req.Loop, cl.req.CallerNumber, cl.req.CallerName)
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
