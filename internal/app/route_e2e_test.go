package app_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/routing"
)

func TestRouteRingsTheLongestIdleAgent(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	s.set("dina", routing.StatusAway)
	s.set("emil", routing.StatusAway)
	// Each of the three free agents finishes a call, cato first.
	for _, id := range []routing.AgentID{"cato", "anna", "bente"} {
		call := routing.CallID("warmup-" + string(id))
		actor := routing.Actor{Source: routing.SourceAGI, Name: string(call)}
		if err := s.store.Answer(ctx, call, id, actor); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // distinct idle times in milliseconds
		if _, err := s.store.EndCall(ctx, call, actor); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"cato", "anna", "bente"} {
		v := s.route(s.callID(), "1", "90595313")
		if v["SB_RESULT"] != "ok" || v["SB_AGENT"] != want {
			t.Fatalf("route = %s/%s, want ok/%s (vars %v)", v["SB_RESULT"], v["SB_AGENT"], want, v)
		}
		if v["SB_DIAL"] != "PJSIP/"+extension(s, want) || v["SB_CALLERID_NUM"] != "90595313-111" || v["SB_TIMEOUT"] != "5" {
			t.Fatalf("variables %v", v)
		}
	}
	if v, hungUp := s.routeOrHangUp(s.callID(), "1", "90595313", 300*time.Millisecond); !hungUp || v["SB_AGENT"] != "" {
		t.Fatalf("fourth call = %v (hung up %v), want it waiting in line without an agent", v, hungUp)
	}
}

func extension(s *system, id string) string {
	a, _ := s.cfg.Roster().Agent(routing.AgentID(id))
	return a.Extension
}

func TestFiftyConcurrentCallsOnFiveAgents(t *testing.T) {
	s := start(t)
	var mu sync.Mutex
	ok, waited := map[string]int{}, 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Callers who find nobody wait in line; they give up after 2s.
			v, hungUp := s.routeOrHangUp(s.callID(), "1", "40000001", 2*time.Second)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case v["SB_RESULT"] == "ok":
				ok[v["SB_AGENT"]]++
			case hungUp && v["SB_RESULT"] == "":
				waited++
			default:
				t.Errorf("unexpected result %v (hung up %v)", v, hungUp)
			}
		}()
	}
	wg.Wait()
	if len(ok) != 5 || waited != 45 {
		t.Fatalf("ok %v, waited %d; want 5 distinct agents and 45 callers waiting", ok, waited)
	}
	for a, n := range ok {
		if n != 1 {
			t.Errorf("agent %s claimed by %d calls", a, n)
		}
	}
	if w := s.waiting("1"); len(w) != 0 {
		t.Fatalf("waiting line not empty after every caller hung up: %v", w)
	}
}

func TestAgentClaimedInOneLoopIsNotOfferedInAnother(t *testing.T) {
	s := start(t)
	for _, id := range []string{"anna", "bente", "cato", "dina"} {
		s.set(id, routing.StatusLunch)
	}
	if v := s.route(s.callID(), "1", "40000001"); v["SB_AGENT"] != "emil" {
		t.Fatalf("loop 1 call got %v, want emil", v)
	}
	if v := s.route(s.callID(), "3", "40000002"); v["SB_AGENT"] != "frida" || v["SB_CALLERID_NUM"] != "40000002-333" {
		t.Fatalf("loop 3 call got %v, want frida (emil is ringing for loop 1)", v)
	}
	if v, hungUp := s.routeOrHangUp(s.callID(), "3", "40000003", 300*time.Millisecond); !hungUp || v["SB_AGENT"] != "" {
		t.Fatalf("second loop 3 call got %v (hung up %v), want it waiting without an agent", v, hungUp)
	}
}

