package loadgen

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantilesWithinPrecision(t *testing.T) {
	var h Histogram
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{.5, 5 * time.Millisecond}, {.95, 9500 * time.Microsecond}, {.99, 9900 * time.Microsecond}, {1, 10 * time.Millisecond}} {
		got := h.Quantile(c.q)
		if got < c.want || float64(got) > float64(c.want)*1.016 {
			t.Errorf("q%.2f = %v, want %v within 1.6%% above", c.q, got, c.want)
		}
	}
	if h.Max() != 10*time.Millisecond || h.Count() != 10000 {
		t.Errorf("max %v count %d", h.Max(), h.Count())
	}
	var m Histogram
	m.Merge(&h)
	if m.Quantile(.5) != h.Quantile(.5) || m.Max() != h.Max() {
		t.Error("merge changed the quantiles")
	}
}

func TestBucketsCoverEveryValue(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1 << 40, 1<<63 - 1} {
		i := bucketOf(v)
		if i < 0 || i >= buckets || bucketValue(i) < v || (i > 0 && bucketValue(i-1) >= v) {
			t.Errorf("value %d: bucket %d holds up to %d", v, i, bucketValue(i))
		}
	}
}

func TestBenchConfigSpreadsAgentsOverLoops(t *testing.T) {
	cfg := BenchConfig(10, 3)
	if n := strings.Count(cfg, "id: a0000"); n != 10 {
		t.Errorf("%d agents, want 10", n)
	}
	if n := strings.Count(cfg, "wrap_up: 0s"); n != 3 {
		t.Errorf("%d loops, want 3", n)
	}
}

// TestLoadRunLeavesNoDoubleBookingAndNoStuckAgent runs a few hundred calls
// with unanswered and busy rings through the real service and the floor.
func TestLoadRunLeavesNoDoubleBookingAndNoStuckAgent(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("needs redis-server")
	}
	ctx := context.Background()
	svc, err := Self(ctx, 40, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	fl, err := StartFloor(ctx, FallbackOf(svc.Config))
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Stop()
	store := svc.Store()
	ids := AgentIDs(svc.Config.Roster())
	targets := []Target{
		{Name: "floor", Addr: fl.Addr, Track: true},
		{Name: "service", Addr: svc.Addr, Track: true, Check: func(ctx context.Context) ([]string, int, error) {
			return StuckOrSlow(ctx, store, ids, 10*time.Second)
		}},
	}
	o := Options{Concurrency: 20, Calls: 300, Loops: []string{"1", "2"}, NoAnswer: 20, Busy: 10, Hold: time.Millisecond}
	sums, err := Compare(ctx, o, 1, targets, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sums {
		if s.Errors != 0 || s.ConnectTimeouts != 0 || s.DoubleBookings != 0 || s.Stuck != 0 {
			t.Errorf("%s: %+v", s.Name, s)
		}
	}
	if f, s := sums[0].CommandsPerSess, sums[1].CommandsPerSess; f != s {
		t.Errorf("%+v\n%+v\nfloor answers %.2f commands per session, service %.2f: the floor must mirror the service", sums[0], sums[1], f, s)
	}
	if !sums[1].Checked {
		t.Error("agents not checked")
	}
}

func TestFreeSWITCHLoadRunConnectsEveryCallAndLeavesNoAgentStuck(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server and the service")
	}
	ctx := context.Background()
	svc, err := Self(ctx, 40, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	store := svc.Store()
	ids := AgentIDs(svc.Config.Roster())
	target := Target{Name: "freeswitch", Addr: svc.FSAddr, Drive: RunFS,
		Check: func(ctx context.Context) ([]string, int, error) { return StuckOrSlow(ctx, store, ids, 10*time.Second) }}
	o := Options{Concurrency: 20, Calls: 200, Loops: []string{"1", "2"}, NoAnswer: 20, Hold: time.Millisecond}
	sums, err := Compare(ctx, o, 1, []Target{target}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sums[0]
	if s.Errors != 0 || s.Stuck != 0 || s.SlowRelease != 0 || !s.Checked || s.CallsPerSecond <= 0 || s.CommandsPerSess < 4 {
		t.Errorf("%+v", s)
	}
}
