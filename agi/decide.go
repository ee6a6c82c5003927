package agi

import (
	"context"
	"errors"

	"github.com/sentralbord/sentralbord/internal/budget"
	"github.com/sentralbord/sentralbord/routing"
)

// pendingDecision is a Router decision under way and what waits for it.
type pendingDecision struct {
	w *decisionWait
	p *budget.Pending[*routing.Decision]
}

// startDecision asks the Router for rc's request under the budget, without
// waiting.
func (rt *Routes) startDecision(ctx context.Context, s *Session, rc *routeCall) *pendingDecision {
	w := newDecisionWait(s)
	return &pendingDecision{w: w, p: budget.Start(ctx, rt.budget(), w, s.Log(),
		func(c context.Context) (*routing.Decision, error) { return rt.ask(c, &rc.req) })}
}

// abandon gives up a started decision (none: nothing to do) and, once it
// has ended, releases the call: it may have claimed an agent or joined the
// line.
func (rt *Routes) abandon(ctx context.Context, s *Session, call routing.CallID, pd *pendingDecision, why string) {
	if pd == nil {
		return
	}
	late := pd.p.Abandon()
	log := s.Log()
	go func() {
		<-late
		rt.release(ctx, log, call, why)
	}()
}

// decide waits for the Router's decision (started by startDecision, or now
// when pd is nil) and, when the call joins the line, holds the caller until
// the wait ends. A hangup comes back as ErrHangup, after the call has been
// released.
func (rt *Routes) decide(ctx context.Context, s *Session, rc *routeCall, pd *pendingDecision) error {
	if pd == nil {
		pd = rt.startDecision(ctx, s, rc)
	}
	got, derr, late := pd.p.Wait(pd.w, ErrHangup)
	if got != nil {
		rc.dec = *got
	} else {
		rc.dec = routing.Decision{}
	}
	if late != nil {
		rt.releaseLate(ctx, s, rc.req.Call, late)
	}
	if errors.Is(derr, ErrHangup) {
		// The call may have joined the line before the hangup was seen.
		rt.release(ctx, s.Log(), rc.req.Call, "caller hung up during the decision")
		return derr
	}
	if derr == nil && rc.dec.Result == routing.ResultWait {
		rc.v.waited = true
		derr = rt.wait(ctx, s, rc)
		if rc.dec.Loop.ID != "" {
			rc.v.loop = string(rc.dec.Loop.ID) // an overflow may have moved the call
		}
	}
	return derr
}

// ask is the Router's decision, on the heap: it comes back to decide from
// another goroutine.
func (rt *Routes) ask(ctx context.Context, req *routing.RouteRequest) (*routing.Decision, error) {
	if ri, ok := rt.Router.(RouterInto); ok {
		d := new(routing.Decision)
		return d, ri.RouteInto(ctx, req, d)
	}
	return rt.askByValue(ctx, req)
}

// askByValue is ask through Route. It is not inlined, so ask's frame does
// not hold Route's results.
//
//go:noinline
func (rt *Routes) askByValue(ctx context.Context, req *routing.RouteRequest) (*routing.Decision, error) {
	d, err := rt.Router.Route(ctx, *req)
	return &d, err
}
