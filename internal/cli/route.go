package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

type routeOptions struct {
	loop   string
	number string
}

func parseRoute(loop, number string, dryRun bool) (routeOptions, error) {
	if !dryRun {
		return routeOptions{}, usage(errors.New("only --dry-run is supported: real calls are routed by the PBX through `serve`"))
	}
	if loop == "" {
		return routeOptions{}, usage(errors.New("--loop is required"))
	}
	return routeOptions{loop: loop, number: number}, nil
}

func newRouteCmd(g *globals) *cobra.Command {
	var loop, number string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "route --loop ID --dry-run",
		Short: "Show whom a call to a loop would ring now, without claiming anyone",
		Example: `  sentralbord route --loop 1 --dry-run
  sentralbord route --loop 2 --dry-run --caller 90595313 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := parseRoute(loop, number, dryRun)
			if err != nil {
				return err
			}
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			l, err := s.cfg.Roster().FindLoop(o.loop)
			if err != nil {
				return err
			}
			cands, err := s.service.Explain(cmd.Context(), l.ID)
			if err != nil {
				return unavailableError{err}
			}
			out := struct {
				Loop     string `json:"loop"`
				Result   string `json:"result"`
				Agent    string `json:"agent,omitempty"`
				Name     string `json:"name,omitempty"`
				Dial     string `json:"dial,omitempty"`
				CallerID string `json:"caller_id,omitempty"`
				Fallback string `json:"fallback,omitempty"`
			}{Loop: string(l.ID), Result: string(routing.ResultNone), CallerID: routing.TaggedNumber(o.number, l.Tag), Fallback: l.Fallback}
			if len(cands) > 0 && cands[0].Reason == "" {
				a := cands[0].Agent
				out.Result, out.Agent, out.Name, out.Dial = string(routing.ResultOK), string(a.ID), a.Name, a.AsteriskDial
			}
			p := g.printer()
			if p.json {
				return p.jsonOut(out)
			}
			if out.Result == string(routing.ResultNone) {
				fmt.Fprintf(p.w, "loop %s: nobody is free now (result none); `sentralbord loop show %s` says why\n", l.ID, l.ID)
				return nil
			}
			fmt.Fprintf(p.w, "loop %s: would ring %s (%s) at %s", l.ID, out.Name, out.Agent, out.Dial)
			if out.CallerID != "" {
				fmt.Fprintf(p.w, ", showing %s", out.CallerID)
			}
			fmt.Fprintln(p.w)
			return nil
		},
	}
	cmd.Flags().StringVar(&loop, "loop", "", "loop id (required)")
	cmd.Flags().StringVar(&number, "caller", "", "caller's number, to show the tagged caller ID")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "do not claim anyone (required)")
	return cmd
}
