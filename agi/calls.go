package agi

import (
	"context"
	"errors"
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

// dialStatuses are the DIALSTATUS values routing knows.
var dialStatuses = []routing.DialStatus{
	routing.DialAnswer, routing.DialBusy, routing.DialNoAnswer,
	routing.DialCancel, routing.DialCongestion, routing.DialChanUnavail,
}

func parseDialStatus(s string) (routing.DialStatus, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, st := range dialStatuses {
		if s == string(st) {
			return st, true
		}
	}
	return "", false
}

// dialResult records how ringing an agent went: dialresult,<agent>,<DIALSTATUS>[,<call>].
//
// Bad input is answered with SB_RESULT=error and a log line. Without a valid
// agent id nothing can be recorded; the hangup request or the claim's expiry
// frees the agent. With a valid agent but a missing or unknown status the
// agent is released as NOANSWER: that never puts anyone on a call, frees the
// agent at once and marks them tried, which is the safe reading of "we do not
// know what happened".
func (rt *Routes) dialResult(ctx context.Context, s *Session) error {
	r, cause := rt.recordDial(ctx, s)
	return rt.result(ctx, s, r, cause)
}

// recordDial records what the request reports and returns the result and
// cause to tell the dialplan.
func (rt *Routes) recordDial(ctx context.Context, s *Session) (routing.Result, string) {
	env := &s.env
	call := routing.CallID(env.UniqueID)
	// From the agent's channel (Dial's U option, the moment they answer) the
	// caller's uniqueid comes as the third argument: the route's call id.
	if c := strings.TrimSpace(env.param("call", 3)); c != "" {
		if !validID(c) {
			s.Log().Warn("dialresult with an invalid call id; nothing recorded", "call", short(c))
			return routing.ResultError, "bad call"
		}
		call = routing.CallID(c)
		s.LogWith("call", c)
	}
	agent := strings.TrimSpace(env.param("agent", 1))
	raw := env.param("status", 2)
	if !validID(agent) {
		s.Log().Warn("dialresult without a valid agent id; nothing recorded", "agent", short(agent))
		return routing.ResultError, "bad agent"
	}
	s.LogWith("agent", agent)
	status, ok := parseDialStatus(raw)
	if !ok {
		s.Log().Warn("dialresult with unknown DIALSTATUS; agent released as NOANSWER", "status", short(raw))
		if err := rt.dial(ctx, s, call, routing.AgentID(agent), routing.DialNoAnswer); err != nil {
			s.Log().Error("releasing agent failed; the claim expires on its own", "err", err)
		}
		return routing.ResultError, "bad status"
	}
	if err := rt.dial(ctx, s, call, routing.AgentID(agent), status); err != nil {
		s.Log().Warn("recording dial result failed", "status", status, "err", err)
		return routing.ResultError, reason(err)
	}
	s.Log().Debug("dial result recorded", "status", status)
	return routing.ResultOK, ""
}

func (rt *Routes) dial(ctx context.Context, s *Session, call routing.CallID, agent routing.AgentID, st routing.DialStatus) error {
	_, err, _ := callWithin(ctx, rt.budget(), nil, s.Log(), func(c context.Context) (struct{}, error) {
		return struct{}{}, rt.Router.DialResult(c, call, agent, st)
	})
	return err
}

// hangup releases whatever the call holds. It runs from the h extension, on
// a dead channel: the release does not depend on the channel, and a refused
// SET afterwards is expected and ignored.
func (rt *Routes) hangup(ctx context.Context, s *Session) error {
	call := routing.CallID(s.env.UniqueID)
	agent, err, _ := callWithin(context.WithoutCancel(ctx), rt.releaseTimeout(), nil, s.Log(),
		func(c context.Context) (routing.AgentID, error) { return rt.Router.Hangup(c, call) })
	res, cause := routing.ResultOK, ""
	switch {
	case err != nil:
		s.Log().Error("releasing call failed; retrying in the background", "err", err)
		go rt.retryRelease(context.WithoutCancel(ctx), s.Log(), call)
		res, cause = routing.ResultError, reason(err)
	case agent != "":
		s.LogWith("agent", agent)
		s.Log().Debug("call released")
	default:
		s.Log().Debug("call ended holding no agent")
	}
	err = rt.result(ctx, s, res, cause)
	if errors.Is(err, ErrDeadChannel) || errors.Is(err, ErrHangup) {
		return nil
	}
	return err
}
