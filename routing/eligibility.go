package routing

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Candidate is one member of a loop with the reason they cannot take a call
// now ("" when they can).
type Candidate struct {
	Agent  Agent
	State  AgentState
	Reason string
}

// Eligible reports why an agent in state st cannot take a queue call at now,
// judging only what the Store holds; "" means eligible. It mirrors the checks
// of the Store's claim and is what the CLI shows.
func Eligible(st AgentState, now time.Time) string {
	switch {
	case !st.LoggedIn:
		r := "logged out"
		if st.LogoutReason != "" {
			r += " (" + string(st.LogoutReason)
			if !st.LogoutUntil.IsZero() {
				r += " until " + st.LogoutUntil.Format("2006-01-02")
			}
			r += ")"
		}
		return r
	case st.OnCall != "":
		return "on call"
	case st.Claimed(now):
		return "ringing for call " + string(st.ClaimedBy)
	case st.Status != StatusAvailable:
		return "status " + string(st.Status)
	case now.Before(st.WrapUntil):
		return "wrap-up until " + st.WrapUntil.Format("15:04:05")
	}
	return ""
}

func reasonCalendar(b Busy) string {
	r := "busy in calendar"
	if !b.Until.IsZero() {
		r += " until " + b.Until.Format("15:04")
	}
	if b.What != "" {
		r += " (" + b.What + ")"
	}
	return r
}

// Explain returns every member of loop with their state and reason, eligible
// agents first in the order they would be picked (longest idle first).
func (s *Service) Explain(ctx context.Context, loopID LoopID) ([]Candidate, error) {
	loop, ok := s.Roster.Loop(loopID)
	if !ok {
		return nil, fmt.Errorf("explain: %w %q", ErrUnknownLoop, loopID)
	}
	return s.Candidates(ctx, loop.Members)
}

// Candidates returns the given agents with their state and reason, eligible
// first, longest idle first.
func (s *Service) Candidates(ctx context.Context, ids []AgentID) ([]Candidate, error) {
	states, err := s.Store.States(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("agent states: %w", err)
	}
	now := s.Now()
	out := make([]Candidate, 0, len(ids))
	for _, id := range ids {
		a, _ := s.Roster.Agent(id)
		st := states[id]
		reason := Eligible(st, now)
		if reason == "" {
			reason = s.hookReason(ctx, id)
		}
		out = append(out, Candidate{Agent: a, State: st, Reason: reason})
	}
	sort.SliceStable(out, func(i, j int) bool {
		ei, ej := out[i].Reason == "", out[j].Reason == ""
		if ei != ej {
			return ei
		}
		if ei {
			return out[i].State.IdleSince.Before(out[j].State.IdleSince)
		}
		return false
	})
	return out, nil
}
