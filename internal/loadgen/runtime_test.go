package loadgen

import (
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

func TestSampleRuntimeSeesGoroutines(t *testing.T) {
	release := make(chan struct{})
	for range 200 {
		go func() { <-release }()
	}
	stop := make(chan struct{})
	got := sampleRuntime(stop)
	time.Sleep(2 * sampleEvery)
	close(stop)
	rt := <-got
	close(release)
	if rt.PeakGoroutines < 200 {
		t.Fatalf("peak goroutines %d, want at least the 200 parked", rt.PeakGoroutines)
	}
}

func TestWindowQuantile(t *testing.T) {
	h := &metrics.Float64Histogram{Buckets: []float64{0, .001, .002, .003}, Counts: []uint64{15, 85, 12}}
	prev := []uint64{5, 5, 2} // the window: 10, 80, 10
	if got := windowQuantile(h, prev, .9); got != 2*time.Millisecond {
		t.Errorf("p90 = %v, want 2ms (the 90th of 100 samples is in the second bucket)", got)
	}
	if got := windowQuantile(h, prev, .95); got != 3*time.Millisecond {
		t.Errorf("p95 = %v, want 3ms", got)
	}
	if got := windowQuantile(h, h.Counts, .9); got != 0 {
		t.Errorf("empty window: %v, want 0", got)
	}
}

func TestReportPrintsRuntime(t *testing.T) {
	r := newReport(Options{Concurrency: 1})
	r.Runtime = Runtime{PeakGoroutines: 8623, SchedP90: 5242880 * time.Nanosecond}
	var b strings.Builder
	r.Print(&b, "service, run 1")
	if want := "this process     8623 goroutines at most; scheduler latency p90 5.243ms in the worst 250ms"; !strings.Contains(b.String(), want) {
		t.Fatalf("report lacks %q:\n%s", want, b.String())
	}
}
