package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

func newAuditCmd(g *globals) *cobra.Command {
	var agent string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show recent changes from the audit stream (logins, statuses, claims, calls)",
		Example: `  sentralbord audit --limit 50
  sentralbord audit --agent jenny --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 || limit > 10_000 {
				return usage(fmt.Errorf("--limit %d: want 1 to 10000", limit))
			}
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			var id routing.AgentID
			if agent != "" {
				a, err := s.cfg.Roster().FindAgent(agent)
				if err != nil {
					return err
				}
				id = a.ID
			}
			entries, err := s.store.Audit(cmd.Context(), id, limit, 100_000)
			if err != nil {
				return unavailableError{err}
			}
			p := g.printer()
			if p.json {
				return p.jsonOut(entries)
			}
			printAudit(p, entries, g.env.Now())
			return nil
		},
	}
	cmd.Flags().StringVar(&agent, "agent", "", "only this agent's changes")
	cmd.Flags().IntVar(&limit, "limit", 20, "how many entries, newest first")
	return cmd
}
