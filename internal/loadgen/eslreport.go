package loadgen

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/sentralbord/sentralbord/esl"
)

// ESLReport is what one run measured.
type ESLReport struct {
	Events  int           `json:"events"`
	Ignored int           `json:"ignored"` // events that concern no agent
	Sending time.Duration `json:"sending"` // first event written to last
	// Elapsed runs from the first event written until every agent's state
	// in Redis is what the events make of it.
	Elapsed    time.Duration `json:"elapsed"`
	Mismatches []string      `json:"mismatches,omitempty"`
	PeakRSS    int64         `json:"peak_rss"` // of this process
	// Processor time per event, of this process, of redis-server and of the
	// node: on a shared machine steadier than events/s.
	CPUPerEvent      time.Duration `json:"cpu_per_event"`
	RedisCPUPerEvent time.Duration `json:"redis_cpu_per_event"`
	NodeCPUPerEvent  time.Duration `json:"node_cpu_per_event"` // making and writing the events
	// NodeApart: the node ran in a process of its own, so this process's
	// memory and processor time are the listener's (and Redis client's).
	NodeApart bool           `json:"node_apart"`
	Listener  esl.NodeStatus `json:"listener"`
}

// EventsPerSecond is events over Elapsed.
func (r ESLReport) EventsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

// Print writes the report for people.
func (r ESLReport) Print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  events           %d (%d for no agent) written in %v, final state in Redis after %v: %.0f events/s\n",
		r.Events, r.Ignored, r.Sending.Round(time.Millisecond), r.Elapsed.Round(time.Millisecond), r.EventsPerSecond())
	s := r.Listener
	fmt.Fprintf(w, "  listener         received %d: %d about no agent, %d malformed, %d changing nothing, %d applied (%d superseded in their batch, %d stale, %d failed), %d dropped, %d pending; %d agent changes\n",
		s.Received, s.Ignored, s.Malformed, s.Skipped, s.Applied, s.Superseded, s.Stale, s.Failed, s.Dropped, s.Pending, s.Changed)
	fmt.Fprintf(w, "  CPU per event    %s %s, redis-server %s, node %s\n", r.process(), µs(r.CPUPerEvent), µs(r.RedisCPUPerEvent), µs(r.NodeCPUPerEvent))
	fmt.Fprintf(w, "  final state      %d agents wrong\n", len(r.Mismatches))
	for i, m := range r.Mismatches {
		if i == 10 {
			fmt.Fprintf(w, "    … %d more\n", len(r.Mismatches)-10)
			break
		}
		fmt.Fprintf(w, "    %s\n", m)
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "  peak RSS         %.1f MiB %s\n", float64(r.PeakRSS)/(1<<20), r.process())
	}
}

func (r ESLReport) process() string {
	if r.NodeApart {
		return "listener"
	}
	return "listener and node"
}

func µs(d time.Duration) string { return fmt.Sprintf("%.1fµs", float64(d.Nanoseconds())/1e3) }

// ESLSummary gives the medians of several runs.
type ESLSummary struct {
	Runs            int     `json:"runs"`
	Events          int     `json:"events_per_run"`
	Agents          int     `json:"agents"`
	Mix             string  `json:"mix"`
	EventsPerSecond float64 `json:"events_per_second_median"`
	Min, Max        float64 `json:"-"`
	ElapsedMedian   string  `json:"elapsed_median"`
	CPUPerEvent     string  `json:"cpu_per_event_median"`
	RedisPerEvent   string  `json:"redis_cpu_per_event_median"`
	NodePerEvent    string  `json:"node_cpu_per_event_median"`
	NodeApart       bool    `json:"node_apart"`
	PeakRSS         int64   `json:"peak_rss_max"`
	Mismatches      int     `json:"mismatches"`
	Reports         []ESLReport
}

// Print writes the summary for people.
func (s ESLSummary) Print(w io.Writer) {
	fmt.Fprintf(w, "ESL listener, %d runs of %d events, %d agents, mix %s\n", s.Runs, s.Events, s.Agents, s.Mix)
	fmt.Fprintf(w, "  events/s         median %.0f (min %.0f, max %.0f), elapsed median %s\n", s.EventsPerSecond, s.Min, s.Max, s.ElapsedMedian)
	who := "listener and node"
	if s.NodeApart {
		who = "listener"
	}
	fmt.Fprintf(w, "  CPU per event    median %s %s, redis-server %s, node %s\n", who, s.CPUPerEvent, s.RedisPerEvent, s.NodePerEvent)
	fmt.Fprintf(w, "  peak RSS         %.1f MiB %s (max of the runs)\n", float64(s.PeakRSS)/(1<<20), who)
	fmt.Fprintf(w, "  wrong states     %d\n", s.Mismatches)
}

func summariseESL(o ESLOptions, reps []ESLReport) ESLSummary {
	s := ESLSummary{Runs: len(reps), Agents: o.Agents, Mix: o.Mix.String(), Reports: reps}
	rates := make([]float64, len(reps))
	var els, cpu, rcpu, ncpu []time.Duration
	for i, r := range reps {
		rates[i] = r.EventsPerSecond()
		els, cpu, rcpu, ncpu = append(els, r.Elapsed), append(cpu, r.CPUPerEvent), append(rcpu, r.RedisCPUPerEvent), append(ncpu, r.NodeCPUPerEvent)
		s.NodeApart = r.NodeApart
		s.Events = max(s.Events, r.Events)
		s.PeakRSS = max(s.PeakRSS, r.PeakRSS)
		s.Mismatches += len(r.Mismatches)
	}
	sort.Float64s(rates)
	if len(reps) > 0 {
		s.EventsPerSecond, s.Min, s.Max = rates[len(rates)/2], rates[0], rates[len(rates)-1]
		s.ElapsedMedian = medianDuration(els).Round(time.Millisecond).String()
		s.CPUPerEvent = medianDuration(cpu).Round(100 * time.Nanosecond).String()
		s.RedisPerEvent = medianDuration(rcpu).Round(100 * time.Nanosecond).String()
		s.NodePerEvent = medianDuration(ncpu).Round(100 * time.Nanosecond).String()
	}
	return s
}

func medianDuration(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}
