package app_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// The scenarios are written once against this driver and run through both
// adapters, so that Asterisk and FreeSWITCH callers are held to the same
// routing rules by the same assertions.

// offer is what the service told the PBX about a caller: an agent to ring
// (result ok), or a result the PBX's dialplan handles itself.
type offer struct {
	result   string // ok, none, voicemail, callback, error; "" when the service said nothing
	agent    string
	dial     string // what the PBX rings: PJSIP/2101, user/2101
	callerID string // the number the agent's phone shows
	ring     string // ring timeout in seconds
	at       time.Time
}

// caller is one call in a loop, driven the way its PBX's dialplan drives it.
type caller interface {
	// offers delivers the service's word on the call, one offer per agent
	// rung, or a last one with a result that is not ok.
	offers() <-chan offer
	// answer: the agent offered last picks up; the call stays bridged until
	// hangUp.
	answer()
	// reject: the agent offered last gives status (NOANSWER, BUSY); the
	// service is asked again and the next offer follows.
	reject(status string)
	// hangUp: the caller hangs up. It returns once the PBX has told the
	// service; safe to call more than once.
	hangUp()
}

// pbx places calls into the service through one of its adapters.
type pbx struct {
	dial func(call, loop, number string) caller
}

// onBoth runs scenario through Asterisk and through FreeSWITCH, each on a
// service of its own started with yaml. Every scenario ends the same way:
// its callers hang up, and then no agent may be left held and nobody left
// waiting.
func onBoth(t *testing.T, yaml string, scenario func(t *testing.T, s *system, p pbx)) {
	run := func(t *testing.T, s *system, p pbx) {
		var mu sync.Mutex
		var calls []caller
		dial := p.dial
		p.dial = func(call, loop, number string) caller {
			c := dial(call, loop, number)
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, c)
			return c
		}
		defer func() {
			mu.Lock()
			defer mu.Unlock()
			var wg sync.WaitGroup
			for _, c := range calls {
				wg.Go(c.hangUp)
			}
			wg.Wait()
			if !t.Failed() {
				s.checkQuiet(t)
			}
		}()
		scenario(t, s, p)
	}
	t.Run("asterisk", func(t *testing.T) {
		s := startWith(t, yaml)
		run(t, s, asterisk(s))
	})
	t.Run("freeswitch", func(t *testing.T) {
		s := startFS(t, yaml)
		run(t, s.system, freeswitch(s))
	})
}

// nextOffer waits up to d for c's next offer.
func nextOffer(c caller, d time.Duration) (offer, bool) {
	select {
	case o := <-c.offers():
		return o, true
	case <-time.After(d):
		return offer{}, false
	}
}

// agiCaller is a caller on Asterisk running dialplan/asterisk/extensions.conf:
// a route request (held open while the caller waits in line), a dialresult
// request and a new route request when the agent does not answer, the
// agent channel's dialresult when they do, and the hangup handler's request
// when the caller hangs up.
type agiCaller struct {
	s                  *system
	call, loop, number string
	out                chan offer

	agent  string // set before its offer is sent, read after it arrives
	mu     sync.Mutex
	route  *agitest.Client
	routed chan struct{} // closed when the route request in flight ends
	hung   bool
}

func asterisk(s *system) pbx {
	return pbx{dial: func(call, loop, number string) caller {
		c := &agiCaller{s: s, call: call, loop: loop, number: number, out: make(chan offer, 64)}
		c.ask()
		return c
	}}
}

func (c *agiCaller) offers() <-chan offer { return c.out }

// ask runs a route request with AGIEXITONHANGUP=yes, as the dialplan sets it.
func (c *agiCaller) ask() {
	cl := &agitest.Client{ExitOnHangup: true,
		Call: agitest.Call{Request: "route", Args: []string{c.loop}, UniqueID: c.call, CallerID: c.number}}
	routed := make(chan struct{})
	c.mu.Lock()
	c.route, c.routed = cl, routed
	c.mu.Unlock()
	go func() {
		defer close(routed)
		// The dialplan's guard is SB_ROUTE_TIMEOUT; no scenario waits this long.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		res, err := cl.Run(ctx, c.s.addr)
		if res.HungUp {
			return
		}
		if err != nil {
			c.s.t.Errorf("agi route %s: %v", c.call, err)
		}
		v := res.Vars
		c.agent = v["SB_AGENT"]
		c.out <- offer{result: v["SB_RESULT"], agent: v["SB_AGENT"], dial: v["SB_DIAL"],
			callerID: v["SB_CALLERID_NUM"], ring: v["SB_TIMEOUT"], at: time.Now()}
	}()
}

