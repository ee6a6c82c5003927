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
	asked                                  string // the loop the request named, not a variable
}

// routeVarFields are the variables other than VarResult, in the order they
// are set; publish skips an empty value.
var routeVarFields = [...]struct {
	name  string
	value func(*routeVars) string
}{
	{VarLoop, func(v *routeVars) string { return v.loop }},
	{VarAgent, func(v *routeVars) string { return v.agent }},
	{VarAgentName, func(v *routeVars) string { return v.agentName }},
	{VarDial, func(v *routeVars) string { return v.dial }},
	{VarTimeout, func(v *routeVars) string { return v.timeout }},
	{VarCallerIDNum, func(v *routeVars) string { return v.callerNum }},
	{VarCallerIDName, func(v *routeVars) string { return v.callerName }},
	{VarFallback, func(v *routeVars) string { return v.fallback }},
	{VarError, func(v *routeVars) string { return v.cause }},
	{VarWaited, func(v *routeVars) string {
		if v.waited {
			return "1"
		}
		return ""
	}},
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

// routeCall is one route request: what it asked, the decision and the
// variables to publish. It lives on the heap, so the frames of route and
// the functions below it stay small: the session's goroutine waits for the
// decision and for Asterisk's replies under them, and its stack is what
// they hold.
type routeCall struct {
	req  routing.RouteRequest
	dec  routing.Decision
	v    routeVars
	ring bool // the decision claimed an agent to ring
}

// keepLoop replaces the decision by one with result r in the same loop. It
// is not inlined, so its temporary stays out of the caller's frame.
//
//go:noinline
func (rc *routeCall) keepLoop(r routing.Result) {
	rc.dec = routing.Decision{Result: r, Loop: rc.dec.Loop}
}

// route claims an agent of the requested loop and tells the dialplan whom to
// ring. A claim made here is released unless SB_RESULT=ok reached Asterisk
// while the channel was up: on a failed SET, a hangup, a timeout or a panic.
//
// The decision and what to publish are worked out below decideRoute; the
// variables are set from here, so the session's goroutine waits for
// Asterisk's replies under as few frames as can be (its stack is 4 KiB).
func (rt *Routes) route(ctx context.Context, s *Session) error {
	rc, err := rt.decideRoute(ctx, s)
	switch {
	case rc == nil:
		return err
	case rc.ring:
		return rt.ring(ctx, s, rc)
	}
	return rt.publish(ctx, s, &rc.v)
}

// decideRoute is route up to what it publishes: rc with the variables, or
// nil and the error when the request ended before.
//
//go:noinline
func (rt *Routes) decideRoute(ctx context.Context, s *Session) (*routeCall, error) {
	loop := s.env.param("loop", 1)
	rc := rt.newRouteCall(s, loop)
	var first *pendingDecision
	if loop != "" {
		// The decision needs nothing from the channel: it runs while the
		// previous result is cleared, not after.
		first = rt.startDecision(ctx, s, rc)
	}
	// The dialplan runs route again after an unanswered ring; clear the
	// previous run's result first so a failure below cannot leave it "ok".
	if err := s.Set(ctx, VarResult, ""); err != nil {
		rt.abandon(ctx, s, rc.req.Call, first, "route request failed before its decision")
		return nil, fmt.Errorf("route: %w", err)
	}
	if loop == "" {
		s.Log().Warn("route request without a loop")
		rc.v.cause = "missing loop"
		return rc, nil
	}
	if hungUp(s) {
		rt.abandon(ctx, s, rc.req.Call, first, "caller hung up during the decision")
		return nil, fmt.Errorf("route: %w", ErrHangup)
	}
	derr := rt.decideDialable(ctx, s, rc, first)
	if errors.Is(derr, ErrHangup) {
		return nil, fmt.Errorf("route: %w", derr)
	}
	rt.conclude(ctx, s, rc, derr)
	return rc, nil
}

// newRouteCall is the route request of s for loop.
func (rt *Routes) newRouteCall(s *Session, loop string) *routeCall {
	return &routeCall{
		req: routing.RouteRequest{
			Call: routing.CallID(s.env.UniqueID), Loop: routing.LoopID(loop),
			CallerNumber: s.env.CallerID, CallerName: s.env.CallerIDName, Language: s.env.Language,
			Wait: rt.waiter() != nil,
		},
		v: routeVars{result: routing.ResultError, loop: loop, asked: loop, callerName: s.env.CallerIDName},
	}
}

// decideDialable decides, passing over agents whose phones cannot take a
// call: a phone already in use, ringing or unregistered is never offered a
// queue call. Asterisk's device state says so before the dialplan dials.
func (rt *Routes) decideDialable(ctx context.Context, s *Session, rc *routeCall, first *pendingDecision) error {
	derr := rt.decide(ctx, s, rc, first)
	for tries := 0; derr == nil && rc.dec.Result == routing.ResultOK && !rt.SkipDeviceCheck; tries++ {
		state, busy := rt.deviceBusy(ctx, s, &rc.dec.Agent)
		if !busy {
			break
		}
		s.Log().Info("agent's phone cannot take a call; trying the next agent", "agent", rc.dec.Agent.ID, "device_state", state)
		st := routing.DialBusy
		if state == "UNAVAILABLE" || state == "INVALID" {
			st = routing.DialChanUnavail
		}
		if err := rt.dial(ctx, s, rc.req.Call, rc.dec.Agent.ID, st); err != nil {
			rc.keepLoop(routing.ResultError)
			return err
		}
		if tries == maxDeviceSkips {
			rc.keepLoop(routing.ResultNone)
			return nil
		}
		derr = rt.decide(ctx, s, rc, nil)
	}
	return derr
}

// conclude works out what to publish: the agent to ring (rc.ring), or the
// result and the fallback. A claim that comes with an error is released.
func (rt *Routes) conclude(ctx context.Context, s *Session, rc *routeCall, derr error) {
	v, dec := &rc.v, &rc.dec
	v.fallback, v.callerNum = dec.Loop.Fallback, dec.CallerIDNumber
	if dec.CallerName != "" {
		v.callerName = dec.CallerName
	}
	if dec.Fallback != "" {
		v.fallback = dec.Fallback
	}
	if f, ok := rt.Router.(Fallbacker); ok && v.fallback == "" {
		// The decision timed out or failed before naming the loop's fallback.
		v.fallback = f.Fallback(routing.LoopID(v.asked))
	}
	if derr == nil && dec.Result == routing.ResultError {
		derr = dec.Err
		if derr == nil {
			derr = errors.New("router gave result error without a cause")
		}
	}
	if derr == nil && dec.Result == routing.ResultOK {
		rc.ring = true
		return
	}
	logConclusion(s, v.asked, dec.Result, derr)
	switch {
	case derr != nil:
		if dec.Result == routing.ResultOK { // a claim together with an error: do not keep it
			rt.release(ctx, s.Log(), rc.req.Call, "router claimed and failed")
		}
		v.cause = reason(derr)
	case dec.Result == routing.ResultNone, dec.Result == routing.ResultVoicemail, dec.Result == routing.ResultCallback:
		v.result = dec.Result
	default:
		v.cause = "routing failed"
	}
}

// logConclusion logs a decision that rings nobody.
func logConclusion(s *Session, loop string, r routing.Result, err error) {
	switch {
	case err != nil:
		s.Log().Warn("routing failed; dialplan falls back", "loop", loop, "err", err)
	case r == routing.ResultNone, r == routing.ResultVoicemail, r == routing.ResultCallback:
		s.Log().Info("no agent for the caller", "loop", loop, "result", r)
	default:
		s.Log().Error("router gave an unknown result", "loop", loop, "result", short(string(r)))
	}
}

// maxDeviceSkips bounds how many agents one route request passes over
// because their phones are busy.
const maxDeviceSkips = 8

// deviceBusy reads the agent's device state through Asterisk:
// DEVICE_STATE(<dial string>). States in which the phone cannot take a
// call make it busy; UNKNOWN, NOT_INUSE and a failed read do not (a read
// that fails must not stop calls).
func (rt *Routes) deviceBusy(ctx context.Context, s *Session, a *routing.Agent) (string, bool) {
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
func (rt *Routes) ring(ctx context.Context, s *Session, rc *routeCall) (err error) {
	committed := false
	defer func() {
		// Runs on a panic below too; the connection goroutine recovers it.
		if !committed {
			rt.release(ctx, s.Log(), rc.req.Call, "route not completed")
		}
	}()
	dialable := rt.ringVars(s, rc)
	if err = rt.publish(ctx, s, &rc.v); err == nil && dialable {
		committed = true
		logRing(s, "agent claimed", &rc.v)
	}
	return err
}

// ringVars sets the variables that ring the claimed agent; false (and the
// error variables) when the agent has no Asterisk dial string.
//
//go:noinline
func (rt *Routes) ringVars(s *Session, rc *routeCall) bool {
	v, dec := &rc.v, &rc.dec
	s.LogWith("agent", dec.Agent.ID)
	if dec.Agent.AsteriskDial == "" {
		logRing(s, "claimed agent has no Asterisk dial string", v)
		v.cause = "agent not dialable"
		return false
	}
	v.result = routing.ResultOK
	v.agent, v.agentName, v.dial = string(dec.Agent.ID), dec.Agent.Name, dec.Agent.AsteriskDial
	v.timeout = seconds(dec.Loop.RingTimeout.Seconds())
	return true
}

// logRing logs how ring went: an error without a dial string, else the
// claim, at debug (the audit stream has every claim).
//
//go:noinline
func logRing(s *Session, msg string, v *routeVars) {
	if v.result != routing.ResultOK {
		s.Log().Error(msg, "loop", v.loop)
		return
	}
	s.Log().Debug(msg, "loop", v.loop, "ring_timeout", v.timeout)
}

// publish sets the variables, then VarResult. An ok result is not published
// to a channel that hung up meanwhile: Asterisk still accepts SET VARIABLE on
// a dead channel, so only the HANGUP notice tells. Replies are ordered after
// that notice, so once the last SET is answered the check is exact. A
// fallback too long to send is cleared in v.
func (rt *Routes) publish(ctx context.Context, s *Session, v *routeVars) error {
	if f := SendableFallback(v.fallback); f != v.fallback {
		rt.warnLongFallback(s, v.loop, len(v.fallback))
		v.fallback = f
	}
	for _, f := range routeVarFields {
		// The dialplan clears these before each route request and keeps an
		// earlier SB_FALLBACK, so an empty value need not cross the wire.
		value := f.value(v)
		if value == "" {
			continue
		}
		if err := s.Set(ctx, f.name, value); err != nil {
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
func (rt *Routes) releaseLate(ctx context.Context, s *Session, call routing.CallID, late <-chan outcome[*routing.Decision]) {
	log := s.Log()
	go func() {
		o := <-late
		if o.Err == nil && o.V != nil && o.V.Result == routing.ResultOK {
			rt.release(ctx, log.With("agent", o.V.Agent.ID), call, "decision came too late")
		}
	}()
}

// hungUp reports a HANGUP (or the end of the stream) that has arrived,
// reading what is there without waiting.
func hungUp(s *Session) bool {
	s.poll()
	return s.hungUpSeen()
}

// seconds renders a ring timeout for Dial(), rounded up; "" when unset.
func seconds(sec float64) string {
	if sec <= 0 {
		return ""
	}
	return strconv.Itoa(int(math.Ceil(sec)))
}
