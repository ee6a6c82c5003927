package routing

import (
	"context"
	"fmt"
	"time"
)

// Progress is told about a waiting call: its place in line, and the loop it
// waits in (which changes on overflow to another loop).
type Progress func(loop LoopID, position int)

// Wait holds a call that Route put in line until an agent is claimed for it
// (ResultOK), the loop's maximum wait passes (overflow: the next loop's
// line, or ResultVoicemail / ResultCallback, or ResultNone without an
// overflow), Redis fails (ResultError), or ctx ends (the caller hung up; the
// adapter's hangup releases the call). Each try runs under budget.
func (s *Service) Wait(ctx context.Context, req RouteRequest, budget time.Duration, progress Progress) (Decision, error) {
	if s.Line == nil {
		return Decision{Result: ResultNone}, nil
	}
	req.Wait = true
	arrival := req.Arrival
	if arrival.IsZero() {
		arrival = s.Now()
	}
	entered := s.Now()
	for {
		loop, ok := s.Roster.Loop(req.Loop)
		if !ok {
			err := fmt.Errorf("wait: %w %q", ErrUnknownLoop, req.Loop)
			return Decision{Result: ResultError, Err: err}, err
		}
		w := s.Line.Join(req.Call, loop.ID, arrival)
		d, err, timedOut := s.waitIn(ctx, req, loop, entered.Add(loop.MaxWait), w, budget, progress)
		w.Stop()
		if !timedOut {
			return d, err
		}
		d, next, err := s.overflow(ctx, req, loop, budget)
		if next == "" {
			return d, err
		}
		req.Loop, req.Arrival, entered = next, arrival, s.Now()
	}
}

// waitIn tries again on every wake-up and at least every Retry, until a
// decision or the deadline.
func (s *Service) waitIn(ctx context.Context, req RouteRequest, loop Loop, deadline time.Time,
	w Waiting, budget time.Duration, progress Progress) (Decision, error, bool) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	tick := time.NewTicker(s.Retry)
	defer tick.Stop()
	// The first try is at once: a wake-up between the Route that put the
	// call in line and Join reached nobody, and the callers behind this one
	// cannot take the agent it announced.
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return Decision{Result: ResultError, Err: ctx.Err()}, ctx.Err(), false
			case <-timer.C:
				return Decision{}, nil, true
			case <-w.Wake():
			case <-tick.C:
			}
		}
		tctx, cancel := context.WithTimeout(ctx, budget)
		d, err := s.Route(tctx, req)
		cancel()
		switch {
		case ctx.Err() != nil:
			return Decision{Result: ResultError, Err: ctx.Err()}, ctx.Err(), false
		case d.Result == ResultWait:
			if progress != nil {
				progress(loop.ID, d.Position)
			}
		case d.Result == ResultNone:
			// The place in line was lost (its lease ran out): take a new one.
			req.Arrival = time.Time{}
		default:
			return d, err, false
		}
	}
}

// overflow moves a call whose wait in loop is over: to the overflow loop
// (returned as next), or to an overflow action.
func (s *Service) overflow(ctx context.Context, req RouteRequest, loop Loop, budget time.Duration) (Decision, LoopID, error) {
	lctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	d := Decision{Loop: loop, Fallback: loop.Fallback, CallerIDNumber: TaggedNumber(req.CallerNumber, loop.Tag)}
	if _, _, err := s.Line.Leave(lctx, req.Call, loop.ID, "max wait", callActor(req.Source, req.Call)); err != nil {
		d.Result, d.Err = ResultError, fmt.Errorf("overflow: %w", err)
		return d, "", d.Err
	}
	switch next := loop.Overflow; {
	case next == OverflowVoicemail:
		d.Result = ResultVoicemail
	case next == OverflowCallback:
		d.Result = ResultCallback
	case next != "":
		s.Log.Info("caller overflows to another loop", "from", loop.ID, "to", next)
		return d, next, nil
	default:
		d.Result = ResultNone
	}
	return d, "", nil
}
