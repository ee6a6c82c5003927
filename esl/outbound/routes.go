package outbound

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Router is what a call needs from routing; *routing.Service satisfies it.
type Router interface {
	Route(ctx context.Context, req routing.RouteRequest) (routing.Decision, error)
	Wait(ctx context.Context, req routing.RouteRequest, budget time.Duration, progress routing.Progress) (routing.Decision, error)
	// The calls are FreeSWITCH's: the audit stream says so (src).
	DialResultFrom(ctx context.Context, src routing.Source, call routing.CallID, agent routing.AgentID, status routing.DialStatus) error
	HangupFrom(ctx context.Context, src routing.Source, call routing.CallID) (routing.AgentID, error)
	Fallback(loop routing.LoopID) string
}

var _ Router = (*routing.Service)(nil)

// Callbacker records callback requests; *routing.Service does. The
// requests are FreeSWITCH's: the audit stream says so (src).
type Callbacker interface {
	RequestCallbackFrom(ctx context.Context, src routing.Source, call routing.CallID, loop routing.LoopID, number, name string) (string, error)
}

var _ Callbacker = (*routing.Service)(nil)

// Channel variables the XML dialplan sets before the socket and reads after it.
const (
	VarLoop     = "sb_loop"     // in: the loop; out: the loop the call ended in
	VarLanguage = "sb_language" // in: "en" for English callers
	VarRequest  = "sb_request"  // in: "callback" records a callback request instead
	VarResult   = "sb_result"   // out: none | voicemail | callback | error (ok: callback recorded)
	VarFallback = "sb_fallback" // out: the loop's static target
	VarError    = "sb_error"    // out: short reason with error
	VarCallerID = "sb_callerid_num"
	VarWaited   = "sb_waited" // out: "1" when the caller waited in line
)

// DefaultMusic is what waiting callers hear.
const DefaultMusic = "local_stream://moh"

// Routes routes each outbound connection's caller with a Router.
type Routes struct {
	Router Router
	// DecisionBudget bounds one routing decision (500ms); past it the
	// call takes the dialplan's fallback.
	DecisionBudget time.Duration
	// ReleaseTimeout bounds releasing a call (2s).
	ReleaseTimeout time.Duration
	// Music is the playback target while waiting (DefaultMusic).
	Music string
	// CommandTimeout bounds one command to FreeSWITCH (2s).
	CommandTimeout time.Duration
}

func (rt *Routes) budget() time.Duration         { return orDefault(rt.DecisionBudget, 500*time.Millisecond) }
func (rt *Routes) releaseTimeout() time.Duration { return orDefault(rt.ReleaseTimeout, 2*time.Second) }
func (rt *Routes) cmdTimeout() time.Duration     { return orDefault(rt.CommandTimeout, 2*time.Second) }
func (rt *Routes) music() string {
	if rt.Music != "" {
		return rt.Music
	}
	return DefaultMusic
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// call is one caller's session.
type call struct {
	rt  *Routes
	c   *Conn
	log *slog.Logger
	id  routing.CallID
	req routing.RouteRequest
}

// ServeCall subscribes to the channel's events, routes the caller and
// releases whatever the call holds when it ends, however it ends.
func (rt *Routes) ServeCall(ctx context.Context, c *Conn, log *slog.Logger) {
	cl := &call{rt: rt, c: c, log: log, id: routing.CallID(c.UUID())}
	defer rt.release(ctx, log, cl.id, "call ended")
	for _, f := range []func(context.Context) error{c.MyEvents, c.Linger, c.Resume} {
		if err := cl.cmd(ctx, f); err != nil {
			log.Warn("event socket setup failed", "err", err)
			return
		}
	}
	d := c.Data()
	loop := d.Get("variable_" + VarLoop)
	if loop == "" {
		loop = d.Get("Caller-Destination-Number")
	}
	lang := d.Get("variable_" + VarLanguage)
	if lang == "" {
		lang = d.Get("variable_default_language")
	}
	cl.req = routing.RouteRequest{
		Call: cl.id, Loop: routing.LoopID(loop), Language: lang, Wait: true, Source: routing.SourceFreeSWITCH,
		CallerNumber: d.Get("Caller-Caller-ID-Number"), CallerName: d.Get("Caller-Caller-ID-Name"),
	}
	if d.Get("variable_"+VarRequest) == "callback" {
		cl.callback(ctx)
		return
	}
	cl.route(ctx)
}

func (cl *call) cmd(ctx context.Context, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, cl.rt.cmdTimeout())
	defer cancel()
	return f(cctx)
}

