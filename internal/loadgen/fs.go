package loadgen

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// RunFS drives the FreeSWITCH outbound event socket at o.Addr the way
// FreeSWITCH's socket application does (esl/outbound/fstest): each call
// connects with its channel's variables, is routed, rung (the agent answers
// after a short ring, or does not for o.NoAnswer percent of rings), talks
// for o.Hold and hangs up. Route latency is connect to the first bridge
// command; a call that comes back without a bridge fell back and counts as
// an error. Closed loop (Concurrency) or open loop (Rate), as Run.
func RunFS(ctx context.Context, o Options) *Report {
	o.defaults()
	r := &fsRunner{o: o, rep: newReport(o), prefix: strconv.FormatInt(time.Now().UnixNano()%1e9, 10)}
	start := time.Now()
	offered := drive(ctx, o, r.call)
	r.rep.finish(offered, time.Since(start), 0)
	return r.rep
}

type fsRunner struct {
	o      Options
	rep    *Report
	prefix string
	infl   atomic.Int64
}

func (r *fsRunner) call(n int64) {
	r.rep.inFlight(r.infl.Add(1))
	defer r.infl.Add(-1)
	loop := r.o.Loops[int(n)%len(r.o.Loops)]
	began := time.Now()
	var once sync.Once
	var rings atomic.Int64
	c := &fstest.Call{
		Channel: fstest.Channel{
			UUID: r.prefix + "-" + strconv.FormatInt(n, 10), Name: "sofia/internal/bench@127.0.0.1",
			CallerNumber: fmt.Sprintf("4%07d", n%10_000_000), CallerName: "Bench",
			Destination: "sentralbord", Answered: true, Vars: map[string]string{"sb_loop": loop},
		},
		Bridge: func(string) fstest.Outcome {
			once.Do(func() { r.rep.Route.Record(time.Since(began)) })
			// The last ring allowed is answered, as in the FastAGI run.
			if rings.Add(1) < int64(r.o.MaxAttempts) && pick(n, rings.Load(), r.o.NoAnswer) {
				return fstest.Outcome{Ring: time.Millisecond}
			}
			return fstest.Outcome{Answer: true, Talk: max(r.o.Hold, time.Millisecond)}
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second+r.o.Hold)
	defer cancel()
	if err := c.Start(ctx, r.o.Addr); err != nil {
		r.rep.fail("connect: " + short(err))
		return
	}
	if err := c.Wait(ctx); err != nil {
		c.Hangup()
		r.rep.fail("call: no end within 30 s")
		return
	}
	r.rep.session(len(c.Commands()))
	switch {
	case !c.Bridged():
		r.rep.fail("fell back: sb_result=" + c.Vars()["sb_result"] + " sb_error=" + c.Vars()["sb_error"])
	default:
		r.rep.count("ANSWER")
		r.rep.Call.Record(time.Since(began))
		r.rep.done()
	}
}

// pick decides, the same way for the same call and ring, whether a ring
// goes unanswered.
func pick(n, ring int64, percent int) bool {
	if percent <= 0 {
		return false
	}
	return int((n*7919+ring*104729)%100) < percent
}

func short(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
