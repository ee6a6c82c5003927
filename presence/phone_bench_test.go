package presence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

// phoneEvents makes n events for agents like a busy node's: calls answered
// and ended, registrations, statuses, in increasing Event-Sequence; fact
// 0 mixes them, 5:3:2.
func phoneEvents(rng *rand.Rand, agents []routing.AgentID, seq *uint64, n int, fact routing.PhoneFact) []routing.PhoneEvent {
	out := make([]routing.PhoneEvent, n)
	for i := range out {
		*seq++
		a := agents[rng.IntN(len(agents))]
		e := routing.PhoneEvent{Agent: a, At: routing.EventOrder{Core: "bench", Seq: *seq, Time: time.UnixMicro(int64(*seq))}}
		r := rng.IntN(10)
		switch fact {
		case routing.PhoneCallFact:
			r = 0
		case routing.PhoneRegFact:
			r = 5
		case routing.PhoneStatusFact:
			r = 9
		}
		switch {
		case r < 5:
			e.Fact, e.ID, e.Up = routing.PhoneCallFact, fmt.Sprintf("%s-c%d", a, rng.IntN(2)), rng.IntN(2) == 0
		case r < 8:
			e.Fact, e.ID, e.Up = routing.PhoneRegFact, fmt.Sprintf("%s-r%d", a, rng.IntN(2)), rng.IntN(3) != 0
		default:
			e.Fact, e.Change = routing.PhoneStatusFact, routing.PhoneChange{Status: routing.Statuses[rng.IntN(len(routing.Statuses))]}
		}
		out[i] = e
	}
	return out
}

// BenchmarkPhoneBatch measures recording phone events in Redis, by how
// many go in one PhoneBatch and of which kind, over 1,000 agents. Compare
// ns/event: batch=1 is the cost of one event per round trip.
func BenchmarkPhoneBatch(b *testing.B) {
	type run struct {
		name  string
		batch int
		fact  routing.PhoneFact
	}
	runs := []run{{"mix/batch=1", 1, 0}, {"mix/batch=64", 64, 0}, {"mix/batch=256", 256, 0}, {"mix/batch=1024", 1024, 0},
		{"call/batch=256", 256, routing.PhoneCallFact}, {"reg/batch=256", 256, routing.PhoneRegFact}, {"status/batch=256", 256, routing.PhoneStatusFact}}
	for _, r := range runs {
		batch := r.batch
		b.Run(r.name, func(b *testing.B) {
			s, ids := phoneStore(b, 1000)
			ctx := context.Background()
			actor := routing.Actor{Source: routing.SourceESL, Name: "fs1"}
			rng := rand.New(rand.NewPCG(1, uint64(batch)))
			var seq uint64
			batches := make([][]routing.PhoneEvent, 64)
			for i := range batches {
				batches[i] = phoneEvents(rng, ids, &seq, batch, r.fact)
			}
			if err := s.c.ConfigResetStat(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				evs := batches[i%len(batches)]
				if i%len(batches) == 0 && i > 0 {
					b.StopTimer() // newer events, or the store would find them all stale
					for j := range batches {
						batches[j] = phoneEvents(rng, ids, &seq, batch, r.fact)
					}
					evs = batches[0]
					b.StartTimer()
				}
				if _, err := s.PhoneBatch(ctx, evs, actor); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/event")
			micros, calls := scriptStats(b, s)
			b.ReportMetric(micros*1e3/float64(b.N*batch), "redis-ns/event")
			b.ReportMetric(calls/float64(b.N*batch), "commands/event")
		})
	}
}

func phoneStore(b *testing.B, n int) (*Store, []routing.AgentID) {
	b.Helper()
	agents := make([]routing.Agent, n)
	ids := make([]routing.AgentID, n)
	for i := range agents {
		ids[i] = routing.AgentID(fmt.Sprintf("a%06d", i))
		agents[i] = routing.Agent{ID: ids[i], Name: string(ids[i]), Extension: fmt.Sprint(100000 + i)}
	}
	r, err := routing.NewRoster(agents, []routing.Loop{{ID: "1", Members: ids}})
	if err != nil {
		b.Fatal(err)
	}
	s := New(redistest.Start(b).Client(b), "bench", r)
	if err := s.Sync(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, ids
}

// scriptStats reads INFO commandstats since the last CONFIG RESETSTAT:
// the microseconds Redis spent running scripts, the part of the cost that
// is Redis's alone, and the commands the scripts ran, which do not depend
// on the machine at all.
func scriptStats(b *testing.B, s *Store) (micros, commands float64) {
	info, err := s.c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		script := name == "cmdstat_evalsha" || name == "cmdstat_eval"
		for _, f := range strings.Split(stats, ",") {
			k, v, _ := strings.Cut(f, "=")
			n, _ := strconv.ParseFloat(v, 64)
			switch {
			case script && k == "usec":
				micros += n
			case !script && k == "calls" && !strings.HasPrefix(name, "cmdstat_config") && name != "cmdstat_info":
				commands += n
			}
		}
	}
	return micros, commands
}
