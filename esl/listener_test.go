package esl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

func lastAudit(t *testing.T, s *presence.Store, agent string) presence.AuditEntry {
	t.Helper()
	es, err := s.Audit(context.Background(), routing.AgentID(agent), 1, 1000)
	if err != nil || len(es) == 0 {
		t.Fatalf("no audit entry for %s: %v", agent, err)
	}
	return es[0]
}

func TestEachEventTypeChangesTheRightAgent(t *testing.T) {
	for _, format := range []string{"plain", "json"} {
		t.Run(format, func(t *testing.T) { testEventTypes(t, format) })
	}
}

func testEventTypes(t *testing.T, format string) {
	fake := esltest.Start(t)
	fake.SetRegistration("2101", "reg-a")
	fake.SetRegistration("2102", "reg-b")
	fake.SetRegistration("2103", "reg-c")
	fake.SetRegistration("2104", "reg-d")
	fake.SetRegistration("1000", "reg-e")
	store, r := newPresence(t)
	l, _ := run(t, fake, store, r, Node{Registrations: true, Callcenter: true}, Options{Format: format})
	waitSynced(t, l, 5*time.Second)
	wait := func(what, agent string, cond func(routing.AgentState) bool) {
		t.Helper()
		eventually(t, 3*time.Second, what, func() bool { return cond(state(t, store, agent)) })
		if a := lastAudit(t, store, agent); a.Source != "esl" || a.Actor != "fs1" {
			t.Fatalf("%s: audit %+v, want source esl actor fs1", what, a)
		}
	}
	steps := []struct {
		name  string
		ev    esltest.Event
		agent string
		want  func(routing.AgentState) bool
	}{
		{"answer puts the agent on a direct call", esltest.Channel("CHANNEL_ANSWER", "u-1", "2101", "inbound"), "anna",
			func(s routing.AgentState) bool { return s.DirectCall }},
		{"hangup complete frees the agent", esltest.Channel("CHANNEL_HANGUP_COMPLETE", "u-1", "2101", "inbound"), "anna",
			func(s routing.AgentState) bool { return !s.DirectCall }},
		{"bridge counts as a call", esltest.Channel("CHANNEL_BRIDGE", "u-2", "2102", "outbound"), "bjorn",
			func(s routing.AgentState) bool { return s.DirectCall }},
		{"unregister makes the phone unreachable", esltest.Registration("sofia::unregister", "2103", "reg-c"), "cato",
			func(s routing.AgentState) bool { return s.Unreachable }},
		{"register makes it reachable", esltest.Registration("sofia::register", "2103", "reg-c2"), "cato",
			func(s routing.AgentState) bool { return !s.Unreachable }},
		{"expire makes it unreachable", esltest.Registration("sofia::expire", "2103", "reg-c2"), "cato",
			func(s routing.AgentState) bool { return s.Unreachable }},
		{"callcenter logged out", esltest.Callcenter("agent-status-change", "1000@default", "Logged Out"), "eli",
			func(s routing.AgentState) bool { return !s.LoggedIn && s.LogoutReason == routing.ReasonFri }},
		{"callcenter available", esltest.Callcenter("agent-status-change", "1000@default", "Available"), "eli",
			func(s routing.AgentState) bool { return s.LoggedIn && s.Status == routing.StatusAvailable }},
		{"callcenter on break", esltest.Callcenter("agent-status-change", "1000@default", "On Break"), "eli",
			func(s routing.AgentState) bool { return s.Status == routing.StatusAway }},
		{"callcenter in a queue call", esltest.Callcenter("agent-state-change", "1000@default", "In a queue call"), "eli",
			func(s routing.AgentState) bool { return s.DirectCall }},
		{"callcenter waiting", esltest.Callcenter("agent-state-change", "1000@default", "Waiting"), "eli",
			func(s routing.AgentState) bool { return !s.DirectCall }},
		{"feature code status", esltest.Status("2104", "status", "lunch"), "dina",
			func(s routing.AgentState) bool { return s.Status == routing.StatusLunch }},
		{"feature code logout", esltest.Status("2104", "logout", "permisjon"), "dina",
			func(s routing.AgentState) bool { return !s.LoggedIn && s.LogoutReason == routing.ReasonPermisjon }},
		{"feature code login", esltest.Status("2104", "login", ""), "dina",
			func(s routing.AgentState) bool { return s.LoggedIn }},
	}
	for _, st := range steps {
		fake.Fire(st.ev)
		wait(st.name, st.agent, st.want)
	}
	if s := state(t, store, "anna"); s.DirectCall || s.Unreachable {
		t.Fatalf("anna: %+v", s)
	}
}

func TestResyncOnConnectDropsWhatEndedAndKeepsWhatRuns(t *testing.T) {
	fake := esltest.Start(t)
	store, r := newPresence(t)
	ctx := context.Background()
	actor := routing.Actor{Source: routing.SourceESL, Name: "fs1"}
	// Before the listener starts, Redis believes anna and bjorn are on calls.
	for _, c := range [][2]string{{"anna", "gone"}, {"bjorn", "still"}} {
		if _, err := store.PhoneCall(ctx, routing.AgentID(c[0]), c[1], true, routing.EventOrder{}, actor); err != nil {
			t.Fatal(err)
		}
	}
	fake.SetChannel("still", "2102", "inbound")
	fake.SetRegistration("2101", "reg-a")
	l, _ := run(t, fake, store, r, Node{Registrations: true}, Options{})
	waitSynced(t, l, 5*time.Second)
	if s := state(t, store, "anna"); s.DirectCall || s.Unreachable {
		t.Fatalf("anna after resync: %+v, want free and reachable", s)
	}
	if s := state(t, store, "bjorn"); !s.DirectCall || !s.Unreachable {
		t.Fatalf("bjorn after resync: %+v, want on call and unreachable (no registration)", s)
	}
}

func TestWrongPasswordIsAClearErrorAndRetried(t *testing.T) {
	fake := esltest.Start(t)
	store, r := newPresence(t)
	l, _ := run(t, fake, store, r, Node{Password: "WrongPassword"}, Options{AuthBackoff: 50 * time.Millisecond})
	eventually(t, 3*time.Second, "two refused attempts", func() bool { return l.Statuses()[0].Reconnects >= 2 })
	s := l.Statuses()[0]
	if s.Connected || !strings.Contains(s.LastError, "refused the password") || !strings.Contains(s.LastError, "-ERR invalid") {
		t.Fatalf("status %+v, want a refused password", s)
	}
}

func TestSilentNodeTimesOutWithoutHanging(t *testing.T) {
	fake := esltest.Start(t)
	fake.SetSilent(true)
	store, r := newPresence(t)
	start := time.Now()
	l, cancel := run(t, fake, store, r, Node{}, Options{DialTimeout: 300 * time.Millisecond, MinBackoff: 10 * time.Millisecond})
	eventually(t, 3*time.Second, "a failed attempt", func() bool { return l.Statuses()[0].Reconnects >= 1 })
	if s := l.Statuses()[0]; !strings.Contains(s.LastError, "sent nothing") {
		t.Fatalf("status %+v, want a silent-node error", s)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("first attempt took %s", took)
	}
	cancel()
}
