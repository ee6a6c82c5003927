package loadgen

import (
	"runtime/metrics"
	"time"
)

// Runtime is what Go's runtime of this process showed during a run, read
// every sampleEvery: with --self the service runs in this process, so a run
// that falls behind shows here as goroutines piling up and the scheduler
// making runnable goroutines wait.
type Runtime struct {
	PeakGoroutines uint64
	// SchedP90 is the worst, over the sampling windows, of the 90th
	// percentile of the time goroutines waited to run.
	SchedP90 time.Duration
}

const sampleEvery = 250 * time.Millisecond

// sampleRuntime samples until stop is closed, then delivers the figures.
func sampleRuntime(stop <-chan struct{}) <-chan Runtime {
	out := make(chan Runtime, 1)
	go func() {
		s := []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/sched/latencies:seconds"}}
		var rt Runtime
		var prev []uint64
		read := func() {
			metrics.Read(s)
			rt.PeakGoroutines = max(rt.PeakGoroutines, s[0].Value.Uint64())
			h := s[1].Value.Float64Histogram()
			if prev != nil {
				rt.SchedP90 = max(rt.SchedP90, windowQuantile(h, prev, .9))
			}
			prev = append(prev[:0], h.Counts...)
		}
		read()
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				read()
			case <-stop:
				read()
				out <- rt
				return
			}
		}
	}()
	return out
}

// windowQuantile is quantile q of the samples h gained since the counts
// prev: the upper bound of the bucket it falls in.
func windowQuantile(h *metrics.Float64Histogram, prev []uint64, q float64) time.Duration {
	var total uint64
	for i, c := range h.Counts {
		total += c - prev[i]
	}
	if total == 0 {
		return 0
	}
	var acc uint64
	for i, c := range h.Counts {
		acc += c - prev[i]
		if float64(acc) >= q*float64(total) {
			return time.Duration(h.Buckets[i+1] * float64(time.Second))
		}
	}
	return 0
}
