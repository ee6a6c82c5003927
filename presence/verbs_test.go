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
