package presence

import (
	"context"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// A waiting caller whose service stopped renewing the place (a crash) is
// dropped from the line by the reaper every instance runs each second, so
// live callers behind it move up, and the drop is audited.
func TestWaitingCallerWhoseLeaseLapsedLeavesTheLine(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	for _, a := range []routing.AgentID{"e", "f"} {
		if _, err := s.SetStatus(ctx, a, routing.StatusLunch, cli); err != nil {
			t.Fatal(err)
		}
	}
	wait := func(call string) routing.Claim {
		t.Helper()
		c, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{
			Call: routing.CallID(call), Loop: "3", TTL: 30 * time.Second, Enqueue: true, Lease: 5 * time.Second,
			Actor: routing.Actor{Source: routing.SourceAGI, Name: call},
		})
		if err != nil || c.Agent != "" {
			t.Fatalf("%s: want a place in line, got %+v %v", call, c, err)
		}
		return c
	}
	if c := wait("crashed"); c.Position != 1 {
		t.Fatalf("first caller at %d", c.Position)
	}
	clk.Add(6 * time.Second)
	if _, err := s.Reap(ctx); err != nil {
		t.Fatal(err)
	}
	if c := wait("live"); c.Position != 1 {
		t.Errorf("live caller at %d behind a lapsed place, want 1", c.Position)
	}
	if n, err := s.c.ZCard(ctx, s.Key("wait:3")).Result(); err != nil || n != 1 {
		t.Errorf("line holds %d callers (%v), want 1", n, err)
	}
	entries, err := s.Audit(ctx, "", 20, 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || e.Call == "crashed" && e.Event == "wait-expired"
	}
	if !found {
		t.Error("no wait-expired audit entry for the lapsed caller")
	}
}
