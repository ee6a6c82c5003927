package app_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// The routing rules every PBX is held to, each scenario run through
// Asterisk and through FreeSWITCH by onBoth.

func TestLongestIdleAgentIsRungWithTheTaggedCallerID(t *testing.T) {
	onBoth(t, testConfig, func(t *testing.T, s *system, p pbx) {
		ctx := context.Background()
		s.setEach(routing.StatusAway, "dina", "emil")
		// Each of the three free agents finishes a call, cato first.
		for _, id := range []routing.AgentID{"cato", "anna", "bente"} {
			call := routing.CallID("warmup-" + string(id))
			actor := routing.Actor{Source: routing.SourceCLI, Name: "test"}
			if err := s.store.Answer(ctx, call, id, actor); err != nil {
				t.Fatal(err)
			}
			time.Sleep(5 * time.Millisecond) // distinct idle times in milliseconds
			if _, err := s.store.EndCall(ctx, call, actor); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range []string{"cato", "anna", "bente"} {
			o := mustOffer(t, p.dial(s.callID(), "1", "90595313"))
			a, _ := s.cfg.Roster().Agent(routing.AgentID(want))
			ext := a.Extension
			if o.agent != want || !strings.HasSuffix(o.dial, "/"+ext) || o.callerID != "90595313-111" || o.ring != "5" {
				t.Fatalf("offer %+v; want %s on extension %s, shown 90595313-111, ringing 5s", o, want, ext)
			}
		}
		p.dial(s.callID(), "1", "90595313")
		s.awaitWaiting("1", 1) // nobody left
	})
}

func TestNoAnswerRingsTheNextAgent(t *testing.T) {
	onBoth(t, testConfig, func(t *testing.T, s *system, p pbx) {
		c := p.dial(s.callID(), "1", "40000001")
		tried := map[string]bool{}
		for i := range 5 {
			o := mustOffer(t, c)
			if tried[o.agent] {
				t.Fatalf("try %d rang %s again (tried: %v)", i, o.agent, tried)
			}
			tried[o.agent] = true
			c.reject("NOANSWER")
			if !until(2*time.Second, func() bool { return s.released(o.agent) }) {
				t.Fatalf("%s still held after not answering: %+v", o.agent, s.state(o.agent))
			}
		}
		// All five tried: the caller waits, and the agents who did not
		// answer are free for other callers.
		s.awaitWaiting("1", 1)
		mustOffer(t, p.dial(s.callID(), "1", "40000002"))
	})
}

func TestAgentRingingForOneLoopIsNotOfferedInAnother(t *testing.T) {
	onBoth(t, testConfig, func(t *testing.T, s *system, p pbx) {
		s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina")
		if o := mustOffer(t, p.dial(s.callID(), "1", "40000001")); o.agent != "emil" {
			t.Fatalf("loop 1 caller got %+v, want emil", o)
		}
		if o := mustOffer(t, p.dial(s.callID(), "3", "40000002")); o.agent != "frida" || o.callerID != "40000002-333" {
			t.Fatalf("loop 3 caller got %+v, want frida shown 40000002-333 (emil rings for loop 1)", o)
		}
		p.dial(s.callID(), "3", "40000003")
		s.awaitWaiting("3", 1)
	})
}

func TestHangupStartsWrapUpThenAgentIsEligibleAgain(t *testing.T) {
	onBoth(t, testConfig, func(t *testing.T, s *system, p pbx) {
		s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina")
		call := s.callID()
		c := p.dial(call, "1", "40000001")
		if o := mustOffer(t, c); o.agent != "emil" {
			t.Fatalf("got %+v, want emil", o)
		}
		before := s.state("emil").IdleSince
		c.answer()
		if !until(2*time.Second, func() bool { return s.state("emil").OnCall == routing.CallID(call) }) {
			t.Fatalf("after the answer emil is not on the call: %+v", s.state("emil"))
		}
		if o := mustOffer(t, p.dial(s.callID(), "3", "40000002")); o.agent != "frida" {
			t.Fatalf("loop 3 caller got %+v, want frida (emil is on a call)", o)
		}
		c.hangUp()
		if !until(2*time.Second, func() bool { return s.state("emil").OnCall == "" }) {
			t.Fatalf("emil still on the call after the hangup: %+v", s.state("emil"))
		}
		st := s.state("emil")
		if !st.IdleSince.After(before) || st.WrapUntil.Sub(st.IdleSince) != time.Second {
			t.Fatalf("after hangup: %+v; want a new idle time and 1s wrap-up", st)
		}
		// A caller during wrap-up waits in line and gets emil once it ends.
		if o := mustOffer(t, p.dial(s.callID(), "1", "40000003")); o.agent != "emil" || o.at.Before(st.WrapUntil) {
			t.Fatalf("during wrap-up: %+v; want emil once wrap-up ends at %v", o, st.WrapUntil)
		}
	})
}

func TestFiftyCallersOnFiveAgentsNeverShareOne(t *testing.T) {
	onBoth(t, testConfig, func(t *testing.T, s *system, p pbx) {
		calls := make([]caller, 50)
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() { calls[i] = p.dial(s.callID(), "1", "40000001") })
		}
		wg.Wait()
		offers := firstOffers(t, calls)
		// Nobody answers: five callers ring an agent each, the others wait.
		s.awaitWaiting("1", 45)
		rung := map[string]int{}
		for range 5 {
			rung[nextArrival(t, offers).agent]++
		}
		if len(rung) != 5 || len(offers) != 0 {
			t.Fatalf("agents rung %v, %d more offers; want five agents, one caller each", rung, len(offers))
		}
	})
}

