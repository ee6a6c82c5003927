package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// booking records which caller holds which agent, across both PBXes.
type booking struct {
	t       *testing.T
	mu      sync.Mutex
	holder  map[string]string
	doubles atomic.Int64
}

func (b *booking) take(agent, call string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if other, busy := b.holder[agent]; busy {
		b.doubles.Add(1)
		b.t.Errorf("agent %s given to %s while still with %s", agent, call, other)
	}
	b.holder[agent] = call
}

func (b *booking) free(agent, call string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.holder[agent] == call {
		delete(b.holder, agent)
	}
}

// fsSoakCaller is one FreeSWITCH caller of the mixed run: rings agents
// (15% busy), talks 5–40 ms, or gives up after its patience.
func (s *fsSystem) fsSoakCaller(i int, b *booking, connected, gaveUp, fellBack *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(i), 11))
	call := fmt.Sprintf("fs-%06d", i)
	loop := []string{"1", "2", "3"}[i%3]
	patience := time.Duration(2000+rng.IntN(20000)) * time.Millisecond
	talk := time.Duration(5+rng.IntN(35)) * time.Millisecond
	var mu sync.Mutex
	held, tries := "", 0
	c := s.fsCall(call, loop, "40000002", func(arg string) fstest.Outcome {
		a := agentOf(arg)
		b.take(a, call)
		mu.Lock()
		defer mu.Unlock()
		tries++
		if tries <= 3 && rng.IntN(100) < 15 {
			b.free(a, call)
			return fstest.Outcome{DialStatus: "BUSY", Disposition: "USER_BUSY"}
		}
		held = a
		return fstest.Outcome{Answer: true}
	})
	deadline := time.Now().Add(patience)
	for !c.Bridged() && time.Now().Before(deadline) {
		select {
		case <-c.Done():
			fellBack.Add(1) // none or error: the dialplan's fallback takes the caller
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	if c.Bridged() {
		time.Sleep(talk)
	}
	mu.Lock()
	bridged := c.Bridged()
	if held != "" {
		b.free(held, call)
	}
	mu.Unlock()
	c.Hangup()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		s.t.Errorf("%s: socket not closed after the hangup", call)
	}
	if bridged {
		connected.Add(1)
	} else {
		gaveUp.Add(1)
	}
}

// agiSoakCaller is one Asterisk caller of the mixed run, as in soak.
func (s *fsSystem) agiSoakCaller(i int, b *booking, connected, gaveUp, fellBack *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	call := fmt.Sprintf("1795%06d.%d", i, i)
	loop := []string{"1", "2", "3"}[i%3]
	patience := time.Duration(2000+rng.IntN(20000)) * time.Millisecond
	for attempt := 0; ; attempt++ {
		v, hungUp := s.routeOrHangUp(call, loop, "40000001", patience)
		switch {
		case hungUp && v["SB_RESULT"] == "":
			s.hangup(call)
			gaveUp.Add(1)
			return
		case v["SB_RESULT"] != "ok":
			s.hangup(call)
			fellBack.Add(1)
			return
		}
		agent := v["SB_AGENT"]
		b.take(agent, call)
		if rng.IntN(100) < 15 && attempt < 3 {
			b.free(agent, call)
			s.dialResult(call, agent, "BUSY")
			continue
		}
		s.request(agitest.Call{Request: "dialresult", Args: []string{agent, "ANSWER", call}, UniqueID: "agent-" + call})
		time.Sleep(time.Duration(5+rng.IntN(35)) * time.Millisecond)
		b.free(agent, call)
		s.hangup(call)
		connected.Add(1)
		return
	}
}

func TestMixedAsteriskAndFreeSWITCHCallersNeverShareAnAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	s := startFS(t, soakConfig)
	if !s.redis.Real {
		t.Skip("needs a real redis-server")
	}
	const n = 400 // half through each PBX
	b := &booking{t: t, holder: map[string]string{}}
	var connected, gaveUp, fellBack atomic.Int64
	var wg sync.WaitGroup
	began := time.Now()
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 {
				s.fsSoakCaller(i, b, &connected, &gaveUp, &fellBack)
			} else {
				s.agiSoakCaller(i, b, &connected, &gaveUp, &fellBack)
			}
		})
	}
	wg.Wait()
	t.Logf("%d callers (FreeSWITCH and Asterisk) in %v: %d connected, %d gave up, %d fell back",
		n, time.Since(began).Round(time.Millisecond), connected.Load(), gaveUp.Load(), fellBack.Load())
	if d := b.doubles.Load(); d != 0 {
		t.Fatalf("%d double bookings", d)
	}
	if sum := connected.Load() + gaveUp.Load() + fellBack.Load(); sum != n {
		t.Fatalf("%d callers unaccounted for", n-sum)
	}
	if fellBack.Load() > n/20 {
		dumpWarnings(t, s.system)
		t.Errorf("%d of %d callers fell back with Redis up", fellBack.Load(), n)
	}
	s.checkQuiet(t)
}

// TestFreeSWITCHCallsPerSecond measures whole calls (connect, route,
// bridge, answer, hangup, release) through the outbound server, with ten
// agents and ten callers at a time.
func TestFreeSWITCHCallsPerSecond(t *testing.T) {
	// A measurement, not a check: run it with SENTRALBORD_MEASURE=1.
	if os.Getenv("SENTRALBORD_MEASURE") == "" {
		t.Skip("measurement; set SENTRALBORD_MEASURE=1")
	}
	s := startFS(t, soakConfig)
	var done atomic.Int64
	stop := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	began := time.Now()
	for w := range 10 {
		wg.Go(func() {
			for i := 0; time.Now().Before(stop); i++ {
				c := s.fsCall(fmt.Sprintf("rate-%d-%d", w, i), []string{"1", "2", "3"}[(w+i)%3], "40000003", answer)
				giveUp := time.Now().Add(10 * time.Second)
				for !c.Bridged() {
					select {
					case <-c.Done():
						t.Errorf("call fell back: %v", c.Vars())
						return
					case <-time.After(time.Millisecond):
					}
					if time.Now().After(giveUp) {
						t.Errorf("call not bridged within 10s")
						return
					}
				}
				hangUp(t, c)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	t.Logf("%d calls in %v: %.0f calls/s through the FreeSWITCH outbound server", done.Load(), took.Round(time.Millisecond),
		float64(done.Load())/took.Seconds())
	s.checkQuiet(t)
}
