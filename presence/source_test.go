package presence

import (
	"context"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// A call's own audit entries name the adapter it came through: a
// FreeSWITCH caller who leaves the line or asks to be called back is not
// recorded as an Asterisk (agi) one; an empty source still means agi.
func TestLineAndCallbackEntriesCarryTheCallsSource(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	for _, a := range []routing.AgentID{"e", "f"} {
		if _, err := s.SetStatus(ctx, a, routing.StatusLunch, cli); err != nil {
			t.Fatal(err)
		}
	}
	fs := routing.Actor{Source: routing.SourceFreeSWITCH, Name: "fs-1"}
	c, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{
		Call: "fs-1", Loop: "3", TTL: 30 * time.Second, Actor: fs, Enqueue: true, Lease: time.Minute,
	})
	if err != nil || c.Agent != "" || c.Position != 1 {
		t.Fatalf("not in line: %+v %v", c, err)
	}
	if _, ok, err := NewLine(s, nil).Leave(ctx, "fs-1", "3", "max wait", fs); !ok || err != nil {
		t.Fatalf("leave: %v %v", ok, err)
	}
	clk.Add(time.Second)
	if _, err := s.AddCallback(ctx, routing.Callback{Time: clk.Now(), Call: "fs-1", Loop: "3", Number: "40000001", Source: routing.SourceFreeSWITCH}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCallback(ctx, routing.Callback{Time: clk.Now(), Call: "agi-1", Loop: "3", Number: "40000002"}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Audit(ctx, "", 20, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"fs-1 left-line": "freeswitch", "fs-1 callback-requested": "freeswitch", "agi-1 callback-requested": "agi"}
	for _, e := range entries {
		k := e.Call + " " + e.Event
		src, ok := want[k]
		if !ok {
			continue
		}
		if e.Source != src || e.Actor != e.Call {
			t.Errorf("%s: source %q actor %q, want %q and the call", k, e.Source, e.Actor, src)
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("audit entries missing: %v", want)
	}
}
