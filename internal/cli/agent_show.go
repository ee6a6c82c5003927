package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

func newAgentShowCmd(g *globals) *cobra.Command {
	var history int
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show one agent: state, loops, dial strings and recent changes",
		Example: `  sentralbord agent show "Mette K."
  sentralbord agent show 2301 --history 20 --output json`,
		Args: exactArgs(1, "an agent name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if history < 0 || history > 1000 {
				return usage(fmt.Errorf("--history %d: want 0 to 1000", history))
			}
			return withAgent(cmd.Context(), g, args[0], func(s *session, a routing.Agent) error {
				cands, err := s.service.Describe(cmd.Context(), []routing.AgentID{a.ID})
				if err != nil {
					return unavailableError{err}
				}
				entries, err := s.store.Audit(cmd.Context(), a.ID, history, 10_000)
				if err != nil {
					return unavailableError{err}
				}
				now := g.env.Now()
				v := view(s.cfg.Roster(), cands[0], now)
				out := struct {
					agentView
					Roles      []string              `json:"roles"`
					Asterisk   string                `json:"asterisk"`
					FreeSWITCH string                `json:"freeswitch"`
					History    []presence.AuditEntry `json:"history"`
				}{v, a.Roles, a.AsteriskDial, a.FreeSWITCHDial, entries}
				p := g.printer()
				if p.json {
					return p.jsonOut(out)
				}
				tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
				row := v.row(now)
				for i, h := range agentHeader {
					fmt.Fprintf(tw, "%s:\t%s\n", strings.ToLower(h), row[i])
				}
				fmt.Fprintf(tw, "roles:\t%s\n", orDash(strings.Join(a.Roles, ", ")))
				fmt.Fprintf(tw, "asterisk:\t%s\nfreeswitch:\t%s\n", orDash(a.AsteriskDial), orDash(a.FreeSWITCHDial))
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(entries) > 0 {
					fmt.Fprintln(p.w, "\nrecent changes:")
					printAudit(p, entries, now)
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&history, "history", 10, "how many recent changes to show")
	return cmd
}

func printAudit(p printer, entries []presence.AuditEntry, now time.Time) {
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tSOURCE\tACTOR\tAGENT\tEVENT\tDETAIL")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", clock(e.Time, now), e.Source, orDash(e.Actor), orDash(e.Agent), e.Event, orDash(e.Detail))
	}
	_ = tw.Flush()
}
