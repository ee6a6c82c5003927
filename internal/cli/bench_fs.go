package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/internal/loadgen"
)

func newBenchFSCmd(g *globals) *cobra.Command {
	var o benchAGIOptions
	cmd := &cobra.Command{
		Use:   "fs",
		Short: "Load the FreeSWITCH outbound event socket like FreeSWITCH's socket application does",
		Long: `Starts a redis-server and the service in this process and plays FreeSWITCH
calls into its outbound event socket (connect with the channel's variables,
routing, bridge to the agent, answer or no answer, talk, hangup), then prints
calls/s, route latency (connect to the bridge command), errors by kind, agents
left stuck and CPU per call. There is no protocol floor for this path.`,
		Example: `  sentralbord bench fs --concurrency 100 --duration 10s --runs 3
  sentralbord bench fs --rate 500 --duration 10s --noanswer 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			po, err := parseBenchFS(o)
			if err != nil {
				return err
			}
			return runBenchFS(cmd.Context(), g, po)
		},
	}
	loadFlags(cmd, &o)
	return cmd
}

// parseBenchFS checks bench fs's options: those of bench agi, always with
// the service in this process, and no busy phones (the fake FreeSWITCH has
// no device states to report them).
func parseBenchFS(o benchAGIOptions) (benchAGIOptions, error) {
	o.self, o.addr = true, ""
	po, err := parseBenchAGI(o)
	if err != nil {
		return po, err
	}
	if po.load.Busy > 0 {
		return po, usage(errors.New("--busy is not played on this path; use --noanswer"))
	}
	return po, nil
}

func runBenchFS(ctx context.Context, g *globals, o benchAGIOptions) error {
	w := g.env.Stderr
	s, err := loadgen.Self(ctx, o.agents, o.loops)
	if err != nil {
		return unavailableError{err}
	}
	defer s.Stop()
	fmt.Fprintf(w, "service's event socket on %s, %s on %s, %d agents in %d loops\n", s.FSAddr, s.Redis.Version(), s.Redis.Addr, o.agents, o.loops)
	store := s.Store()
	ids := loadgen.AgentIDs(s.Config.Roster())
	t := loadgen.Target{
		Name: "freeswitch", Addr: s.FSAddr, Drive: loadgen.RunFS, Note: s.RedisStats,
		Check: func(ctx context.Context) ([]string, int, error) {
			return loadgen.StuckOrSlow(ctx, store, ids, 10*time.Second)
		},
		RSS: func() int64 { return loadgen.PeakRSS(0) },
		CPU: func() time.Duration { return loadgen.ProcessCPU() + s.Redis.CPU() },
	}
	sums, err := loadgen.Compare(ctx, o.load, o.runs, []loadgen.Target{t}, w)
	if err != nil {
		return err
	}
	if err := printSummaries(g, sums); err != nil {
		return err
	}
	if last := sums[len(sums)-1]; last.Stuck > 0 {
		return fmt.Errorf("%d agents stuck", last.Stuck)
	}
	return nil
}
