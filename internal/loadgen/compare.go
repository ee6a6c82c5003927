package loadgen

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"
)

// Target is a server to measure.
type Target struct {
	Name  string
	Addr  string
	Track bool // check double bookings client-side
	// Check, when set, runs after each run and returns the agents left
	// stuck and how many were released only late (StuckOrSlow).
	Check func(ctx context.Context) ([]string, int, error)
	// RSS, when set, reads the server's peak resident memory after each run.
	RSS func() int64
	// Note, when set, adds a line to each run's progress report.
	Note func(ctx context.Context) string
	// CPU, when set, reads the processor time used so far by everything
	// the target's calls cost (the load tool included when it shares the
	// process), so that each run reports CPU per connected call.
	CPU func() time.Duration
	// Around, when set, wraps each run (a CPU profile of one target, say).
	Around func(round int, run func())
	// Drive plays the calls (Run, FastAGI, when nil; RunFS for FreeSWITCH).
	Drive func(ctx context.Context, o Options) *Report
}

// Compare runs o against each target in turn, runs rounds, so that a change
// in the machine's load hits every target alike.
func Compare(ctx context.Context, o Options, runs int, targets []Target, progress io.Writer) ([]Summary, error) {
	reps := make([][]*Report, len(targets))
	for round := range max(runs, 1) {
		for i, t := range targets {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			ro := o
			ro.Addr, ro.Track, ro.Seed = t.Addr, t.Track, uint64(round)
			var cpu0 time.Duration
			if t.CPU != nil {
				cpu0 = t.CPU()
			}
			drive := t.Drive
			if drive == nil {
				drive = Run
			}
			var rep *Report
			if t.Around != nil {
				t.Around(round, func() { rep = drive(ctx, ro) })
			} else {
				rep = drive(ctx, ro)
			}
			if t.CPU != nil {
				rep.CPU = t.CPU() - cpu0
			}
			if t.Check != nil {
				stuck, slow, err := t.Check(ctx)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", t.Name, err)
				}
				rep.Stuck, rep.SlowRelease, rep.Checked = stuck, slow, true
			}
			if t.RSS != nil {
				rep.ServerRSS = t.RSS()
			}
			if progress != nil {
				rep.Print(progress, fmt.Sprintf("%s, run %d", t.Name, round+1))
				if t.Note != nil {
					fmt.Fprintf(progress, "  %s\n", t.Note(ctx))
				}
			}
			reps[i] = append(reps[i], rep)
			time.Sleep(200 * time.Millisecond) // let closed connections settle
		}
	}
	out := make([]Summary, len(targets))
	for i, t := range targets {
		out[i] = summarise(t.Name, reps[i])
	}
	return out, nil
}

// Summary is the median of a target's runs (totals for the counts that must
// be zero).
type Summary struct {
	Name            string  `json:"name"`
	Runs            int     `json:"runs"`
	CallsPerSecond  float64 `json:"calls_per_second"`
	P50             float64 `json:"route_p50_ms"`
	P95             float64 `json:"route_p95_ms"`
	P99             float64 `json:"route_p99_ms"`
	Max             float64 `json:"route_max_ms"`
	CommandsPerSess float64 `json:"agi_commands_per_session"`
	Errors          int64   `json:"errors"`
	ConnectTimeouts int64   `json:"connect_timeouts"`
	DoubleBookings  int64   `json:"double_bookings"`
	Stuck           int     `json:"agents_stuck"`
	SlowRelease     int     `json:"agents_released_late"`
	Checked         bool    `json:"checked"`
	PeakRSSMiB      float64 `json:"server_peak_rss_mib,omitempty"`
	// CPUPerCall is the processor time one connected call cost, in
	// microseconds (median of runs; 0 when not measured).
	CPUPerCall float64 `json:"cpu_us_per_call,omitempty"`
}

func summarise(name string, reps []*Report) Summary {
	s := Summary{Name: name, Runs: len(reps)}
	pick := func(f func(*Report) float64) float64 {
		v := make([]float64, len(reps))
		for i, r := range reps {
			v[i] = f(r)
		}
		return median(v)
	}
	msOf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s.CallsPerSecond = pick((*Report).CallsPerSecond)
	s.P50 = pick(func(r *Report) float64 { return msOf(r.Route.Quantile(.5)) })
	s.P95 = pick(func(r *Report) float64 { return msOf(r.Route.Quantile(.95)) })
	s.P99 = pick(func(r *Report) float64 { return msOf(r.Route.Quantile(.99)) })
	s.Max = pick(func(r *Report) float64 { return msOf(r.Route.Max()) })
	s.CPUPerCall = pick(func(r *Report) float64 { return float64(r.CPUPerCall()) / float64(time.Microsecond) })
	s.CommandsPerSess = pick(func(r *Report) float64 { return float64(r.Commands) / float64(max(r.Sessions, 1)) })
	for _, r := range reps {
		s.Errors += r.ErrorCount()
		s.ConnectTimeouts += r.ConnectTimeouts
		s.DoubleBookings += r.DoubleBookings
		s.Stuck = max(s.Stuck, len(r.Stuck))
		s.SlowRelease = max(s.SlowRelease, r.SlowRelease)
		s.Checked = s.Checked || r.Checked
		s.PeakRSSMiB = max(s.PeakRSSMiB, float64(r.ServerRSS)/(1<<20))
	}
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// PrintSummaries writes the medians and, when the first summary is the
// floor, each other target's ratio to it.
func PrintSummaries(w io.Writer, sums []Summary) {
	fmt.Fprintf(w, "\n%-10s %5s %10s %9s %9s %9s %9s %6s %7s %8s %7s %6s %6s\n", "target", "runs", "calls/s", "p50 ms", "p95 ms",
		"p99 ms", "max ms", "cmds", "errors", "conn-to", "double", "late", "stuck")
	for _, s := range sums {
		stuck, late := "-", "-"
		if s.Checked {
			stuck, late = fmt.Sprint(s.Stuck), fmt.Sprint(s.SlowRelease)
		}
		fmt.Fprintf(w, "%-10s %5d %10.0f %9.3f %9.3f %9.3f %9.3f %6.2f %7d %8d %7d %6s %6s\n", s.Name, s.Runs, s.CallsPerSecond,
			s.P50, s.P95, s.P99, s.Max, s.CommandsPerSess, s.Errors, s.ConnectTimeouts, s.DoubleBookings, late, stuck)
	}
	fmt.Fprintf(w, "late: agents not eligible 10 s after the run but released within %v more (claim expiry, background retries); stuck: not even then\n", ReleaseGrace)
	if len(sums) < 2 || sums[0].Name != "floor" {
		return
	}
	f := sums[0]
	for _, s := range sums[1:] {
		fmt.Fprintf(w, "%s / floor: calls/s %.2f×, p50 %.2f×, p95 %.2f×, p99 %.2f×\n", s.Name,
			s.CallsPerSecond/f.CallsPerSecond, s.P50/f.P50, s.P95/f.P95, s.P99/f.P99)
		if f.CPUPerCall > 0 && s.CPUPerCall > 0 {
			fmt.Fprintf(w, "%s / floor: CPU per call %.0f µs / %.0f µs: calls/s on cores of their own %.2f×\n", s.Name,
				s.CPUPerCall, f.CPUPerCall, f.CPUPerCall/s.CPUPerCall)
		}
	}
}
