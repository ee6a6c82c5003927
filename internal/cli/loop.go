package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

func newLoopCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "loop",
		Short: "See loops (hunt groups) and who they would ring",
		Example: `  sentralbord loop list
  sentralbord loop show 2`,
	}
	cmd.AddCommand(newLoopListCmd(g), newLoopShowCmd(g))
	return cmd
}

type loopView struct {
	ID          string   `json:"id"`
	Digit       string   `json:"digit,omitempty"`
	Name        string   `json:"name"`
	Tag         string   `json:"tag"`
	RingTimeout string   `json:"ring_timeout"`
	WrapUp      string   `json:"wrap_up"`
	MaxWait     string   `json:"max_wait"`
	Overflow    string   `json:"overflow,omitempty"`
	Members     []string `json:"members"`
	Eligible    []string `json:"eligible"`
	Next        string   `json:"next,omitempty"`
}

func newLoopListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List loops with how many members are free now",
		Example: `  sentralbord loop list --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			var views []loopView
			var rows [][]string
			for _, l := range s.cfg.Roster().Loops() {
				v, err := loopState(cmd.Context(), s, l)
				if err != nil {
					return err
				}
				views = append(views, v)
				rows = append(rows, []string{v.ID, orDash(v.Digit), v.Name, v.Tag, strconv.Itoa(len(v.Members)),
					strconv.Itoa(len(v.Eligible)), orDash(v.Next)})
			}
			return g.printer().table(views, []string{"ID", "DIGIT", "NAME", "TAG", "MEMBERS", "FREE", "NEXT"}, rows)
		},
	}
}

func loopState(ctx context.Context, s *session, l routing.Loop) (loopView, error) {
	cands, err := s.service.Explain(ctx, l.ID)
	if err != nil {
		return loopView{}, unavailableError{err}
	}
	v := loopView{ID: string(l.ID), Digit: l.Digit, Name: l.Name, Tag: l.Tag,
		RingTimeout: l.RingTimeout.String(), WrapUp: l.WrapUp.String(), MaxWait: l.MaxWait.String(), Overflow: string(l.Overflow),
		Members: []string{}, Eligible: []string{}}
	for _, m := range l.Members {
		v.Members = append(v.Members, string(m))
	}
	for _, c := range cands {
		if c.Reason == "" {
			v.Eligible = append(v.Eligible, string(c.Agent.ID))
		}
	}
	if len(v.Eligible) > 0 {
		v.Next = v.Eligible[0]
	}
	return v, nil
}

func newLoopShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a loop's members in the order they would be rung, with reasons",
		Example: `  sentralbord loop show 1
  sentralbord loop show sentralbord --output json`,
		Args: exactArgs(1, "a loop id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			l, err := s.cfg.Roster().FindLoop(args[0])
			if err != nil {
				return err
			}
			cands, err := s.service.Explain(cmd.Context(), l.ID)
			if err != nil {
				return unavailableError{err}
			}
			now := g.env.Now()
			p := g.printer()
			views := make([]agentView, 0, len(cands))
			rows := make([][]string, 0, len(cands))
			for i, c := range cands {
				v := view(s.cfg.Roster(), c, now)
				views = append(views, v)
				order := "-"
				if v.Eligible {
					order = strconv.Itoa(i + 1)
				}
				rows = append(rows, append([]string{order}, v.row(now)...))
			}
			if p.json {
				return p.jsonOut(struct {
					Loop   string      `json:"loop"`
					Agents []agentView `json:"agents"`
				}{string(l.ID), views})
			}
			fmt.Fprintf(p.w, "loop %s %q (tag %s, ring %s, wrap-up %s): %d members\n\n", l.ID, l.Name, l.Tag, l.RingTimeout, l.WrapUp, len(l.Members))
			return p.table(nil, append([]string{"ORDER"}, agentHeader...), rows)
		},
	}
}
