package presence

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

// scaleRoster spreads n agents over loops loops: with at least as many agents
// as loops each agent is in one loop (agent i in loop i mod loops); with
// fewer, each loop has one agent and each agent is in loops/n loops.
func scaleRoster(b *testing.B, n, loops int) *routing.Roster {
	b.Helper()
	agents := make([]routing.Agent, n)
	members := make([][]routing.AgentID, loops)
	for i := range agents {
		id := routing.AgentID(fmt.Sprintf("a%06d", i))
		agents[i] = routing.Agent{ID: id, Name: string(id), AsteriskDial: "PJSIP/" + strconv.Itoa(100000+i)}
		if n >= loops {
			members[i%loops] = append(members[i%loops], id)
		}
	}
	if n < loops {
		for l := range members {
			members[l] = []routing.AgentID{agents[l%n].ID}
		}
	}
	ls := make([]routing.Loop, loops)
	for l := range ls {
		ls[l] = routing.Loop{ID: routing.LoopID(strconv.Itoa(l + 1)), Members: members[l], RingTimeout: 20 * time.Second}
	}
	r, err := routing.NewRoster(agents, ls)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func scaleStore(b *testing.B, n, loops int) (*Store, *routing.Roster) {
	b.Helper()
	r := scaleRoster(b, n, loops)
	s := New(redistest.Start(b).Client(b), "bench", r)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := s.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	return s, r
}

var scales = []struct{ agents, loops int }{
	{10, 1}, {1_000, 1}, {100_000, 1},
	{10, 1_000}, {1_000, 1_000}, {100_000, 1_000},
}

// BenchmarkScaleClaim is the claim script and its release (the end-call
// script) on one loop, calls cycling through the loops, at 10, 1,000 and
// 100,000 agents in 1 and 1,000 loops. The claim reads the loop's ready
// index and the agent's loops, never the whole membership: within a loop
// count the cost must stay flat as agents grow.
func BenchmarkScaleClaim(b *testing.B) {
	for _, sc := range scales {
		b.Run(fmt.Sprintf("agents=%d/loops=%d", sc.agents, sc.loops), func(b *testing.B) {
			s, _ := scaleStore(b, sc.agents, sc.loops)
			ctx := context.Background()
			actor := routing.Actor{Source: routing.SourceAGI, Name: "bench"}
			i := 0
			for b.Loop() {
				call := routing.CallID("c" + strconv.Itoa(i))
				loop := routing.LoopID(strconv.Itoa(i%sc.loops + 1))
				i++
				c, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: call, Loop: loop, TTL: 30 * time.Second, Actor: actor})
				if err != nil || c.Agent == "" {
					b.Fatalf("claim: %v %+v", err, c)
				}
				if _, err := s.EndCall(ctx, call, actor); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScaleRoute is the whole decision as the FastAGI route request
// makes it: routing.Service.Route (loop lookup, claim with the eligibility
// rules in the script, the eligibility hooks: calendar, reachability) and
// the release of the hangup request.
func BenchmarkScaleRoute(b *testing.B) {
	for _, sc := range scales {
		b.Run(fmt.Sprintf("agents=%d/loops=%d", sc.agents, sc.loops), func(b *testing.B) {
			s, r := scaleStore(b, sc.agents, sc.loops)
			svc := routing.NewService(r, s, nil)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				call := routing.CallID("c" + strconv.Itoa(i))
				loop := routing.LoopID(strconv.Itoa(i%sc.loops + 1))
				i++
				d, err := svc.Route(ctx, routing.RouteRequest{Call: call, Loop: loop, CallerNumber: "90595313", Language: "no"})
				if err != nil || d.Result != routing.ResultOK {
					b.Fatalf("route: %v %+v", err, d)
				}
				if _, err := svc.Hangup(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScaleClaimBehindLine is a new call's claim while a caller who
// came first waits in the loop's line and every agent is free, as when
// agents come free faster than waiting callers take them (under
// overload): the claim finds no agent it may take. At 10, 1,000 and
// 100,000 agents in one loop its cost must stay flat.
func BenchmarkScaleClaimBehindLine(b *testing.B) {
	for _, n := range []int{10, 1_000, 100_000} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			s, _ := scaleStore(b, n, 1)
			ctx := context.Background()
			if err := s.c.ZAdd(ctx, s.Key("wait:1"), redis.Z{Score: 1, Member: "waiting"}).Err(); err != nil {
				b.Fatal(err)
			}
			actor := routing.Actor{Source: routing.SourceAGI, Name: "bench"}
			i := 0
			for b.Loop() {
				call := routing.CallID("c" + strconv.Itoa(i))
				i++
				if _, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: call, Loop: "1", TTL: 30 * time.Second, Actor: actor}); !errors.Is(err, routing.ErrNoAgentAvailable) {
					b.Fatalf("claim behind the line: %v, want ErrNoAgentAvailable", err)
				}
			}
		})
	}
}
