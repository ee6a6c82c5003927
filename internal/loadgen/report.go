package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Report is what one run measured.
type Report struct {
	Mode string // "closed loop, 500 callers" or "open loop, 1000 calls/s"
	// Route is the caller's wait for each route request: connect to the
	// server's close, every AGI round trip included.
	Route *Histogram
	// Call is a connected call's AGI time: its route, dialresult and hangup
	// sessions, the hold time left out.
	Call *Histogram

	Connected   int64 // calls that reached an agent and hung up cleanly
	Sessions    int64
	Commands    int64 // AGI commands answered, over all sessions
	Offered     time.Duration
	Elapsed     time.Duration
	MaxInFlight int64
	Statuses    map[string]int64 // ANSWER, NOANSWER, BUSY
	Errors      map[string]int64
	// ConnectTimeouts are connections the server's backlog never took.
	ConnectTimeouts int64
	DoubleBookings  int64
	// Stuck lists agents that were not eligible again after the run, with
	// why; nil when not checked.
	Stuck   []string
	Checked bool
	// SlowRelease counts agents not eligible 10 s after the run that were
	// released within ReleaseGrace after that.
	SlowRelease int
	// ServerRSS is the server's peak resident memory in bytes, when known.
	ServerRSS int64
	// CPU is the processor time the target used during the run, when known.
	CPU time.Duration
	// Runtime is what this process's Go runtime showed during the run.
	Runtime Runtime

	mu sync.Mutex
	n  atomic.Int64 // connected
	s  atomic.Int64 // sessions
	c  atomic.Int64 // commands
	mx atomic.Int64
}

func newReport(o Options) *Report {
	r := &Report{Route: &Histogram{}, Call: &Histogram{}, Statuses: map[string]int64{}, Errors: map[string]int64{}}
	if o.Rate > 0 {
		r.Mode = fmt.Sprintf("open loop, %g calls/s offered", o.Rate)
	} else {
		r.Mode = fmt.Sprintf("closed loop, %d callers", o.Concurrency)
	}
	return r
}

func (r *Report) done()            { r.n.Add(1) }
func (r *Report) session(cmds int) { r.s.Add(1); r.c.Add(int64(cmds)) }
func (r *Report) inFlight(n int64) {
	for m := r.mx.Load(); n > m && !r.mx.CompareAndSwap(m, n); m = r.mx.Load() {
	}
}

func (r *Report) fail(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Errors[k]++
	if strings.HasSuffix(k, connectTimeout) {
		r.ConnectTimeouts++
	}
}

func (r *Report) count(status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Statuses[status]++
}

func (r *Report) finish(offered, elapsed time.Duration, doubles int64) {
	r.Connected, r.Sessions, r.Commands = r.n.Load(), r.s.Load(), r.c.Load()
	r.MaxInFlight, r.DoubleBookings = r.mx.Load(), doubles
	r.Offered, r.Elapsed = offered, elapsed
}

// CallsPerSecond is connected calls over the time calls were being started.
func (r *Report) CallsPerSecond() float64 {
	if r.Offered <= 0 {
		return 0
	}
	return float64(r.Connected) / r.Offered.Seconds()
}

// CPUPerCall is the processor time per connected call (0 when unknown).
func (r *Report) CPUPerCall() time.Duration {
	if r.CPU <= 0 || r.Connected == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Connected)
}

// ErrorCount is the number of failures of every kind.
func (r *Report) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s — %s\n", name, r.Mode)
	fmt.Fprintf(w, "  calls connected  %d in %v (%.0f calls/s), %d sessions, %.1f commands/session, max %d in flight\n",
		r.Connected, r.Offered.Round(time.Millisecond), r.CallsPerSecond(), r.Sessions,
		float64(r.Commands)/float64(max(r.Sessions, 1)), r.MaxInFlight)
	fmt.Fprintf(w, "  route latency    %s\n", quantiles(r.Route))
	fmt.Fprintf(w, "  call AGI time    %s\n", quantiles(r.Call))
	fmt.Fprintf(w, "  dial statuses    ANSWER %d, NOANSWER %d, BUSY %d\n", r.Statuses["ANSWER"], r.Statuses["NOANSWER"], r.Statuses["BUSY"])
	fmt.Fprintf(w, "  errors           %d (connect timeouts %d)\n", r.ErrorCount(), r.ConnectTimeouts)
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "    %6d  %s\n", r.Errors[k], k)
	}
	if r.Checked {
		fmt.Fprintf(w, "  double bookings  %d\n  agents stuck     %d (and %d released late, after the first 10 s)\n", r.DoubleBookings, len(r.Stuck), r.SlowRelease)
		for i, s := range r.Stuck {
			if i == 10 {
				fmt.Fprintf(w, "    … %d more\n", len(r.Stuck)-10)
				break
			}
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
	if r.CPU > 0 {
		fmt.Fprintf(w, "  CPU              %v, %v per call\n", r.CPU.Round(time.Millisecond), r.CPUPerCall().Round(time.Microsecond))
	}
	if r.ServerRSS > 0 {
		fmt.Fprintf(w, "  server peak RSS  %.1f MiB\n", float64(r.ServerRSS)/(1<<20))
	}
	if r.Runtime.PeakGoroutines > 0 {
		fmt.Fprintf(w, "  this process     %d goroutines at most; scheduler latency p90 %v in the worst %v\n",
			r.Runtime.PeakGoroutines, ms(r.Runtime.SchedP90), sampleEvery)
	}
}

func quantiles(h *Histogram) string {
	if h.Count() == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %v  p95 %v  p99 %v  max %v  (n=%d)", ms(h.Quantile(.5)), ms(h.Quantile(.95)),
		ms(h.Quantile(.99)), ms(h.Max()), h.Count())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }
