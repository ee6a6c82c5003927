package agi

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/sentralbord/sentralbord/internal/budget"
	"github.com/sentralbord/sentralbord/routing"
)

// Router is what the switchboard's requests need from routing; a
// *routing.Service satisfies it.
type Router interface {
	Route(ctx context.Context, req routing.RouteRequest) (routing.Decision, error)
	DialResult(ctx context.Context, call routing.CallID, agent routing.AgentID, status routing.DialStatus) error
	Hangup(ctx context.Context, call routing.CallID) (routing.AgentID, error)
}

var _ Router = (*routing.Service)(nil)

// RouterInto is optionally implemented by a Router that decides into a
// Decision it is given. A decision runs in a goroutine of its own, which
// may wait there for a decision slot; without the copies of the Decision
// that Route's results take, that goroutine's stack stays small.
type RouterInto interface {
	RouteInto(ctx context.Context, req *routing.RouteRequest, d *routing.Decision) error
}

// Fallbacker is optionally implemented by a Router that knows a loop's
// static fallback without asking the store, so that SB_FALLBACK is set even
// when the decision timed out.
type Fallbacker interface {
	Fallback(loop routing.LoopID) string
}

var _ Fallbacker = (*routing.Service)(nil)

// Releases are the requests that free agents; a Server should serve them
// even when full (Server.Unlimited).
var Releases = []string{RequestHangup, RequestDialResult}

// Requests: the path of the AGI URL, agi://127.0.0.1:4573/<request>.
const (
	// RequestRoute claims an agent of a loop: /route?loop=<id> or /route,<id>.
	RequestRoute = "route"
	// RequestDialResult reports how ringing the agent went:
	// /dialresult?agent=<id>&status=${DIALSTATUS} or
	// /dialresult,${SB_AGENT},${DIALSTATUS}.
	RequestDialResult = "dialresult"
	// RequestHangup releases whatever the call holds; run it from the h
	// extension: /hangup.
	RequestHangup = "hangup"
	// RequestCallback records that the caller wants to be called back:
	// /callback,<loop>. Sets SB_RESULT ok or error.
	RequestCallback = "callback"
)

// Channel variables. A route request sets all of them on every run, empty
// where they do not apply, and VarResult last: a session that fails half-way
// leaves VarResult empty, which the dialplan must treat like "error" and take
// its static fallback. dialresult and hangup set VarResult (and VarError).
const (
	VarResult       = "SB_RESULT"        // ok | none | error
	VarLoop         = "SB_LOOP"          // the loop asked for
	VarAgent        = "SB_AGENT"         // claimed agent's id: pass it to dialresult
	VarAgentName    = "SB_AGENT_NAME"    // claimed agent's display name
	VarDial         = "SB_DIAL"          // what to Dial(): the agent's Asterisk dial string
	VarTimeout      = "SB_TIMEOUT"       // ring timeout in whole seconds, for Dial()
	VarCallerIDNum  = "SB_CALLERID_NUM"  // caller's number with the loop's tag: "90595313-111"; empty: keep
	VarCallerIDName = "SB_CALLERID_NAME" // name to present to the agent
	VarFallback     = "SB_FALLBACK"      // the loop's static target, for none and error
	VarError        = "SB_ERROR"         // short reason with error: "timeout", "unknown loop" …
	VarWaited       = "SB_WAITED"        // "1" when the caller waited in line inside this request
)

// Routes serves the switchboard's requests with a Router.
type Routes struct {
	Router Router
	// DecisionBudget bounds a routing decision and a dial result (500ms):
	// past it the dialplan gets SB_RESULT=error and its fallback, even when
	// the Router ignores its context.
	DecisionBudget time.Duration
	// ReleaseTimeout bounds releasing a call's claim (2s).
	ReleaseTimeout time.Duration
	// ReleaseRetry is how long a failed release is retried in the
	// background (2m).
	ReleaseRetry time.Duration
	// MusicClass is the music on hold of waiting callers ("default").
	MusicClass string
	// SkipDeviceCheck turns off the DEVICE_STATE check before an agent is
	// offered (for PBXes whose device states cannot be trusted).
	SkipDeviceCheck bool
	// Features serves the agents' feature codes (status, login, logout, blf).
	Features *Features

	longFallback sync.Map // loops whose fallback was too long to send, warned once
}

// ServeAGI dispatches on the request path.
func (rt *Routes) ServeAGI(ctx context.Context, s *Session) error {
	if rt.Router == nil {
		return errors.New("agi routes: no router")
	}
	switch req := s.env.Request; req {
	case RequestRoute:
		return rt.route(ctx, s)
	case RequestDialResult:
		return rt.dialResult(ctx, s)
	case RequestCallback:
		return rt.callback(ctx, s)
	case RequestHangup:
		return rt.hangup(ctx, s)
	case RequestStatus, RequestLogin, RequestLogout, RequestBLF:
		return rt.feature(ctx, s)
	default:
		s.Log().Warn("unknown agi request")
		return rt.result(ctx, s, routing.ResultError, "unknown request")
	}
}

func (rt *Routes) budget() time.Duration {
	if rt.DecisionBudget > 0 {
		return rt.DecisionBudget
	}
	return 500 * time.Millisecond
}

func (rt *Routes) releaseTimeout() time.Duration {
	if rt.ReleaseTimeout > 0 {
		return rt.ReleaseTimeout
	}
	return 2 * time.Second
}

// result sets VarError, then VarResult.
func (rt *Routes) result(ctx context.Context, s *Session, r routing.Result, reason string) error {
	if err := s.Set(ctx, VarError, reason); err != nil {
		return err
	}
	return s.Set(ctx, VarResult, string(r))
}

var (
	errBudget = budget.ErrExceeded
	errPanic  = budget.ErrPanic
)

type outcome[T any] = budget.Outcome[T]

// callWithin is budget.Call with this package's hangup error.
func callWithin[T any](ctx context.Context, d time.Duration, abort <-chan struct{},
	log *slog.Logger, f func(context.Context) (T, error)) (T, error, <-chan outcome[T]) {
	return budget.Call(ctx, d, abort, ErrHangup, log, f)
}

// release frees what call holds so no agent stays claimed by a call that will
// not ring them. It outlives the session's context; claims also expire on
// their own, so a failure here is logged, not fatal.
func (rt *Routes) release(ctx context.Context, log *slog.Logger, call routing.CallID, why string) {
	rctx := context.WithoutCancel(ctx)
	agent, err, _ := callWithin(rctx, rt.releaseTimeout(), nil, log, func(c context.Context) (routing.AgentID, error) {
		return rt.Router.Hangup(c, call)
	})
	if err != nil {
		log.Error("releasing the call failed; retrying in the background", "why", why, "err", err)
		go rt.retryRelease(rctx, log, call)
		return
	}
	log.Info("claim released", "why", why, "released_agent", agent)
}

// retryRelease keeps trying to release a call while the store is away (a
// Redis restart), so an agent whose call ended meanwhile is not left on it.
// A claim expires by itself; an answered call would otherwise wait for the
// store's longest-call limit.
func (rt *Routes) retryRelease(ctx context.Context, log *slog.Logger, call routing.CallID) {
	deadline := time.Now().Add(rt.releaseRetry())
	for delay := 250 * time.Millisecond; time.Now().Before(deadline); delay = min(delay*2, 5*time.Second) {
		time.Sleep(delay)
		agent, err, _ := callWithin(ctx, rt.releaseTimeout(), nil, log, func(c context.Context) (routing.AgentID, error) {
			return rt.Router.Hangup(c, call)
		})
		if err == nil {
			log.Info("call released after retrying", "released_agent", agent)
			return
		}
	}
	log.Error("gave up releasing the call; a claim expires on its own, a call after the longest-call limit", "call", call)
}

func (rt *Routes) releaseRetry() time.Duration {
	if rt.ReleaseRetry > 0 {
		return rt.ReleaseRetry
	}
	return 2 * time.Minute
}

// reason is the short text for VarError. It names the kind of failure only:
// details go to the log.
func reason(err error) string {
	switch {
	case errors.Is(err, routing.ErrUnknownLoop):
		return "unknown loop"
	case errors.Is(err, routing.ErrUnknownAgent):
		return "unknown agent"
	case errors.Is(err, routing.ErrUnknownCall):
		return "unknown call"
	case errors.Is(err, routing.ErrStoreUnavailable):
		return "store unavailable"
	case errors.Is(err, routing.ErrOverloaded):
		return "overloaded"
	case errors.Is(err, errBudget), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errPanic):
		return "internal error"
	}
	return "routing failed"
}

// validID accepts what a configured id looks like: 1–64 printable
// characters without spaces.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// short makes untrusted input fit for a log line: bounded, valid UTF-8 and
// with anything that looks like a phone number masked.
func short(s string) string {
	const max = 32
	s = maskDigitRuns(s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