// route claims, rings, and on no answer claims the next agent; what cannot
// become a bridge goes back to the dialplan.
func (cl *call) route(ctx context.Context) {
	var waited bool
	for tries := 0; ; tries++ {
		dec, err := cl.decide(ctx, &waited)
		if errors.Is(err, ErrHangup) || cl.hungUp() {
			cl.log.Info("caller hung up before an agent answered")
			return
		}
		if err == nil && dec.Result == routing.ResultError {
			err = dec.Err
			if err == nil {
				err = errors.New("router gave result error without a cause")
			}
		}
		if err == nil && dec.Result == routing.ResultOK && tries >= 64 {
			err = errors.New("too many agents tried")
		}
		if err != nil || dec.Result != routing.ResultOK {
			cl.handBack(ctx, dec, err, waited)
			return
		}
		answered, err := cl.bridge(ctx, dec)
		switch {
		case errors.Is(err, ErrHangup) || cl.hungUp():
			return
		case err != nil:
			cl.rt.release(ctx, cl.log, cl.id, "bridge failed")
			cl.handBack(ctx, routing.Decision{Loop: dec.Loop}, err, waited)
			return
		case answered:
			cl.hangupAfterBridge(ctx)
			return
		}
	}
}

// decide asks the router under the budget; a call put in line is held there.
func (cl *call) decide(ctx context.Context, waited *bool) (routing.Decision, error) {
	dec, err, late := within(ctx, cl.rt.budget(), cl.c.Hungup(), cl.log,
		func(c context.Context) (routing.Decision, error) { return cl.rt.Router.Route(c, cl.req) })
	if late != nil {
		go func() {
			if o := <-late; o.Err == nil && o.V.Result != routing.ResultNone {
				cl.rt.release(ctx, cl.log, cl.id, "decision came too late")
			}
		}()
	}
	if err != nil || dec.Result != routing.ResultWait {
		return dec, err
	}
	*waited = true
	return cl.wait(ctx, dec)
}

// handBack sets the result variables and closes the socket: the dialplan
// continues after the socket application (resume) with its fallback.
func (cl *call) handBack(ctx context.Context, dec routing.Decision, err error, waited bool) {
	res, cause := dec.Result, ""
	if err != nil {
		res, cause = routing.ResultError, reason(err)
		cl.log.Warn("routing failed; the dialplan falls back", "loop", cl.req.Loop, "err", err)
	} else {
		cl.log.Info("no agent for the caller; back to the dialplan", "loop", cl.req.Loop, "result", res)
	}
	if res == "" || res == routing.ResultOK || res == routing.ResultWait {
		res = routing.ResultError
	}
	loop, fallback := cl.req.Loop, dec.Fallback
	if dec.Loop.ID != "" {
		loop = dec.Loop.ID
	}
	if fallback == "" {
		fallback = cl.rt.Router.Fallback(loop)
	}
	vars := [][2]string{
		{VarLoop, string(loop)}, {VarFallback, fallback}, {VarError, cause},
		{VarCallerID, dec.CallerIDNumber}, {VarWaited, map[bool]string{true: "1"}[waited]},
		{VarResult, string(res)},
	}
	if serr := cl.cmd(ctx, func(c context.Context) error { return cl.c.SetVars(c, vars) }); serr != nil {
		cl.log.Warn("setting the result failed; the dialplan falls back on an empty result", "err", serr)
	}
}

func (cl *call) hungUp() bool {
	select {
	case <-cl.c.Hungup():
		return true
	default:
		return false
	}
}
