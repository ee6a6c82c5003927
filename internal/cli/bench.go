package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/internal/loadgen"
)

type benchAGIOptions struct {
	self     bool
	addr     string
	floor    bool
	check    bool
	load     loadgen.Options
	runs     int
	agents   int
	loops    int
	pid      int
	cpuProf  string
	loopFlag []string
}

func parseBenchAGI(o benchAGIOptions) (benchAGIOptions, error) {
	switch {
	case o.addr != "" && o.self:
		return o, usage(errors.New("--self and --addr exclude each other"))
	case o.addr == "":
		o.self = true
	}
	l := &o.load
	switch {
	case l.Rate < 0 || l.Concurrency < 0 || l.Calls < 0 || l.Duration < 0 || l.Hold < 0:
		return o, usage(errors.New("--rate, --concurrency, --calls, --duration and --hold must not be negative"))
	case l.NoAnswer < 0 || l.Busy < 0 || l.NoAnswer+l.Busy > 100:
		return o, usage(errors.New("--noanswer and --busy are percentages that add up to at most 100"))
	case o.runs < 1:
		return o, usage(errors.New("--runs must be at least 1"))
	case o.self && (o.agents < 1 || o.loops < 1 || o.loops > 9):
		return o, usage(errors.New("--agents must be positive and --loops between 1 and 9"))
	case !o.self && o.pid < 0:
		return o, usage(errors.New("--pid must be a process id"))
	}
	if l.Rate > 0 {
		l.Concurrency = 0
	}
	if o.self {
		l.Loops = nil
		for i := range o.loops {
			l.Loops = append(l.Loops, strconv.Itoa(i+1))
		}
	} else {
		l.Loops = o.loopFlag
	}
	return o, nil
}

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the service under load",
	}
	cmd.AddCommand(newBenchAGICmd(g), newBenchFSCmd(g), newBenchESLCmd(g), newBenchESLNodeCmd(g), newBenchConfigCmd(g))
	return cmd
}

func newBenchAGICmd(g *globals) *cobra.Command {
	var o benchAGIOptions
	cmd := &cobra.Command{
		Use:   "agi",
		Short: "Load the FastAGI service like Asterisk does and compare it with the protocol floor",
		Long: `Runs simulated Asterisk calls over loopback TCP: route, dialresult (ANSWER from
the agent's channel, or NOANSWER/BUSY and route again), hold, hangup. Each
round measures the protocol floor (the same AGI round trips, no logic, no
Redis) and then the service, and prints calls/s, route latency quantiles,
errors by kind, double bookings and agents left stuck, then the medians and
the ratios to the floor. With --self (the default) a redis-server and the
service are started in this process.`,
		Example: `  sentralbord bench agi --concurrency 500 --duration 10s --runs 3
  sentralbord bench agi --rate 1000 --duration 10s --runs 3
  sentralbord bench agi --concurrency 1000 --hold 500ms --noanswer 10 --busy 5
  sentralbord bench agi --addr 127.0.0.1:4573 --pid $(pgrep -n sentralbord) -c bench.yaml --redis-addr 127.0.0.1:6379`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po, err := parseBenchAGI(o)
			if err != nil {
				return err
			}
			return runBenchAGI(cmd.Context(), g, po)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.self, "self", false, "start redis-server and the service in this process (default when --addr is not given)")
	f.StringVar(&o.addr, "addr", "", "FastAGI address of a running service")
	f.BoolVar(&o.floor, "floor", true, "measure the protocol floor in each round too")
	f.BoolVar(&o.check, "check", true, "with --addr: read agent states from Redis afterwards (needs the service's --config and --redis-addr)")
	loadFlags(cmd, &o)
	f.IntVar(&o.load.Busy, "busy", 0, "percent of rings finding the phone busy")
	f.StringSliceVar(&o.loopFlag, "loop", []string{"1"}, "with --addr: loop ids to call, in turn")
	f.IntVar(&o.pid, "pid", 0, "with --addr: the service's process id, to report its peak RSS")
	f.StringVar(&o.cpuProf, "cpuprofile", "", "write CPU profiles of the first round to FILE.floor and FILE.service (this process: with --self, the service and the load tool)")
	return cmd
}

// loadFlags declares the flags bench agi and bench fs share: the load and
// the generated configuration.
func loadFlags(cmd *cobra.Command, o *benchAGIOptions) {
	f := cmd.Flags()
	f.IntVarP(&o.load.Concurrency, "concurrency", "n", 100, "concurrent callers (closed loop)")
	f.Float64Var(&o.load.Rate, "rate", 0, "calls per second arriving regardless of the server (open loop; overrides --concurrency)")
	f.DurationVar(&o.load.Duration, "duration", 10*time.Second, "how long calls are started")
	f.IntVar(&o.load.Calls, "calls", 0, "stop after this many calls")
	f.DurationVar(&o.load.Hold, "hold", 0, "talk time of an answered call")
	f.IntVar(&o.load.NoAnswer, "noanswer", 0, "percent of rings not answered")
	f.IntVar(&o.load.MaxAttempts, "attempts", 3, "rings per call at most; the last one is answered")
	f.IntVar(&o.runs, "runs", 1, "rounds; the summary gives medians")
	f.IntVar(&o.agents, "agents", 2000, "with --self: agents in the generated configuration")
	f.IntVar(&o.loops, "loops", 1, "with --self: loops the agents are spread over")
}

