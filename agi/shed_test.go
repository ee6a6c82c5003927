package agi

import (
	"log/slog"
	"testing"
	"time"
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
