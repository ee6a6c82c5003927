package presence

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

// BenchmarkClaimRelease measures one claim and its release on a loop of n
// agents against the test Redis. The cost must not grow with n: the claim
// reads the loop's ready index, never the whole membership.
func BenchmarkClaimRelease(b *testing.B) {
	for _, n := range []int{10, 1_000, 100_000} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			agents := make([]routing.Agent, n)
			ids := make([]routing.AgentID, n)
			for i := range agents {
				ids[i] = routing.AgentID(fmt.Sprintf("a%06d", i))
				agents[i] = routing.Agent{ID: ids[i], Name: string(ids[i])}
			}
			r, err := routing.NewRoster(agents, []routing.Loop{{ID: "1", Members: ids}})
			if err != nil {
				b.Fatal(err)
			}
			srv := redistest.Start(b)
			s := New(srv.Client(b), "bench", r)
			ctx := context.Background()
			if err := s.Sync(ctx); err != nil {
				b.Fatal(err)
			}
			actor := routing.Actor{Source: routing.SourceAGI, Name: "bench"}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				call := routing.CallID(fmt.Sprintf("c%d", i))
				c, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: call, Loop: "1", TTL: 30 * time.Second, Actor: actor})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.EndCall(ctx, call, actor); err != nil || c.Agent == "" {
					b.Fatal(err)
				}
			}
		})
	}
}
