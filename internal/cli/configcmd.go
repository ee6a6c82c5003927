package cli

import (
	"fmt"

	"github.com/spf13/cobra"
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
			sum := cfg.Summary()
			p := g.printer()
			if p.json {
				return p.jsonOut(sum)
			}
			_, err = fmt.Fprint(p.w, sum.String())
			return err
		},
	})
	return cmd
}
