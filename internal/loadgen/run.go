package loadgen

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
)

// Options describe one load run. Either Concurrency (closed loop: that many
// callers, each starting a new call when the last ends) or Rate (open loop:
// calls arrive at a fixed rate whatever the server does) is set.
type Options struct {
	Addr        string
	Loops       []string // loop ids, one per call in turn ("1")
	Concurrency int
	Rate        float64 // calls per second
	Duration    time.Duration
	Calls       int // stop after this many calls (0: Duration only)
	Hold        time.Duration
	// Mix is the share of offered agents that answer, do not answer and are
	// busy, in percent; what is left over answers.
	NoAnswer, Busy int
	// MaxAttempts bounds route requests per call (3): after that many
	// unanswered rings the caller gives up.
	MaxAttempts int
	DialTimeout time.Duration // connect timeout (2s, Asterisk's)
	// Track checks client-side that no agent is ever given to two calls at
	// once. Off for the floor, whose agents are made up.
	Track bool
	Seed  uint64
}

func (o *Options) defaults() {
	if len(o.Loops) == 0 {
		o.Loops = []string{"1"}
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.Duration <= 0 && o.Calls <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Concurrency <= 0 && o.Rate <= 0 {
		o.Concurrency = 100
	}
}

type runner struct {
	o      Options
	d      dialer
	prefix string
	rep    *Report
	errMu  sync.Mutex
	hold   holders
	infl   atomic.Int64
}

// Run drives the server at o.Addr until o.Duration passes or o.Calls calls
// were made (or ctx ends), waits for the calls in flight and reports.
func Run(ctx context.Context, o Options) *Report {
	o.defaults()
	r := &runner{
		o: o, d: dialer{timeout: o.DialTimeout, limit: 30*time.Second + o.Hold},
		prefix: strconv.FormatInt(time.Now().UnixNano()%1e9, 10),
		rep:    newReport(o),
		hold:   holders{m: map[string]string{}},
	}
	start := time.Now()
	stop := make(chan struct{})
	sampled := sampleRuntime(stop)
	offered := drive(ctx, o, r.call)
	close(stop)
	r.rep.Runtime = <-sampled
	r.rep.finish(offered, time.Since(start), r.hold.doubles.Load())
	return r.rep
}

// drive calls call(n) for n = 1, 2, … until o.Duration passes or o.Calls
// calls were started (or ctx ends): from o.Concurrency callers in a closed
// loop, or at o.Rate calls per second in an open loop. It waits for the
// calls in flight and returns the time over which calls were offered.
func drive(ctx context.Context, o Options, call func(n int64)) time.Duration {
	var seq atomic.Int64
	stop := make(chan struct{})
	var once sync.Once
	end := func() { once.Do(func() { close(stop) }) }
	if o.Duration > 0 {
		t := time.AfterFunc(o.Duration, end)
		defer t.Stop()
	}
	context.AfterFunc(ctx, end)
	start := time.Now()
	var wg sync.WaitGroup
	next := func() (int64, bool) {
		select {
		case <-stop:
			return 0, false
		default:
		}
		n := seq.Add(1)
		if o.Calls > 0 && n > int64(o.Calls) {
			end()
			return 0, false
		}
		return n, true
	}
	if o.Rate > 0 {
		interval := time.Duration(float64(time.Second) / o.Rate)
		for i := 0; ; i++ {
			if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
				select {
				case <-stop:
				case <-time.After(wait):
				}
			}
			n, ok := next()
			if !ok {
				break
			}
			wg.Add(1)
			go func() { defer wg.Done(); call(n) }()
		}
	} else {
		for range o.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n, ok := next(); ok; n, ok = next() {
					call(n)
				}
			}()
		}
	}
	offered := time.Since(start) // open loop: the time calls arrived
	wg.Wait()
	if o.Rate <= 0 {
		offered = time.Since(start) // closed loop: calls end when the callers stop
	}
	return offered
}

