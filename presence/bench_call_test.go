package presence

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// BenchmarkCallScripts is one routed call as Redis sees it: the claim, the
// answer and the end-call script, each reported as the Redis commands it
// runs, Redis's own time for it (µs, INFO commandstats: wall time, which
// grows when other processes hold the cores) and the processor time of
// Redis's main thread per script, its request and reply included (INFO
// cpu: what the script costs the one thread every call shares).
func BenchmarkCallScripts(b *testing.B) {
	s, r := scaleStore(b, 2_000, 1)
	ctx := context.Background()
	loop := r.Loops()[0]
	actor := routing.Actor{Source: routing.SourceAGI, Name: "bench"}
	phases := []struct {
		name string
		run  func(call routing.CallID, agent routing.AgentID) (routing.AgentID, error)
	}{
		{"claim", func(call routing.CallID, _ routing.AgentID) (routing.AgentID, error) {
			c, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: call, Loop: loop.ID, TTL: time.Minute, Actor: actor})
			return c.Agent, err
		}},
		{"answer", func(call routing.CallID, agent routing.AgentID) (routing.AgentID, error) {
			return agent, s.Answer(ctx, call, agent, actor)
		}},
		{"endcall", func(call routing.CallID, agent routing.AgentID) (routing.AgentID, error) {
			a, err := s.EndCall(ctx, call, actor)
			if err == nil && a != agent {
				err = fmt.Errorf("end call released %q, want %q", a, agent)
			}
			return a, err
		}},
	}
	micros := make([]float64, len(phases))
	commands := make([]float64, len(phases))
	cpu := make([]float64, len(phases))
	const batch = 500 // calls in flight at once: fewer than agents
	agents := make([]routing.AgentID, batch)
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		for p, ph := range phases {
			if err := s.c.ConfigResetStat(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			cpu0 := redisMainCPU(b, s)
			for i := range n {
				a, err := ph.run(routing.CallID(fmt.Sprintf("c%d", done+i)), agents[i])
				if err != nil {
					b.Fatalf("%s: %v", ph.name, err)
				}
				agents[i] = a
			}
			cpu[p] += redisMainCPU(b, s) - cpu0
			us, cmds := scriptStats(b, s)
			micros[p] += us
			commands[p] += cmds
		}
	}
	for p, ph := range phases {
		b.ReportMetric(micros[p]/float64(b.N), ph.name+"-µs")
		b.ReportMetric(commands[p]/float64(b.N), ph.name+"-cmds")
		b.ReportMetric(cpu[p]/float64(b.N), ph.name+"-cpu-µs")
	}
}

// redisMainCPU is the processor time (µs, user and system) Redis's main
// thread has used so far.
func redisMainCPU(b *testing.B, s *Store) float64 {
	info, err := s.c.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_sys_main_thread" || k == "used_cpu_user_main_thread") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("INFO cpu %s: %v", k, err)
			}
			total += f * 1e6
		}
	}
	return total
}