// answer is [sentralbord-answered] on the agent's channel: its own unique
// id, the caller's as the third argument.
func (c *agiCaller) answer() {
	c.s.request(agitest.Call{Request: "dialresult", Args: []string{c.agent, "ANSWER", c.call}, UniqueID: "agent-" + c.call})
}

func (c *agiCaller) reject(status string) {
	c.s.request(agitest.Call{Request: "dialresult", Args: []string{c.agent, status, c.call}, UniqueID: c.call})
	c.ask()
}

// hangUp ends a route request in flight (the caller's hangup ends AGI()),
// then runs the hangup handler the dialplan pushed.
func (c *agiCaller) hangUp() {
	c.mu.Lock()
	cl, routed, hung := c.route, c.routed, c.hung
	c.hung = true
	c.mu.Unlock()
	if hung {
		return
	}
	select {
	case <-routed:
	default:
		cl.Hangup()
		<-routed
	}
	c.s.request(agitest.Call{Request: "hangup", UniqueID: c.call})
}

// fsCaller is a caller FreeSWITCH's socket application hands to the
// service: the service rings agents with bridge, and each bridge rings
// until the scenario answers or rejects it.
type fsCaller struct {
	t        *testing.T
	c        *fstest.Call
	out      chan offer
	replies  chan fstest.Outcome
	gone     chan struct{} // closed when the caller hangs up
	hangOnce sync.Once
	answered atomic.Bool
}

func freeswitch(s *fsSystem) pbx {
	return pbx{dial: func(call, loop, number string) caller {
		f := &fsCaller{t: s.t, out: make(chan offer, 64), replies: make(chan fstest.Outcome, 1), gone: make(chan struct{})}
		f.c = s.fsCall(call, loop, number, f.bridge)
		go f.handedBack()
		return f
	}}
}

func (f *fsCaller) offers() <-chan offer { return f.out }

// bridge is the fake FreeSWITCH's bridge policy: it blocks, the phone
// ringing, until the scenario decides.
func (f *fsCaller) bridge(arg string) fstest.Outcome {
	f.out <- offer{result: "ok", agent: agentOf(arg), dial: arg[strings.LastIndex(arg, "}")+1:],
		callerID: bridgeVar(arg, "origination_caller_id_number"), ring: bridgeVar(arg, "call_timeout"), at: time.Now()}
	select {
	case o := <-f.replies:
		return o
	case <-f.gone:
		// Rings on until the hangup cancels the bridge, as in FreeSWITCH.
		return fstest.Outcome{Ring: time.Hour}
	}
}

// handedBack reports the result the service left on the channel when it
// closed the socket without a bridge: the dialplan's fallback takes over.
func (f *fsCaller) handedBack() {
	<-f.c.Done()
	select {
	case <-f.gone:
	default:
		if !f.answered.Load() {
			f.out <- offer{result: f.c.Vars()["sb_result"], at: time.Now()}
		}
	}
}

func (f *fsCaller) answer() {
	f.answered.Store(true)
	f.replies <- fstest.Outcome{Answer: true}
	if !until(5*time.Second, f.c.Bridged) {
		f.t.Errorf("call %s: no bridge 5s after the answer", f.c.Channel.UUID)
	}
}

// dispositions are FreeSWITCH's originate_disposition for a dial status.
var dispositions = map[string]string{"NOANSWER": "NO_ANSWER", "BUSY": "USER_BUSY"}

func (f *fsCaller) reject(status string) {
	f.replies <- fstest.Outcome{DialStatus: status, Disposition: dispositions[status]}
}

func (f *fsCaller) hangUp() {
	f.hangOnce.Do(func() {
		close(f.gone)
		hangUp(f.t, f.c)
	})
}

// bridgeVar reads a {name=value,…} variable of a bridge argument.
func bridgeVar(arg, name string) string {
	vars, _, _ := strings.Cut(strings.TrimPrefix(arg, "{"), "}")
	for _, kv := range strings.Split(vars, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
