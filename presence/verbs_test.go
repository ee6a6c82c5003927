package presence

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

func TestVerbsAreIdempotentAndAudited(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	until := time.Date(2026, 12, 14, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		do      func() (bool, error)
		changed bool
	}{
		{"login when already logged in", func() (bool, error) { return s.Login(ctx, "f", cli) }, false},
		{"logout for vacation", func() (bool, error) { return s.Logout(ctx, "f", routing.ReasonFerie, until, cli) }, true},
		{"same logout again", func() (bool, error) { return s.Logout(ctx, "f", routing.ReasonFerie, until, cli) }, false},
		{"logout with another reason", func() (bool, error) { return s.Logout(ctx, "f", routing.ReasonPermisjon, until, cli) }, true},
		{"login", func() (bool, error) { return s.Login(ctx, "f", cli) }, true},
		{"status away", func() (bool, error) { return s.SetStatus(ctx, "f", routing.StatusAway, cli) }, true},
		{"status away again", func() (bool, error) { return s.SetStatus(ctx, "f", routing.StatusAway, cli) }, false},
	}
	for _, st := range steps {
		changed, err := st.do()
		if err != nil || changed != st.changed {
			t.Fatalf("%s: changed=%v err=%v; want changed=%v", st.name, changed, err, st.changed)
		}
	}
	entries, err := s.Audit(ctx, "f", 10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range entries {
		events = append(events, e.Event+":"+e.Detail)
		if e.Source != "cli" || e.Actor != "test" || e.Time.IsZero() {
			t.Errorf("entry %+v lacks source, actor or time", e)
		}
	}
	want := []string{"status:away", "login:", "logout:permisjon until 2026-12-14", "logout:ferie until 2026-12-14"}
	if len(events) != len(want) {
		t.Fatalf("audit events %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("audit events %v, want %v", events, want)
		}
	}
}

func TestLoggedOutOrAwayAgentIsNeverClaimed(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Logout(ctx, "e", routing.ReasonFri, time.Time{}, cli); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStatus(ctx, "f", routing.StatusDND, cli); err != nil {
		t.Fatal(err)
	}
	if a, err := claim(t, s, "x", "3"); !errors.Is(err, routing.ErrNoAgentAvailable) {
		t.Fatalf("claimed %q (%v) although e is logged out and f is dnd", a, err)
	}
	st := mustState(t, s, "e")
	if st.LoggedIn || st.LogoutReason != routing.ReasonFri || st.LogoutBy != "test" {
		t.Fatalf("state %+v", st)
	}
	if _, err := s.Login(ctx, "e", cli); err != nil {
		t.Fatal(err)
	}
	if a, err := claim(t, s, "y", "3"); err != nil || a != "e" {
		t.Fatalf("after login claimed %q, %v; want e", a, err)
	}
}

func TestUnknownAgentAndBadInputAreRefused(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Login(ctx, "nobody", cli); !errors.Is(err, routing.ErrUnknownAgent) {
		t.Errorf("login unknown: %v", err)
	}
	if _, err := s.Logout(ctx, "a", "sick", time.Time{}, cli); !errors.Is(err, routing.ErrInvalidReason) {
		t.Errorf("logout bad reason: %v", err)
	}
	if _, err := s.SetStatus(ctx, "a", "sleeping", cli); !errors.Is(err, routing.ErrInvalidStatus) {
		t.Errorf("bad status: %v", err)
	}
	if _, err := claim(t, s, "c", "9"); !errors.Is(err, routing.ErrUnknownLoop) {
		t.Errorf("unknown loop: %v", err)
	}
}

func TestSyncDropsAgentsRemovedFromALoop(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	// A stale member left in the index from an older configuration.
	if err := s.c.ZAdd(ctx, s.Key("ready:3"), redisZ(0, "a")).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	members, err := s.c.ZRange(ctx, s.Key("ready:3"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 2 || members[0] == "a" || members[1] == "a" {
		t.Fatalf("ready:3 = %v, want e and f only", members)
	}
}

func TestUnansweredRingsInARowSetTheAgentAway(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	ring := func(call string, st routing.DialStatus) {
		t.Helper()
		if _, err := s.SetStatus(ctx, "a", routing.StatusAvailable, cli); err != nil {
			t.Fatal(err)
		}
		for _, id := range []routing.AgentID{"b", "c", "d", "e"} {
			if _, err := s.SetStatus(ctx, id, routing.StatusLunch, cli); err != nil {
				t.Fatal(err)
			}
		}
		if a, err := claim(t, s, call, "1"); err != nil || a != "a" {
			t.Fatalf("claim %s: %q %v", call, a, err)
		}
		if err := s.Unclaim(ctx, routing.UnclaimRequest{Call: routing.CallID(call), Agent: "a", Tried: true, Status: st, MaxNoAnswer: 3, Actor: cli}); err != nil {
			t.Fatal(err)
		}
	}
	ring("c1", routing.DialNoAnswer)
	ring("c2", routing.DialNoAnswer)
	ring("c3", routing.DialBusy) // a busy phone is not a missed call: the count starts again
	ring("c4", routing.DialNoAnswer)
	ring("c5", routing.DialNoAnswer)
	if st := mustState(t, s, "a"); st.Status != routing.StatusAvailable {
		t.Fatalf("after 2 in a row: %+v", st)
	}
	ring("c6", routing.DialNoAnswer)
	st := mustState(t, s, "a")
	if st.Status != routing.StatusAway || st.StatusReason != "no answer" {
		t.Fatalf("after 3 in a row: status %q reason %q, want away (no answer)", st.Status, st.StatusReason)
	}
	if got := routing.Eligible(st, time.Now()); got != "status away (no answer)" {
		t.Fatalf("reason shown %q", got)
	}
	entries, err := s.Audit(ctx, "a", 1, 100)
	if err != nil || len(entries) == 0 || entries[0].Event != "status" || entries[0].Detail != "away (no answer 3 times in a row)" {
		t.Fatalf("audit %+v %v", entries, err)
	}
}
