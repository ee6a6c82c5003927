package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// noWrapConfig is testConfig without wrap-up, so a freed agent takes the
// next caller at once.
var noWrapConfig = strings.ReplaceAll(testConfig, "wrap_up: 1s", "wrap_up: 0s")

type connected struct {
	caller int
	call   string
	agent  string
}

// waitFor starts a caller who waits with the patience of a saint and reports
// on done when they get an agent.
func (s *system) waitFor(i int, call, loop string, done chan<- connected) {
	go func() {
		v := s.route(call, loop, "40000001")
		if v["SB_RESULT"] != "ok" {
			s.t.Errorf("caller %d: %v", i, v)
		}
		done <- connected{caller: i, call: call, agent: v["SB_AGENT"]}
	}()
}

// awaitWaiting waits until n callers wait in loop's line.
func (s *system) awaitWaiting(loop string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(s.waiting(loop)) != n {
		if time.Now().After(deadline) {
			s.t.Fatalf("loop %s: %d callers waiting, want %d", loop, len(s.waiting(loop)), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWaitingCallersAreConnectedInArrivalOrder(t *testing.T) {
	s := startWith(t, noWrapConfig)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	done := make(chan connected, 20)
	for i := range 20 {
		s.waitFor(i, s.callID(), "1", done)
		s.awaitWaiting("1", i+1) // arrivals 10 ms apart, in this order
		time.Sleep(10 * time.Millisecond)
	}
	freed := time.Now()
	s.set("anna", routing.StatusAvailable) // one agent frees up; each call ends, the next caller gets her
	var wakeups []time.Duration
	for want := range 20 {
		var c connected
		select {
		case c = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("caller %d not connected within 5s", want)
		}
		wakeups = append(wakeups, time.Since(freed))
		if c.caller != want || c.agent != "anna" {
			t.Fatalf("connected caller %d to %q, want caller %d to anna", c.caller, c.agent, want)
		}
		s.dialResult(c.call, "anna", "ANSWER")
		freed = time.Now()
		s.hangup(c.call)
	}
	slices.Sort(wakeups)
	t.Logf("agent freed → waiting caller told: median %v, max %v (includes the hangup request and the reply to Asterisk)",
		wakeups[len(wakeups)/2].Round(100*time.Microsecond), wakeups[len(wakeups)-1].Round(100*time.Microsecond))
	if w := s.waiting("1"); len(w) != 0 {
		t.Fatalf("line not empty: %v", w)
	}
}

func TestSharedAgentGoesToTheOlderCallerOfEitherLoop(t *testing.T) {
	s := startWith(t, noWrapConfig)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil", "frida"} {
		s.set(id, routing.StatusLunch)
	}
	done := make(chan connected, 3)
	order := []struct{ loop string }{{"3"}, {"1"}, {"3"}}
	for i, o := range order {
		s.waitFor(i, s.callID(), o.loop, done)
		deadline := time.Now().Add(5 * time.Second)
		for len(s.waiting("1"))+len(s.waiting("3")) != i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("caller %d not in line", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.set("emil", routing.StatusAvailable) // emil serves loops 1 and 3
	for want := range 3 {
		var c connected
		select {
		case c = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("caller %d not connected", want)
		}
		if c.caller != want || c.agent != "emil" {
			t.Fatalf("emil went to caller %d (%q), want caller %d", c.caller, c.agent, want)
		}
		s.dialResult(c.call, "emil", "ANSWER")
		s.hangup(c.call)
	}
}

func TestCallerWhoHangsUpWhileWaitingLeavesTheLine(t *testing.T) {
	s := startWith(t, noWrapConfig)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	call := s.callID()
	hungUp := make(chan time.Time, 1)
	go func() {
		_, h := s.routeOrHangUp(call, "1", "40000001", 300*time.Millisecond)
		if !h {
			t.Errorf("caller did not hang up")
		}
		hungUp <- time.Now()
	}()
	s.awaitWaiting("1", 1)
	at := <-hungUp
	deadline := at.Add(time.Second)
	for len(s.waiting("1")) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("caller still in line 1s after hanging up: %v", s.waiting("1"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("caller left the line %v after hanging up", time.Since(at).Round(time.Millisecond))
	s.set("anna", routing.StatusAvailable)
	time.Sleep(200 * time.Millisecond)
	if st := s.state("anna"); st.ClaimedBy != "" || st.OnCall != "" {
		t.Fatalf("an agent went to a caller who had hung up: %+v", st)
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
	if len(events) != 2 || events[0] != "abandoned" || events[1] != "queued" {
		t.Fatalf("audit of the call %v, want abandoned after queued", events)
	}
}

func TestPhoneInUseIsNotOffered(t *testing.T) {
	s := startWith(t, noWrapConfig)
	for _, id := range []string{"cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	// Anna (longest idle) is on a direct call; Asterisk knows, Redis does not.
	call := agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: s.callID(), CallerID: "40000001",
		Vars: map[string]string{"DEVICE_STATE(PJSIP/2101)": "INUSE", "DEVICE_STATE(PJSIP/2102)": "NOT_INUSE"}}
	v := s.request(call)
	if v["SB_RESULT"] != "ok" || v["SB_AGENT"] != "bente" {
		t.Fatalf("got %v, want bente (anna's phone is in use)", v)
	}
	if st := s.state("anna"); st.ClaimedBy != "" {
		t.Fatalf("anna still claimed: %+v", st)
	}
	// Another call whose Asterisk sees anna's phone free gets her.
	if v := s.route(s.callID(), "1", "40000002"); v["SB_AGENT"] != "anna" {
		t.Fatalf("next call got %v, want anna", v)
	}
}

func TestWaitingCallerHearsTheirPlaceInLine(t *testing.T) {
	yaml := strings.Replace(noWrapConfig, "ring_timeout: 5s, wrap_up: 0s,\n     members: [anna", "ring_timeout: 5s, wrap_up: 0s, announce: 1s,\n     members: [anna", 1)
	if yaml == noWrapConfig {
		t.Fatal("test configuration did not change")
	}
	s := startWith(t, yaml)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	c := &agitest.Client{Call: agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: s.callID(), CallerID: "40000001"}}
	freed := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for len(s.waiting("1")) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(1300 * time.Millisecond) // one announcement
		_, err := s.store.SetStatus(context.Background(), "anna", routing.StatusAvailable, routing.Actor{Source: routing.SourceCLI, Name: "test"})
		freed <- err
	}()
	defer func() {
		if err := <-freed; err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Run(ctx, s.addr)
	if err != nil || res.Vars["SB_RESULT"] != "ok" || res.Vars["SB_WAITED"] != "1" {
		t.Fatalf("vars %v err %v", res.Vars, err)
	}
	got := strings.Join(res.Commands, "\n")
	want := "SET MUSIC OFF\nEXEC Playback sentralbord/plass-i-ko\nEXEC SayNumber 1\nSET MUSIC ON default"
	if !strings.Contains(got, want) {
		t.Fatalf("no announcement in the session:\n%s", got)
	}
	if strings.LastIndex(got, "SET MUSIC ON") > strings.LastIndex(got, "SET MUSIC OFF") {
		t.Fatalf("music left on after the wait:\n%s", got)
	}
}
