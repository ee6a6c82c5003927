package agi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

// routeVars are the channel variables of one route request.
type routeVars struct {
	result                                 routing.Result
	loop, agent, agentName, dial, timeout  string
	callerNum, callerName, fallback, cause string
	waited                                 bool
}

// pairs lists every variable but VarResult, in the order they are set.
func (v routeVars) pairs() [][2]string {
	return [][2]string{
		{VarLoop, v.loop},
		{VarAgent, v.agent},
		{VarAgentName, v.agentName},
		{VarDial, v.dial},
		{VarTimeout, v.timeout},
		{VarCallerIDNum, v.callerNum},
		{VarCallerIDName, v.callerName},
		{VarFallback, v.fallback},
		{VarError, v.cause},
		{VarWaited, map[bool]string{true: "1"}[v.waited]},
	}
}

// SendableFallback is the fallback the route request sends: f, or "" when
// f is longer than Asterisk reads in one command (the dialplan's own
// SB_FALLBACK_<loop> applies then).
func SendableFallback(f string) string {
	if len(f) > maxFallbackBytes {
		return ""
	}
	return f
}

// maxFallbackBytes leaves room in one command line for SET VARIABLE, the
// name and the quotes around a loop's fallback.
const maxFallbackBytes = MaxCommandBytes - 64

// route claims an agent of the requested loop and tells the dialplan whom to
// ring. A claim made here is released unless SB_RESULT=ok reached Asterisk
// while the channel was up: on a failed SET, a hangup, a timeout or a panic.
func (rt *Routes) route(ctx context.Context, s *Session) error {
	env := s.Env()
	call := routing.CallID(env.UniqueID)
	loop := env.Param("loop", 1)
	// The dialplan runs route again after an unanswered ring; clear the
	// previous run's result first so a failure below cannot leave it "ok".
	if err := s.Set(ctx, VarResult, ""); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	v := routeVars{result: routing.ResultError, loop: loop, callerName: env.CallerIDName}
	if loop == "" {
		s.Log().Warn("route request without a loop")
		v.cause = "missing loop"
		return rt.publish(ctx, s, v)
	}
	if hungUp(s) {
		return fmt.Errorf("route: %w", ErrHangup)
	}
	req := routing.RouteRequest{
		Call: call, Loop: routing.LoopID(loop),
		CallerNumber: env.CallerID, CallerName: env.CallerIDName, Language: env.Language,
		Wait: rt.waiter() != nil,
	}
	dec, derr := rt.decide(ctx, s, req, &v)
	// A phone already in use, ringing or unregistered is never offered a
	// queue call: Asterisk's device state says so before the dialplan dials.
	for tries := 0; derr == nil && dec.Result == routing.ResultOK && !rt.SkipDeviceCheck; tries++ {
		state, busy := rt.deviceBusy(ctx, s, dec.Agent)
		if !busy {
			break
		}
		s.Log().Info("agent's phone cannot take a call; trying the next agent", "agent", dec.Agent.ID, "device_state", state)
		st := routing.DialBusy
		if state == "UNAVAILABLE" || state == "INVALID" {
			st = routing.DialChanUnavail
		}
		if err := rt.dial(ctx, s, call, dec.Agent.ID, st); err != nil {
			dec, derr = routing.Decision{Result: routing.ResultError, Loop: dec.Loop}, err
			break
		}
		if tries == maxDeviceSkips {
			dec, derr = routing.Decision{Result: routing.ResultNone, Loop: dec.Loop}, nil
			break
		}
		dec, derr = rt.decide(ctx, s, req, &v)
	}
	if errors.Is(derr, ErrHangup) {
		return fmt.Errorf("route: %w", derr)
	}
	v.fallback, v.callerNum = dec.Loop.Fallback, dec.CallerIDNumber
	if dec.CallerName != "" {
		v.callerName = dec.CallerName
	}
	if dec.Fallback != "" {
		v.fallback = dec.Fallback
	}
	if f, ok := rt.Router.(Fallbacker); ok && v.fallback == "" {
		// The decision timed out or failed before naming the loop's fallback.
		v.fallback = f.Fallback(routing.LoopID(loop))
	}
	if derr == nil && dec.Result == routing.ResultError {
		derr = dec.Err
		if derr == nil {
			derr = errors.New("router gave result error without a cause")
		}
	}
	switch {
	case derr != nil:
		s.Log().Warn("routing failed; dialplan falls back", "loop", loop, "err", derr)
		if dec.Result == routing.ResultOK { // a claim together with an error: do not keep it
			rt.release(ctx, s.Log(), call, "router claimed and failed")
		}
		v.cause = reason(derr)
		return rt.publish(ctx, s, v)
	case dec.Result == routing.ResultNone, dec.Result == routing.ResultVoicemail, dec.Result == routing.ResultCallback:
		s.Log().Info("no agent for the caller", "loop", loop, "result", dec.Result)
		v.result = dec.Result
		return rt.publish(ctx, s, v)
	case dec.Result != routing.ResultOK:
		s.Log().Error("router gave an unknown result", "loop", loop, "result", short(string(dec.Result)))
		v.cause = "routing failed"
		return rt.publish(ctx, s, v)
	}
	return rt.ring(ctx, s, v, dec)
}

// maxDeviceSkips bounds how many agents one route request passes over
// because their phones are busy.
const maxDeviceSkips = 8