func TestHangupStartsWrapUpThenAgentIsEligibleAgain(t *testing.T) {
	s := start(t)
	for _, id := range []string{"anna", "bente", "cato", "dina"} {
		s.set(id, routing.StatusLunch)
	}
	call := s.callID()
	v := s.route(call, "1", "40000001")
	if v["SB_AGENT"] != "emil" {
		t.Fatalf("route: %v", v)
	}
	before := s.state("emil").IdleSince
	if r := s.dialResult(call, "emil", "ANSWER"); r["SB_RESULT"] != "ok" {
		t.Fatalf("dialresult: %v", r)
	}
	if st := s.state("emil"); st.OnCall != routing.CallID(call) {
		t.Fatalf("after ANSWER the agent is not on the call: %+v", st)
	}
	if r := s.route(s.callID(), "3", "40000002"); r["SB_AGENT"] == "emil" {
		t.Fatal("agent on a call was offered to another loop")
	}
	if r := s.hangup(call); r["SB_RESULT"] != "ok" {
		t.Fatalf("hangup: %v", r)
	}
	st := s.state("emil")
	if st.OnCall != "" || !st.IdleSince.After(before) || st.WrapUntil.Sub(st.IdleSince) != time.Second {
		t.Fatalf("after hangup: %+v; want off the call, a new idle time and 1s wrap-up", st)
	}
	// A caller during wrap-up waits in line and gets the agent once it ends.
	r := s.route(s.callID(), "1", "40000003")
	if r["SB_AGENT"] != "emil" || time.Now().Before(st.WrapUntil) {
		t.Fatalf("during wrap-up: %v at %v, want emil once wrap-up ends at %v", r, time.Now(), st.WrapUntil)
	}
}

func TestNoAnswerSkipsTheAgentOnRetry(t *testing.T) {
	s := start(t)
	call := s.callID()
	seen := map[string]bool{}
	for i := range 5 {
		v := s.route(call, "1", "40000001")
		if v["SB_RESULT"] != "ok" || seen[v["SB_AGENT"]] {
			t.Fatalf("try %d: %v (already tried: %v)", i, v, seen)
		}
		seen[v["SB_AGENT"]] = true
		if r := s.dialResult(call, v["SB_AGENT"], "NOANSWER"); r["SB_RESULT"] != "ok" {
			t.Fatalf("dialresult: %v", r)
		}
	}
	if v, hungUp := s.routeOrHangUp(call, "1", "40000001", 300*time.Millisecond); !hungUp || v["SB_AGENT"] != "" {
		t.Fatalf("after all five were tried: %v, want the caller waiting without an agent", v)
	}
	// The agents who did not answer are free for other calls.
	if v := s.route(s.callID(), "1", "40000002"); v["SB_RESULT"] != "ok" {
		t.Fatalf("another call: %v", v)
	}
}

func TestVanishedCallReleasesItsClaimByItself(t *testing.T) {
	t.Parallel()
	s := start(t, withClaimMargin(time.Millisecond))
	v := s.route(s.callID(), "3", "40000001") // ring timeout 5s: the claim lives ~5s
	agent := v["SB_AGENT"]
	if agent == "" {
		t.Fatalf("route: %v", v)
	}
	if !s.state(agent).Claimed(time.Now()) {
		t.Fatal("agent not claimed")
	}
	deadline := time.Now().Add(9 * time.Second)
	for s.state(agent).ClaimedBy != "" {
		if time.Now().After(deadline) {
			t.Fatalf("claim of %s still held 9s after a 5s ring timeout", agent)
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, err := s.store.Audit(context.Background(), routing.AgentID(agent), 1, 100)
	if err != nil || len(entries) != 1 || entries[0].Event != "claim-expired" {
		t.Fatalf("audit %+v %v", entries, err)
	}
}

func withClaimMargin(d time.Duration) func(*app.Options) {
	return func(o *app.Options) { o.ClaimMargin = d }
}

func TestMalformedClientsDoNotStopTheServer(t *testing.T) {
	s := start(t)
	for i, garbage := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "agi_network: yes\nagi_req", "\x00\x01\x02\n\n"} {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(garbage)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			_ = c.(*net.TCPConn).CloseWrite() // truncated environment
		}
		_ = c.SetReadDeadline(time.Now().Add(6 * time.Second))
		if n, err := c.Read(make([]byte, 64)); err == nil {
			t.Errorf("server answered %d bytes to garbage %q instead of closing", n, garbage)
		}
		c.Close()
	}
	if v := s.route(s.callID(), "1", "40000001"); v["SB_RESULT"] != "ok" {
		t.Fatalf("route after garbage: %v", v)
	}
	logs := s.log.String()
	if strings.Count(logs, "connection closed") < 3 {
		t.Fatalf("want a log line per bad connection, got:\n%s", logs)
	}
}
