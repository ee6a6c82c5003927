package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

func TestFSRingsTheLongestIdleAgentWithTaggedCallerID(t *testing.T) {
	s := startFS(t, testConfig)
	ctx := context.Background()
	s.set("dina", routing.StatusAway)
	s.set("emil", routing.StatusAway)
	for _, id := range []routing.AgentID{"cato", "anna", "bente"} {
		call := routing.CallID("warmup-" + string(id))
		actor := routing.Actor{Source: routing.SourceAGI, Name: string(call)}
		if err := s.store.Answer(ctx, call, id, actor); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		if _, err := s.store.EndCall(ctx, call, actor); err != nil {
			t.Fatal(err)
		}
	}
	var calls []*fstest.Call
	for _, want := range []string{"cato", "anna", "bente"} {
		c := s.fsCall(s.callID(), "1", "90595313", answer)
		calls = append(calls, c)
		if got := bridgedTo(t, c); got != want {
			t.Fatalf("bridged to %s, want %s", got, want)
		}
		arg := c.Bridges()[0]
		for _, part := range []string{"origination_caller_id_number=90595313-111", "call_timeout=5", "}user/" + extension(s.system, want)} {
			if !strings.Contains(arg, part) {
				t.Fatalf("bridge %q lacks %q", arg, part)
			}
		}
		if !until(time.Second, func() bool { return s.state(want).OnCall == routing.CallID(c.Channel.UUID) }) {
			t.Fatalf("%s not on the call after the bridge: %+v", want, s.state(want))
		}
	}
	// Nobody left: the next caller waits in line on music.
	next := s.fsCall(s.callID(), "1", "90595313", answer)
	s.awaitWaiting("1", 1)
	// The first caller hangs up: cato is off the call within a second, and
	// after the wrap-up goes to the waiting caller.
	at := hangUp(t, calls[0])
	if !until(time.Second, func() bool { return s.state("cato").OnCall == "" }) {
		t.Fatalf("cato still on the call 1s after the hangup: %+v", s.state("cato"))
	}
	t.Logf("released %v after the hangup", time.Since(at).Round(time.Millisecond))
	if got := bridgedTo(t, next); got != "cato" {
		t.Fatalf("waiting caller bridged to %s, want cato", got)
	}
	for _, c := range append(calls[1:], next) {
		hangUp(t, c)
	}
}

func TestFSNoAnswerRingsTheNextAgent(t *testing.T) {
	s := startFS(t, testConfig)
	n := 0
	c := s.fsCall(s.callID(), "1", "90595313", func(string) fstest.Outcome {
		n++
		if n == 1 {
			return fstest.Outcome{DialStatus: "NOANSWER", Ring: 20 * time.Millisecond}
		}
		return fstest.Outcome{Answer: true}
	})
	second := bridgedTo(t, c)
	b := c.Bridges()
	first := agentOf(b[0])
	if len(b) != 2 || first == second {
		t.Fatalf("bridges %v", b)
	}
	if st := s.state(first); st.ClaimedBy != "" || st.OnCall != "" {
		t.Fatalf("agent who did not answer still held: %+v", st)
	}
	hangUp(t, c)
}

func TestFSWaitingCallerHearsMusicUntilAnAgentFrees(t *testing.T) {
	s := startFS(t, noWrapConfig)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	s.awaitWaiting("1", 1)
	if !until(time.Second, func() bool { return slices.Contains(c.Apps(), "playback local_stream://moh") }) {
		t.Fatalf("no music on hold while waiting: %v", c.Apps())
	}
	s.set("bente", routing.StatusAvailable)
	if got := bridgedTo(t, c); got != "bente" {
		t.Fatalf("bridged to %s, want bente", got)
	}
	hangUp(t, c)
	if !until(time.Second, func() bool { return s.state("bente").OnCall == "" }) {
		t.Fatalf("bente still on the call: %+v", s.state("bente"))
	}
}

func TestFSCallerWhoHangsUpWhileWaitingLeavesTheLine(t *testing.T) {
	s := startFS(t, noWrapConfig)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	s.awaitWaiting("1", 1)
	at := hangUp(t, c)
	if !until(time.Second, func() bool { return len(s.waiting("1")) == 0 }) {
		t.Fatalf("caller still in line 1s after hanging up")
	}
	t.Logf("caller left the line %v after hanging up", time.Since(at).Round(time.Millisecond))
	s.set("anna", routing.StatusAvailable)
	time.Sleep(200 * time.Millisecond)
	if st := s.state("anna"); st.ClaimedBy != "" || st.OnCall != "" {
		t.Fatalf("an agent went to a caller who had hung up: %+v", st)
	}
}