// decide asks the Router under the budget and, when the call joins the
// line, holds the caller until the wait ends. A hangup comes back as
// ErrHangup, after the call has been released.
func (rt *Routes) decide(ctx context.Context, s *Session, req routing.RouteRequest, v *routeVars) (routing.Decision, error) {
	dec, derr, late := callWithin(ctx, rt.budget(), s.Hungup(), s.Log(),
		func(c context.Context) (routing.Decision, error) { return rt.Router.Route(c, req) })
	if late != nil {
		rt.releaseLate(ctx, s, req.Call, late)
	}
	if errors.Is(derr, ErrHangup) {
		// The call may have joined the line before the hangup was seen.
		rt.release(ctx, s.Log(), req.Call, "caller hung up during the decision")
		return dec, derr
	}
	if derr == nil && dec.Result == routing.ResultWait {
		v.waited = true
		dec, derr = rt.wait(ctx, s, req, dec)
		if dec.Loop.ID != "" {
			v.loop = string(dec.Loop.ID) // an overflow may have moved the call
		}
	}
	return dec, derr
}

// deviceBusy reads the agent's device state through Asterisk:
// DEVICE_STATE(<dial string>). States in which the phone cannot take a
// call make it busy; UNKNOWN, NOT_INUSE and a failed read do not (a read
// that fails must not stop calls).
func (rt *Routes) deviceBusy(ctx context.Context, s *Session, a routing.Agent) (string, bool) {
	if a.AsteriskDial == "" || strings.ContainsAny(a.AsteriskDial, "&,()${}") {
		return "", false
	}
	state, ok, err := s.GetFull(ctx, "${DEVICE_STATE("+a.AsteriskDial+")}")
	if err != nil || !ok {
		return "", false
	}
	switch state = strings.ToUpper(strings.TrimSpace(state)); state {
	case "INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD", "UNAVAILABLE", "INVALID":
		return state, true
	}
	return state, false
}

// ring publishes a claimed agent; the claim is released unless that works.
func (rt *Routes) ring(ctx context.Context, s *Session, v routeVars, dec routing.Decision) error {
	call := routing.CallID(s.Env().UniqueID)
	s.LogWith("agent", dec.Agent.ID)
	committed := false
	defer func() {
		// Runs on a panic below too; the connection goroutine recovers it.
		if !committed {
			rt.release(ctx, s.Log(), call, "route not completed")
		}
	}()
	if dec.Agent.AsteriskDial == "" {
		s.Log().Error("claimed agent has no Asterisk dial string", "loop", v.loop)
		v.cause = "agent not dialable"
		return rt.publish(ctx, s, v)
	}
	v.result = routing.ResultOK
	v.agent, v.agentName, v.dial = string(dec.Agent.ID), dec.Agent.Name, dec.Agent.AsteriskDial
	v.timeout = seconds(dec.Loop.RingTimeout.Seconds())
	if err := rt.publish(ctx, s, v); err != nil {
		return err
	}
	committed = true
	s.Log().Info("agent claimed", "loop", v.loop, "ring_timeout", v.timeout)
	return nil
}

// publish sets the variables, then VarResult. An ok result is not published
// to a channel that hung up meanwhile: Asterisk still accepts SET VARIABLE on
// a dead channel, so only the HANGUP notice tells. Replies are ordered after
// that notice, so once the last SET is answered the check is exact.
func (rt *Routes) publish(ctx context.Context, s *Session, v routeVars) error {
	if f := SendableFallback(v.fallback); f != v.fallback {
		rt.warnLongFallback(s, v.loop, len(v.fallback))
		v.fallback = f
	}
	for _, kv := range v.pairs() {
		// The dialplan clears these before each route request and keeps an
		// earlier SB_FALLBACK, so an empty value need not cross the wire.
		if kv[1] == "" {
			continue
		}
		if err := s.Set(ctx, kv[0], kv[1]); err != nil {
			return fmt.Errorf("route: %w", err)
		}
	}
	if v.result == routing.ResultOK && hungUp(s) {
		return fmt.Errorf("route: %w", ErrHangup)
	}
	if err := s.Set(ctx, VarResult, string(v.result)); err != nil {
		return fmt.Errorf("route: %w", err)
	}
	return nil
}

// warnLongFallback says once per loop that its fallback is not sent.
func (rt *Routes) warnLongFallback(s *Session, loop string, n int) {
	if _, seen := rt.longFallback.LoadOrStore(loop, true); !seen {
		s.Log().Warn("loop's fallback is longer than one AGI command; the dialplan's SB_FALLBACK_<loop> applies",
			"loop", loop, "bytes", n, "max", maxFallbackBytes)
	}
}

// releaseLate waits for a decision that came after the budget or the hangup
// and releases it if it claimed an agent.
func (rt *Routes) releaseLate(ctx context.Context, s *Session, call routing.CallID, late <-chan outcome[routing.Decision]) {
	log := s.Log()
	go func() {
		o := <-late
		if o.Err == nil && o.V.Result == routing.ResultOK {
			rt.release(ctx, log.With("agent", o.V.Agent.ID), call, "decision came too late")
		}
	}()
}

func hungUp(s *Session) bool {
	select {
	case <-s.Hungup():
		return true
	default:
		return false
	}
}

// seconds renders a ring timeout for Dial(), rounded up; "" when unset.
func seconds(sec float64) string {
	if sec <= 0 {
		return ""
	}
	return strconv.Itoa(int(math.Ceil(sec)))
}
