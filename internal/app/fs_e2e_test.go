package app_test

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

func TestFSWaitingCallerHearsMusicUntilAnAgentFrees(t *testing.T) {
	s := startFS(t, noWrapConfig)
	s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina", "emil")
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	s.awaitWaiting("1", 1)
	if !until(time.Second, func() bool { return slices.Contains(c.Apps(), "playback local_stream://moh") }) {
		t.Fatalf("no music on hold while waiting: %v", c.Apps())
	}
	s.set("bente", routing.StatusAvailable)
	if got := bridgedTo(t, c); got != "bente" {
		t.Fatalf("bridged to %s, want bente", got)
	}
	hangUp(t, c)
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
