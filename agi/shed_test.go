package agi

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
)

func TestShedderRefusesOnlyWhileTheWaitStaysAboveTarget(t *testing.T) {
	c := &shedder{target: 100 * time.Millisecond, interval: 500 * time.Millisecond, log: slog.New(slog.DiscardHandler)}
	t0 := time.Unix(1_795_840_350, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		ms   int
		wait time.Duration
		shed bool
	}{
		{0, 10 * time.Millisecond, false},
		{100, 300 * time.Millisecond, false}, // above, but only just now
		{400, 300 * time.Millisecond, false}, // above for 300ms: a burst, not a backlog
		{600, 300 * time.Millisecond, true},  // above for a whole interval
		{700, 150 * time.Millisecond, true},
		{800, 20 * time.Millisecond, false}, // the backlog cleared
		{900, 300 * time.Millisecond, false},
		{1000, 5 * time.Millisecond, false}, // below again: the clock restarts
		{1450, 300 * time.Millisecond, false},
		{1960, 300 * time.Millisecond, true},
	}
	for _, s := range steps {
		if got := c.observe(at(s.ms), s.wait); got != s.shed {
			t.Errorf("at %dms wait %v: shed %v, want %v", s.ms, s.wait, got, s.shed)
		}
	}
	var off *shedder
	if off.observe(t0, time.Hour) {
		t.Error("a server without ShedWait refused a request")
	}
}

func TestBacklogShedsRoutesButServesHangups(t *testing.T) {
	log, lb := newLog()
	srv := &Server{Handler: okHandler, Log: log, Unlimited: Releases,
		ShedWait: 5 * time.Millisecond, ShedInterval: 60 * time.Millisecond}
	addr, _, _ := startServer(t, srv)
	// A client whose environment takes 20 ms to arrive looks, to the
	// server, like a connection that waited in a backlog.
	slow := func(request string) map[string]string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, _ := (&agitest.Client{Call: agitest.Call{Request: request, UniqueID: "1795840350.7"}, Gap: 20 * time.Millisecond}).Run(ctx, addr)
		return res.Vars
	}
	served := 0
	deadline := time.Now().Add(3 * time.Second)
	for slow("route?loop=1")[VarResult] == "ok" {
		served++
		if time.Now().After(deadline) {
			t.Fatalf("%d slow routes served, none refused", served)
		}
	}
	if served == 0 {
		t.Error("the first slow route was refused: a single late connection is not a backlog")
	}
	if got := slow("hangup")[VarResult]; got != "ok" {
		t.Errorf("hangup during the backlog: SB_RESULT=%q, want it served", got)
	}
	lb.waitFor(t, "routes are refused until it clears")
	// A connection read at once shows the backlog is gone.
	expectOK(t, addr)
	lb.waitFor(t, "routes served again")
}
