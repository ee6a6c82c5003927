package agi

import (
	"context"
	"fmt"

	"github.com/sentralbord/sentralbord/routing"
)

// Device states of an agent's lamp, Custom:sb-<agent id>. Asterisk accepts
// any word in SET VARIABLE DEVICE_STATE(…) but keeps only the ones it knows,
// so these must stay Asterisk's own names.
const (
	LampFree        = "NOT_INUSE"   // logged in and available: green / off
	LampOnCall      = "INUSE"       // talking (queue or direct call): red
	LampBusy        = "BUSY"        // busy, away, lunch, dnd, meeting: red
	LampUnavailable = "UNAVAILABLE" // logged out
)

// LampDevice is the custom device an agent's lamp follows; the dialplan's
// hints name it: exten => sb-<id>,hint,Custom:sb-<id>.
func LampDevice(agent routing.AgentID) string { return "Custom:sb-" + string(agent) }

// Lamp is the device state that shows st: a call outranks the status, so a
// colleague sees "on the phone" before "available".
func Lamp(st routing.AgentState) string {
	switch {
	case !st.LoggedIn:
		return LampUnavailable
	case st.OnCall != "" || st.DirectCall:
		return LampOnCall
	case st.Status == routing.StatusAvailable || st.Status == "":
		return LampFree
	}
	return LampBusy
}

// setLamp writes one agent's lamp.
func setLamp(ctx context.Context, s *Session, agent routing.AgentID, st routing.AgentState) error {
	return s.Set(ctx, "DEVICE_STATE("+LampDevice(agent)+")", Lamp(st))
}

// lamp reads the agent's state after a change and writes its lamp. A store
// that does not answer leaves the lamp as it was: the change itself is done.
func (f *Features) lamp(ctx context.Context, s *Session, agent routing.AgentID) error {
	c, cancel := context.WithTimeout(ctx, f.timeout())
	states, err := f.Presence.States(c, []routing.AgentID{agent})
	cancel()
	if err != nil {
		s.Log().Warn("lamp not updated", "err", err)
		return nil
	}
	return setLamp(ctx, s, agent, states[agent])
}

// refreshAll writes every agent's lamp: the blf request, which the dialplan
// runs now and then so that changes made elsewhere (CLI, ESL, calendar,
// calls) reach the lamps too.
func (f *Features) refreshAll(ctx context.Context, s *Session, rt *Routes) error {
	agents := f.Agents.Agents()
	ids := make([]routing.AgentID, len(agents))
	for i, a := range agents {
		ids[i] = a.ID
	}
	c, cancel := context.WithTimeout(ctx, f.timeout())
	states, err := f.Presence.States(c, ids)
	cancel()
	if err != nil {
		s.Log().Error("lamps not refreshed", "err", err)
		return rt.result(ctx, s, routing.ResultError, featureReason(err))
	}
	for _, id := range ids {
		if err := setLamp(ctx, s, id, states[id]); err != nil {
			return fmt.Errorf("blf: %w", err)
		}
	}
	return rt.result(ctx, s, routing.ResultOK, "")
}