func runBenchAGI(ctx context.Context, g *globals, o benchAGIOptions) error {
	w := g.env.Stderr
	svc := loadgen.Target{Name: "service", Track: true}
	var fallback func(string) string // the service's loops' fallbacks, for the floor to mirror
	if o.self {
		s, err := loadgen.Self(ctx, o.agents, o.loops)
		if err != nil {
			return unavailableError{err}
		}
		defer s.Stop()
		fmt.Fprintf(w, "service on %s, %s on %s, %d agents in %d loops\n", s.Addr, s.Redis.Version(), s.Redis.Addr, o.agents, o.loops)
		store := s.Store()
		ids := loadgen.AgentIDs(s.Config.Roster())
		svc.Addr = s.Addr
		svc.Check = func(ctx context.Context) ([]string, int, error) {
			return loadgen.StuckOrSlow(ctx, store, ids, 10*time.Second)
		}
		svc.RSS = func() int64 { return loadgen.PeakRSS(0) }
		svc.Note = s.RedisStats
		svc.CPU = func() time.Duration { return loadgen.ProcessCPU() + s.Redis.CPU() }
		fallback = loadgen.FallbackOf(s.Config)
	} else {
		svc.Addr = o.addr
		if o.check {
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			ids := loadgen.AgentIDs(s.cfg.Roster())
			svc.Check = func(ctx context.Context) ([]string, int, error) {
				return loadgen.StuckOrSlow(ctx, s.store, ids, 10*time.Second)
			}
			fallback = loadgen.FallbackOf(s.cfg)
		}
		if o.pid > 0 {
			svc.RSS = func() int64 { return loadgen.PeakRSS(o.pid) }
			// Redis's share is not known here: the figure is this tool and the service.
			svc.CPU = func() time.Duration { return loadgen.ProcessCPU() + loadgen.PidCPU(o.pid) }
		}
	}
	var targets []loadgen.Target
	if o.floor {
		fl, err := loadgen.StartFloor(ctx, fallback)
		if err != nil {
			return err
		}
		defer fl.Stop()
		targets = append(targets, loadgen.Target{Name: "floor", Addr: fl.Addr, Track: true, CPU: loadgen.ProcessCPU})
	}
	targets = append(targets, svc)
	if o.cpuProf != "" {
		for i := range targets {
			targets[i].Around = profileRound(o.cpuProf+"."+targets[i].Name, w)
		}
	}
	sums, err := loadgen.Compare(ctx, o.load, o.runs, targets, w)
	if err != nil {
		return err
	}
	if err := printSummaries(g, sums); err != nil {
		return err
	}
	last := sums[len(sums)-1]
	if last.DoubleBookings > 0 || last.Stuck > 0 {
		return fmt.Errorf("%d double bookings, %d agents stuck", last.DoubleBookings, last.Stuck)
	}
	return nil
}

// printSummaries writes a load run's medians as a table or JSON.
func printSummaries(g *globals, sums []loadgen.Summary) error {
	p := g.printer()
	if p.json {
		return p.jsonOut(sums)
	}
	loadgen.PrintSummaries(p.w, sums)
	return nil
}

// profileRound writes a CPU profile of the first round of one target to
// file, so that the floor's and the service's profiles can be compared.
func profileRound(file string, w io.Writer) func(int, func()) {
	return func(round int, run func()) {
		if round > 0 {
			run()
			return
		}
		f, err := os.Create(file)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(w, "cpu profile: %v\n", err)
			run()
			return
		}
		run()
		pprof.StopCPUProfile()
		_ = f.Close()
		fmt.Fprintf(w, "cpu profile of the first round written to %s\n", file)
	}
}

func newBenchConfigCmd(g *globals) *cobra.Command {
	var agents, loops int
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "Print the configuration bench agi --self uses, to run serve with it",
		Example: `  sentralbord bench config --agents 2000 > bench.yaml && sentralbord serve -c bench.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if agents < 1 || loops < 1 || loops > 9 {
				return usage(errors.New("--agents must be positive and --loops between 1 and 9"))
			}
			_, err := fmt.Fprint(g.env.Stdout, loadgen.BenchConfig(agents, loops))
			return err
		},
	}
	cmd.Flags().IntVar(&agents, "agents", 2000, "agents")
	cmd.Flags().IntVar(&loops, "loops", 1, "loops the agents are spread over")
	return cmd
}
