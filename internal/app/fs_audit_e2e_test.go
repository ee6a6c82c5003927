package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/routing"
)

// A FreeSWITCH call's claim, answer and release are in the audit stream
// with source freeswitch, not agi.
func TestFSCallIsAuditedAsFreeSWITCH(t *testing.T) {
	s := startFS(t, noWrapConfig)
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	agent := bridgedTo(t, c)
	hangUp(t, c)
	s.releasedWithin(t, agent, time.Second)
	entries, err := s.store.Audit(context.Background(), "", 50, 200)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range entries {
		if e.Call != c.Channel.UUID {
			continue
		}
		events = append(events, e.Event)
		if e.Source != string(routing.SourceFreeSWITCH) || e.Actor != c.Channel.UUID {
			t.Errorf("audit entry %s: source %q actor %q, want freeswitch and the call", e.Event, e.Source, e.Actor)
		}
	}
	if len(events) < 3 {
		t.Fatalf("audit of the call: %v, want its claim, answer and release", events)
	}
}

func TestFSWaitingCallerHearsTheirPlaceInLine(t *testing.T) {
	yaml := strings.Replace(noWrapConfig, "ring_timeout: 5s, wrap_up: 0s,\n     members: [anna", "ring_timeout: 5s, wrap_up: 0s, announce: 1s,\n     members: [anna", 1)
	if yaml == noWrapConfig {
		t.Fatal("test configuration did not change")
	}
	s := startFS(t, yaml)
	for _, id := range []string{"anna", "bente", "cato", "dina", "emil"} {
		s.set(id, routing.StatusLunch)
	}
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	s.awaitWaiting("1", 1)
	time.Sleep(1300 * time.Millisecond) // one announcement
	s.set("anna", routing.StatusAvailable)
	if got := bridgedTo(t, c); got != "anna" {
		t.Fatalf("bridged to %s, want anna", got)
	}
	apps := c.Apps()
	place, _ := outbound.PlaceAnnouncement(1)
	i := slices.Index(apps, "playback "+place)
	if i < 0 || i+1 >= len(apps) || apps[i+1] != "playback "+outbound.DefaultMusic {
		t.Fatalf("no announcement of place 1 while waiting: %q", apps)
	}
	hangUp(t, c)
}
