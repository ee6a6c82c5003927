package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/internal/loadgen"
)

type benchESLOptions struct {
	load      loadgen.ESLOptions
	mix       string
	runs      int
	cpuProf   string
	nodeApart bool
	run       int // esl-node: the run to serve
}

func parseBenchESL(o benchESLOptions) (benchESLOptions, error) {
	l := &o.load
	switch {
	case l.Events < 0 || l.Duration < 0:
		return o, usage(errors.New("--events and --duration must not be negative"))
	case l.Events == 0 && l.Duration == 0:
		return o, usage(errors.New("give --events or --duration"))
	case l.Agents < 1:
		return o, usage(errors.New("--agents must be positive"))
	case l.Format != "plain" && l.Format != "json":
		return o, usage(errors.New("--format is plain or json"))
	case o.runs < 1:
		return o, usage(errors.New("--runs must be at least 1"))
	}
	if l.Duration > 0 {
		l.Events = 0
	}
	mix, err := loadgen.ParseESLMix(o.mix)
	if err != nil {
		return o, usage(err)
	}
	l.Mix = mix
	return o, nil
}

func newBenchESLCmd(g *globals) *cobra.Command {
	o := benchESLOptions{load: loadgen.ESLOptions{}}
	cmd := &cobra.Command{
		Use:   "esl",
		Short: "Send FreeSWITCH events into the ESL listener as fast as it takes them and check the state they leave",
		Long: `Starts a redis-server, a fake FreeSWITCH node and the real ESL listener in
this process (the node tracks registrations and mod_callcenter), then writes
events as fast as the listener reads them: channels answered, bridged and
hung up on agents' phones, SIP registrations, mod_callcenter agent status and
state, the sentralbord::status events of the feature codes, and channels of
phones that are no agent's. Each run starts from an emptied Redis. It prints
events/s from the first event written until every agent's state in Redis is
what the events sent make of it (logged in or out and why, status, on a
direct call, reachable), lists the agents whose state is wrong, and exits
non-zero when any is. The generator shares the process and its cores with
the listener.`,
		Example: `  sentralbord bench esl --events 200000 --agents 1000 --runs 3
  sentralbord bench esl --duration 10s --mix call=60,reg=20,other=20
  sentralbord bench esl --events 50000 --format json --cpuprofile esl.pprof`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po, err := parseBenchESL(o)
			if err != nil {
				return err
			}
			return runBenchESL(cmd.Context(), g, po)
		},
	}
	f := cmd.Flags()
	eslGeneratorFlags(cmd, &o, 200_000)
	f.IntVar(&o.runs, "runs", 3, "runs; the summary gives medians")
	f.StringVar(&o.cpuProf, "cpuprofile", "", "write a CPU profile of this process during the first run to FILE")
	f.BoolVar(&o.nodeApart, "node-process", true, "run the fake node in a process of its own, as a real one would be; false runs it in this process")
	return cmd
}

// eslGeneratorFlags declares the event generator's flags, shared by bench
// esl and the fake node it starts (nodeArgs passes them on).
func eslGeneratorFlags(cmd *cobra.Command, o *benchESLOptions, events int) {
	f := cmd.Flags()
	f.IntVar(&o.load.Events, "events", events, "events per run (0 with --duration)")
	f.DurationVar(&o.load.Duration, "duration", 0, "send for this long instead of --events")
	f.IntVar(&o.load.Agents, "agents", 1000, "agents in the generated configuration")
	f.StringVar(&o.mix, "mix", loadgen.DefaultESLMix.String(), "weights of the kinds of events")
	f.StringVar(&o.load.Format, "format", "plain", "event format the listener subscribes to: plain or json")
	f.Uint64Var(&o.load.Seed, "seed", 1, "seed of the event generator")
}

// nodeArgs are the arguments of the hidden esl-node command for one run.
func (o benchESLOptions) nodeArgs(run int) []string {
	l := o.load
	return []string{"bench", "esl-node", "--events", strconv.Itoa(l.Events), "--duration", l.Duration.String(),
		"--agents", strconv.Itoa(l.Agents), "--mix", l.Mix.String(), "--format", l.Format,
		"--seed", strconv.FormatUint(l.Seed, 10), "--run", strconv.Itoa(run)}
}

// newBenchESLNodeCmd is the fake node bench esl starts for each run: it
// reports to the measuring process on its standard output.
func newBenchESLNodeCmd(g *globals) *cobra.Command {
	var o benchESLOptions
	cmd := &cobra.Command{
		Use:    "esl-node",
		Short:  "The fake FreeSWITCH node of one bench esl run",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po, err := parseBenchESL(o)
			if err != nil {
				return err
			}
			return loadgen.ServeESLNode(cmd.Context(), po.load, po.run, g.env.Stdout)
		},
	}
	f := cmd.Flags()
	eslGeneratorFlags(cmd, &o, 0)
	f.IntVar(&o.run, "run", 0, "run number")
	o.runs = 1
	return cmd
}

func runBenchESL(ctx context.Context, g *globals, o benchESLOptions) error {
	b, err := loadgen.StartESLBench()
	if err != nil {
		return unavailableError{err}
	}
	defer b.Stop()
	fmt.Fprintf(g.env.Stderr, "%s on %s\n", b.Redis.Version(), b.Redis.Addr)
	if o.nodeApart {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		b.Node = loadgen.CommandNode(exe, o.nodeArgs)
	}
	if o.cpuProf != "" {
		f, err := os.Create(o.cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		b.Around = func(_ int, fn func()) {
			if err := pprof.StartCPUProfile(f); err != nil {
				fn()
				return
			}
			fn()
			pprof.StopCPUProfile()
			b.Around = nil // one profile: the first run's
		}
	}
	sum, err := b.RunAll(ctx, o.load, o.runs, g.env.Stderr)
	if err != nil {
		return err
	}
	p := g.printer()
	if p.json {
		if err := p.jsonOut(sum); err != nil {
			return err
		}
	} else {
		sum.Print(p.w)
	}
	if sum.Mismatches > 0 {
		return fmt.Errorf("%d agents left in the wrong state", sum.Mismatches)
	}
	return nil
}