// call is one caller through the dialplan: route; the agent answers
// (dialresult ANSWER from the agent's channel), or does not (dialresult
// NOANSWER/BUSY from the caller's, then route again); hold; hangup from the
// h extension.
func (r *runner) call(n int64) {
	r.rep.inFlight(r.infl.Add(1))
	defer r.infl.Add(-1)
	rng := rand.New(rand.NewPCG(r.o.Seed, uint64(n)))
	id := r.prefix + "." + strconv.FormatInt(n, 10)
	loop := r.o.Loops[int(n)%len(r.o.Loops)]
	caller := "4" + fmt.Sprintf("%07d", n%1e7)
	began := time.Now()
	outcome := ""
	for attempt := 1; outcome == ""; attempt++ {
		s, err := r.session(agitest.Call{Request: "route", Args: []string{loop}, UniqueID: id, CallerID: caller}, false)
		if err != nil {
			outcome = "failed"
			break
		}
		r.rep.Route.Record(s.took)
		agent := s.vars["SB_AGENT"]
		if res := s.vars["SB_RESULT"]; res != "ok" || agent == "" {
			r.rep.fail("route result " + resultKind(s.vars))
			outcome = "failed"
			break
		}
		if r.o.Track {
			r.hold.take(agent, id)
		}
		status := "ANSWER"
		if attempt < r.o.MaxAttempts { // the last ring is answered
			switch p := rng.IntN(100); {
			case p < r.o.NoAnswer:
				status = "NOANSWER"
			case p < r.o.NoAnswer+r.o.Busy:
				status = "BUSY"
			}
		}
		if status != "ANSWER" {
			r.hold.free(agent, id)
			r.rep.count(status)
			if _, err := r.session(agitest.Call{Request: "dialresult", Args: []string{agent, status, id}, UniqueID: id, CallerID: caller}, false); err != nil {
				outcome = "failed"
			}
			continue
		}
		r.rep.count(status)
		if _, err := r.session(agitest.Call{Request: "dialresult", Args: []string{agent, "ANSWER", id},
			UniqueID: "agent-" + id, Channel: "PJSIP/" + agent + "-" + id}, false); err != nil {
			outcome = "failed"
			r.hold.free(agent, id)
			break
		}
		if r.o.Hold > 0 {
			time.Sleep(r.o.Hold)
		}
		r.hold.free(agent, id)
		outcome = "connected"
	}
	// The dialplan's hangup handler asks again, up to three times, until
	// the service answers ok ([sentralbord-hangup] in extensions.conf).
	var err error
	for try := 0; try < 3; try++ {
		var s session
		if s, err = r.session(agitest.Call{Request: "hangup", UniqueID: id, CallerID: caller}, true); err == nil && s.vars["SB_RESULT"] == "ok" {
			break
		}
	}
	if err == nil && outcome == "connected" {
		r.rep.Call.Record(time.Since(began) - r.o.Hold)
		r.rep.done()
	}
}

// session runs one AGI() and files a failure under its kind.
func (r *runner) session(c agitest.Call, dead bool) (session, error) {
	s, err := r.d.run(context.Background(), r.o.Addr, c, dead)
	r.rep.session(s.commands)
	if err != nil {
		r.rep.fail(c.Request + ": " + kind(err))
		return s, err
	}
	if c.Request != "route" && s.vars["SB_RESULT"] != "ok" {
		r.rep.fail(c.Request + " result " + resultKind(s.vars))
	}
	return s, nil
}

func resultKind(v map[string]string) string {
	res := v["SB_RESULT"]
	if res == "" {
		return "unset"
	}
	if e := v["SB_ERROR"]; e != "" {
		return res + " (" + e + ")"
	}
	return res
}

// holders is the client's view of who holds each agent.
type holders struct {
	mu      sync.Mutex
	m       map[string]string
	doubles atomic.Int64
}

func (h *holders) take(agent, call string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, busy := h.m[agent]; busy {
		h.doubles.Add(1)
	}
	h.m[agent] = call
}

func (h *holders) free(agent, call string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m[agent] == call {
		delete(h.m, agent)
	}
}