func TestWaitingCallersAreConnectedInArrivalOrder(t *testing.T) {
	onBoth(t, noWrapConfig, func(t *testing.T, s *system, p pbx) {
		s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina", "emil")
		line := queueUp(s, p, slices.Repeat([]string{"1"}, 20)...)
		// One agent frees up; as each call ends, the next caller gets her.
		wakeups := serveInOrder(t, line, "anna", func() { s.set("anna", routing.StatusAvailable) })
		slices.Sort(wakeups)
		t.Logf("agent free → next caller rung: median %v, max %v (the hangup and the PBX's round trips included)",
			wakeups[len(wakeups)/2].Round(100*time.Microsecond), wakeups[len(wakeups)-1].Round(100*time.Microsecond))
	})
}

func TestSharedAgentGoesToTheOlderCallerOfEitherLoop(t *testing.T) {
	onBoth(t, noWrapConfig, func(t *testing.T, s *system, p pbx) {
		s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina", "emil", "frida")
		line := queueUp(s, p, "3", "1", "3")
		serveInOrder(t, line, "emil", func() { s.set("emil", routing.StatusAvailable) }) // emil serves loops 1 and 3
	})
}

func TestCallerWhoHangsUpWhileWaitingLeavesTheLine(t *testing.T) {
	onBoth(t, noWrapConfig, func(t *testing.T, s *system, p pbx) {
		s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina", "emil")
		call := s.callID()
		c := p.dial(call, "1", "40000001")
		s.awaitWaiting("1", 1)
		at := time.Now()
		c.hangUp()
		if !until(2*time.Second, func() bool { return len(s.waiting("1")) == 0 }) {
			t.Fatalf("caller still in line 2s after hanging up: %v", s.waiting("1"))
		}
		t.Logf("caller left the line %v after hanging up", time.Since(at).Round(time.Millisecond))
		s.set("anna", routing.StatusAvailable)
		time.Sleep(300 * time.Millisecond) // time enough to hand anna to a caller wrongly kept in line
		if !s.released("anna") {
			t.Fatalf("an agent went to a caller who had hung up: %+v", s.state("anna"))
		}
		entries, err := s.store.Audit(context.Background(), "", 20, 100)
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		for _, e := range entries {
			if e.Call == call {
				events = append(events, e.Event)
			}
		}
		if !slices.Equal(events, []string{"abandoned", "queued"}) {
			t.Fatalf("audit of the call %v, want abandoned after queued", events)
		}
	})
}

// queueUp dials a caller into each loop in turn, each one waiting in line
// before the next arrives, and returns them in arrival order.
func queueUp(s *system, p pbx, loops ...string) []caller {
	s.t.Helper()
	var line []caller
	for i, loop := range loops {
		line = append(line, p.dial(s.callID(), loop, "40000001"))
		s.awaitWaiting("", i+1)
		time.Sleep(10 * time.Millisecond) // distinct arrival times
	}
	return line
}

// serveInOrder frees agent and checks that it serves the callers of line
// in order, each answering and hanging up. It returns how long each caller
// waited for the agent once it was free.
func serveInOrder(t *testing.T, line []caller, agent string, free func()) []time.Duration {
	t.Helper()
	offers := firstOffers(t, line)
	freed := time.Now()
	free()
	var waits []time.Duration
	for want := range line {
		a := nextArrival(t, offers)
		if a.caller != want || a.agent != agent {
			t.Fatalf("caller %d got %q first, want caller %d to get %s", a.caller, a.agent, want, agent)
		}
		waits = append(waits, a.at.Sub(freed))
		line[want].answer()
		freed = time.Now()
		line[want].hangUp()
	}
	return waits
}

// arrival is one caller's first offer.
type arrival struct {
	caller int
	offer
}

// firstOffers delivers each caller's first offer in the order they come.
func firstOffers(t *testing.T, calls []caller) chan arrival {
	ctx, out := t.Context(), make(chan arrival, len(calls))
	for i, c := range calls {
		go func() {
			select {
			case o := <-c.offers():
				out <- arrival{caller: i, offer: o}
			case <-ctx.Done():
			}
		}()
	}
	return out
}

func nextArrival(t *testing.T, offers <-chan arrival) arrival {
	t.Helper()
	select {
	case a := <-offers:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("no caller offered an agent within 10s")
		return arrival{}
	}
}

// mustOffer waits for c to be offered an agent.
func mustOffer(t *testing.T, c caller) offer {
	t.Helper()
	o, ok := nextOffer(c, 10*time.Second)
	if !ok || o.result != "ok" || o.agent == "" {
		t.Fatalf("no agent offered within 10s: %+v", o)
	}
	return o
}
