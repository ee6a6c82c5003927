package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// soakConfig: ten agents over three overlapping loops, no wrap-up. The
// decision budget is generous: these tests are about double bookings and
// stuck agents on a machine shared with the race detector, not latency
// (the degraded-mode tests hold the budget).
const soakConfig = `
switchboard: "3"
english_key: "9"
server: {decision_budget: 3s}
agents:
  - {id: a0, name: A0, extension: "3000"}
  - {id: a1, name: A1, extension: "3001"}
  - {id: a2, name: A2, extension: "3002"}
  - {id: a3, name: A3, extension: "3003"}
  - {id: a4, name: A4, extension: "3004"}
  - {id: a5, name: A5, extension: "3005"}
  - {id: a6, name: A6, extension: "3006"}
  - {id: a7, name: A7, extension: "3007"}
  - {id: a8, name: A8, extension: "3008"}
  - {id: a9, name: A9, extension: "3009"}
loops:
  - {id: "1", name: L1, tag: "111", wrap_up: 0s, max_wait: 1m, members: [a0, a1, a2, a3, a4]}
  - {id: "2", name: L2, tag: "222", wrap_up: 0s, max_wait: 1m, members: [a3, a4, a5, a6, a7]}
  - {id: "3", name: L3, tag: "333", wrap_up: 0s, max_wait: 1m, members: [a6, a7, a8, a9, a0]}
`

// soak runs n concurrent callers: each routes (waiting in line when nobody
// is free), and when given an agent either answers (talks 5–40 ms, hangs up)
// or finds the phone busy and routes again; some give up while waiting. It
// checks that no agent is ever given to two callers at once and that every
// caller ends connected, hung up or sent to the fallback.
func soak(t *testing.T, s *system, n int, during func()) (connected, gaveUp, fellBack int64) {
	t.Helper()
	var mu sync.Mutex
	holder := map[string]string{}
	var doubles atomic.Int64
	take := func(agent, call string) {
		mu.Lock()
		defer mu.Unlock()
		if other, busy := holder[agent]; busy {
			doubles.Add(1)
			t.Errorf("agent %s given to %s while still with %s", agent, call, other)
		}
		holder[agent] = call
	}
	free := func(agent string) {
		mu.Lock()
		defer mu.Unlock()
		delete(holder, agent)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			call := fmt.Sprintf("1795%06d.%d", i, i)
			loop := []string{"1", "2", "3"}[i%3]
			patience := time.Duration(2000+rng.IntN(20000)) * time.Millisecond
			for attempt := 0; ; attempt++ {
				v, hungUp := s.routeOrHangUp(call, loop, "40000001", patience)
				switch {
				case hungUp && v["SB_RESULT"] == "":
					s.hangup(call)
					atomic.AddInt64(&gaveUp, 1)
					gaveUpCalls.Store(call, true)
					return
				case v["SB_RESULT"] != "ok":
					s.hangup(call) // error, none: the dialplan's fallback takes the caller
					atomic.AddInt64(&fellBack, 1)
					return
				}
				agent := v["SB_AGENT"]
				take(agent, call)
				if rng.IntN(100) < 15 && attempt < 3 {
					free(agent)
					s.dialResult(call, agent, "BUSY")
					continue
				}
				s.request(agitest.Call{Request: "dialresult", Args: []string{agent, "ANSWER", call}, UniqueID: "agent-" + call})
				time.Sleep(time.Duration(5+rng.IntN(35)) * time.Millisecond)
				free(agent)
				s.hangup(call)
				atomic.AddInt64(&connected, 1)
				return
			}
		}()
	}
	if during != nil {
		during()
	}
	wg.Wait()
	if doubles.Load() != 0 {
		t.Fatalf("%d double bookings", doubles.Load())
	}
	return connected, gaveUp, fellBack
}

var gaveUpCalls sync.Map

func (s *system) checkQuiet(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var problems []string
		for _, l := range []string{"1", "2", "3"} {
			if w := s.waiting(l); len(w) > 0 {
				problems = append(problems, fmt.Sprintf("loop %s still has %d waiting", l, len(w)))
			}
		}
		for i := range 10 {
			id := fmt.Sprintf("a%d", i)
			if r := routing.Eligible(s.state(id), time.Now()); r != "" {
				problems = append(problems, id+": "+r)
			}
		}
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not quiet after the run:\n%s", strings.Join(problems, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestThousandConcurrentCallsOnTenAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	s := startWith(t, soakConfig)
	if !s.redis.Real {
		t.Skip("needs a real redis-server: the embedded server is too slow for 1000 concurrent callers")
	}
	began := time.Now()
	connected, gaveUp, fellBack := soak(t, s, 1000, nil)
	took := time.Since(began)
	t.Logf("1000 callers in %v: %d connected, %d gave up waiting, %d fell back", took.Round(time.Millisecond), connected, gaveUp, fellBack)
	if connected+gaveUp+fellBack != 1000 {
		t.Fatalf("%d callers unaccounted for", 1000-connected-gaveUp-fellBack)
	}
	// A decision that misses its budget (a loaded machine, the race
	// detector) sends the caller to the dialplan's fallback: answered, not
	// lost. Most callers must still be connected by routing.
	if connected < 500 {
		dumpWarnings(t, s)
		t.Errorf("only %d of 1000 callers connected (%d fell back) with Redis up", connected, fellBack)
	}
	s.checkQuiet(t)
	entries, err := s.store.Audit(context.Background(), "", 1, 10)
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v", err)
	}
}

func dumpWarnings(t *testing.T, s *system) {
	counts := map[string]int{}
	for _, l := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			i := strings.Index(l, "msg=")
			key := l[i:min(len(l), i+70)]
			counts[key]++
		}
	}
	for k, n := range counts {
		t.Logf("%5d %s", n, k)
	}
}

func TestRedisKilledMidRunEveryCallerIsAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	s := startWith(t, soakConfig)
	if !s.redis.Real {
		t.Skip("needs a real redis-server to kill")
	}
	// As in production: every write reaches the append-only file before it
	// is acknowledged, so a killed Redis comes back with what it confirmed.
	if err := s.store.Client().ConfigSet(context.Background(), "appendfsync", "always").Err(); err != nil {
		t.Fatal(err)
	}
	var down time.Duration
	connected, gaveUp, fellBack := soak(t, s, 400, func() {
		time.Sleep(300 * time.Millisecond)
		s.redis.Kill(t)
		began := time.Now()
		time.Sleep(time.Second)
		s.redis.Restart(t)
		down = time.Since(began)
	})
	t.Logf("400 callers, Redis down %v: %d connected, %d gave up, %d sent to the fallback", down.Round(time.Millisecond), connected, gaveUp, fellBack)
	if connected+gaveUp+fellBack != 400 {
		t.Fatalf("%d callers unaccounted for", 400-connected-gaveUp-fellBack)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, _ := s.routeOrHangUp(s.callID(), "1", "40000009", 2*time.Second)
		if v["SB_RESULT"] == "ok" {
			s.hangup(v["UNIQUEID"])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("routing did not recover after Redis came back: %v", v)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.checkQuiet(t)
}
