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
	case st.DirectCall:
		return "on a direct call"
	case st.Unreachable:
		return "phone unreachable"
	case st.Claimed(now):
		return "ringing for call " + string(st.ClaimedBy)
	case st.Status != StatusAvailable && st.StatusReason != "":
		return "status " + string(st.Status) + " (" + st.StatusReason + ")"
	case st.Status != StatusAvailable:
		return "status " + string(st.Status)
	case now.Before(st.WrapUntil):
		return "wrap-up until " + st.WrapUntil.Format("15:04:05")
	}
	return ""
}

// reasonCalendar reads "in meeting until 12:00", or with the date when the
// entry ends on another day (an all-day event ends at the next midnight).
func reasonCalendar(b Busy, now time.Time) string {
	r := "in meeting"
	switch u := b.Until; {
	case u.IsZero():
	case sameDay(u, now):
		r += " until " + u.Format("15:04")
	case u.Hour() == 0 && u.Minute() == 0:
		r += " until end of " + u.Add(-time.Minute).Format("2006-01-02")
	default:
		r += " until " + u.Format("2006-01-02 15:04")
	}
	if b.What != "" {
		r += " (" + b.What + ")"
	}
	return r
}

func sameDay(a, b time.Time) bool {
	b = b.In(a.Location())
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// Explain returns every member of loop with their state and reason, eligible
// agents first in the order they would be picked (longest idle first).
func (s *Service) Explain(ctx context.Context, loopID LoopID) ([]Candidate, error) {
	loop, ok := s.Roster.Loop(loopID)
	if !ok {
		return nil, fmt.Errorf("explain: %w %q", ErrUnknownLoop, loopID)
	}
	out, err := s.Describe(ctx, loop.Members)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		ei, ej := out[i].Reason == "", out[j].Reason == ""
		if ei != ej {
			return ei
		}
		if !ei {
			return false
		}
		// Same order as the store's index: idle time, then id.
		ti, tj := out[i].State.IdleSince.UnixMilli(), out[j].State.IdleSince.UnixMilli()
		return ti < tj || ti == tj && out[i].Agent.ID < out[j].Agent.ID
	})
	return out, nil
}

// Describe returns the given agents, in the given order, with their state and
// the reason each cannot take a queue call now.
func (s *Service) Describe(ctx context.Context, ids []AgentID) ([]Candidate, error) {
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
	return out, nil
}
