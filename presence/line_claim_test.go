package presence

import (
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// lineReq is a claim that joins loop's line when nobody is free.
func lineReq(call, loop string) routing.ClaimRequest {
	return routing.ClaimRequest{Call: routing.CallID(call), Loop: routing.LoopID(loop), TTL: 30 * time.Second,
		Actor: routing.Actor{Source: routing.SourceAGI, Name: call}, Enqueue: true, Lease: time.Minute}
}

// lineScene fills loop 3 (e, f) with c1 and c2, puts c3 in line, then ends
// c1's call so that e is free again while c3 still waits.
func lineScene(t *testing.T) (*Store, context.Context) {
	t.Helper()
	s, clk := newStore(t)
	ctx := context.Background()
	for _, call := range []string{"c1", "c2"} {
		c, err := s.ClaimLongestIdle(ctx, lineReq(call, "3"))
		if err != nil || c.Agent == "" {
			t.Fatalf("claim %s = %+v, %v", call, c, err)
		}
		if err := s.Answer(ctx, routing.CallID(call), c.Agent, cli); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.ClaimLongestIdle(ctx, lineReq("c3", "3")); err != nil || c.Agent != "" || c.Position != 1 {
		t.Fatalf("c3 = %+v, %v; want first in line", c, err)
	}
	clk.Add(time.Second)
	if _, err := s.EndCall(ctx, "c1", cli); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute) // past the wrap-up
	return s, ctx
}

// A new call does not take the agent a caller already in line waits for,
// and finds that out without looking at every ready agent of the loop.
func TestNewCallDoesNotJumpTheLine(t *testing.T) {
	s, ctx := lineScene(t)
	stats := func() map[string]int {
		info, err := s.c.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, g := range regexp.MustCompile(`cmdstat_(\w+):calls=(\d+)`).FindAllStringSubmatch(info, -1) {
			m[g[1]], _ = strconv.Atoi(g[2])
		}
		return m
	}
	before := stats()
	c, err := s.ClaimLongestIdle(ctx, lineReq("c4", "3"))
	if err != nil || c.Agent != "" || c.Position != 2 {
		t.Fatalf("c4 = %+v, %v; want second in line behind c3", c, err)
	}
	after := stats()
	if len(before) == 0 {
		t.Skip("the Redis server keeps no command statistics")
	}
	// The call record, not the agents: one HMGET. Walking the ready set
	// would load each agent (HMGET) and read the line's head for each.
	if n := after["hmget"] - before["hmget"]; n != 1 {
		t.Errorf("claim behind the line made %d HMGETs, want 1 (no agent looked at)", n)
	}
	if c, err := s.ClaimLongestIdle(ctx, lineReq("c3", "3")); err != nil || c.Agent != "e" {
		t.Fatalf("c3 = %+v, %v; want e", c, err)
	}
}

// A caller in line who has already rung the free agent does not hold that
// agent back from a new call.
func TestCallerWhoRangAnAgentDoesNotHoldItBack(t *testing.T) {
	s, ctx := lineScene(t)
	if err := s.c.SAdd(ctx, s.Key("tried:c3"), "e").Err(); err != nil {
		t.Fatal(err)
	}
	if c, err := s.ClaimLongestIdle(ctx, lineReq("c4", "3")); err != nil || c.Agent != "e" {
		t.Fatalf("c4 = %+v, %v; want e (c3 has rung e)", c, err)
	}
}
