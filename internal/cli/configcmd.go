package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/config"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "config",
		Short:   "Check the configuration",
		Example: `  sentralbord config check examples/sentralbord.yaml`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check [FILE]",
		Short: "Validate a configuration file and print the loops with their resolved members",
		Example: `  sentralbord config check examples/sentralbord.yaml
  sentralbord config check /etc/sentralbord/sentralbord.yaml --output json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				g.config = args[0]
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return printConfig(g.printer(), cfg)
		},
	})
	return cmd
}

type memberView struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	ByName bool     `json:"by_name"`
	Roles  []string `json:"by_roles,omitempty"`
}

type loopConfigView struct {
	ID       string       `json:"id"`
	Digit    string       `json:"digit,omitempty"`
	Name     string       `json:"name"`
	Tag      string       `json:"tag"`
	Roles    []string     `json:"roles,omitempty"`
	Fallback string       `json:"fallback"`
	Overflow string       `json:"overflow,omitempty"`
	Members  []memberView `json:"members"`
}

func printConfig(p printer, cfg *config.Config) error {
	views := make([]loopConfigView, 0, len(cfg.Loops))
	for _, l := range cfg.Loops {
		v := loopConfigView{ID: string(l.ID), Digit: l.Digit, Name: l.Name, Tag: l.Tag, Roles: l.Roles,
			Fallback: l.Fallback, Overflow: string(l.Overflow)}
		for _, m := range l.Membership {
			a, _ := cfg.Roster().Agent(m.Agent)
			v.Members = append(v.Members, memberView{ID: string(m.Agent), Name: a.Name, ByName: m.ByName, Roles: m.Roles})
		}
		views = append(views, v)
	}
	if p.json {
		return p.jsonOut(struct {
			File        string           `json:"file"`
			Valid       bool             `json:"valid"`
			Switchboard string           `json:"switchboard"`
			EnglishKey  string           `json:"english_key"`
			Agents      int              `json:"agents"`
			Loops       []loopConfigView `json:"loops"`
		}{cfg.File, true, string(cfg.Switchboard), cfg.EnglishKey, len(cfg.Agents), views})
	}
	fmt.Fprintf(p.w, "%s: valid: %d agents, %d roles, %d loops; English key %s and invalid input go to loop %s\n",
		cfg.File, len(cfg.Agents), len(cfg.Roles), len(cfg.Loops), cfg.EnglishKey, cfg.Switchboard)
	for _, v := range views {
		digit := "no menu digit"
		if v.Digit != "" {
			digit = "digit " + v.Digit
		}
		fmt.Fprintf(p.w, "\nloop %s %q (%s, tag %s", v.ID, v.Name, digit, v.Tag)
		if len(v.Roles) > 0 {
			fmt.Fprintf(p.w, ", roles %s", strings.Join(v.Roles, ", "))
		}
		fmt.Fprintf(p.w, "): %d members\n", len(v.Members))
		for _, m := range v.Members {
			var why []string
			if m.ByName {
				why = append(why, "by name")
			}
			if len(m.Roles) > 0 {
				why = append(why, "by role "+strings.Join(m.Roles, ", "))
			}
			fmt.Fprintf(p.w, "  %-16s %-16s %s\n", m.Name, m.ID, strings.Join(why, "; "))
		}
	}
	return nil
}
