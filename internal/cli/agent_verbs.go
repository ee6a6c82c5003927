package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

type agentLogoutOptions struct {
	name   string
	reason routing.LogoutReason
	until  time.Time
}

// parseLogout checks what the supervisor typed before anything touches Redis.
func parseLogout(args []string, reason, until string, now time.Time) (agentLogoutOptions, error) {
	if len(args) != 1 {
		return agentLogoutOptions{}, usage(fmt.Errorf("want exactly one agent name, got %d", len(args)))
	}
	if reason == "" {
		return agentLogoutOptions{}, usage(errors.New("--reason is required: ferie, fri or permisjon (logging out is only for vacation, time off or leave)"))
	}
	r, err := routing.ParseLogoutReason(reason)
	if err != nil {
		return agentLogoutOptions{}, usage(fmt.Errorf("--reason: %w", err))
	}
	o := agentLogoutOptions{name: args[0], reason: r}
	if until != "" {
		t, err := time.ParseInLocation(time.DateOnly, until, now.Location())
		if err != nil {
			return agentLogoutOptions{}, usage(fmt.Errorf("--until %q: want a date like 2026-12-31", until))
		}
		if t.Before(truncateDay(now)) {
			return agentLogoutOptions{}, usage(fmt.Errorf("--until %s is in the past", until))
		}
		o.until = t
	}
	return o, nil
}

func truncateDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func newAgentLogoutCmd(g *globals) *cobra.Command {
	var reason, until string
	cmd := &cobra.Command{
		Use:   "logout NAME --reason ferie|fri|permisjon [--until DATE]",
		Short: "Log an agent out of all loops for vacation, time off or leave",
		Example: `  sentralbord agent logout "May Tove" --reason ferie --until 2026-12-31
  sentralbord agent logout 2105 --reason permisjon`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := parseLogout(args, reason, until, g.env.Now())
			if err != nil {
				return err
			}
			return withAgent(cmd.Context(), g, o.name, func(s *session, a routing.Agent) error {
				changed, err := s.store.Logout(cmd.Context(), a.ID, o.reason, o.until, s.actor)
				if err != nil {
					return err
				}
				if !changed {
					return g.printer().message(false, "%s is already logged out (%s)", a.Name, o.reason)
				}
				return g.printer().message(true, "%s logged out (%s)", a.Name, o.reason)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "ferie, fri or permisjon (required)")
	cmd.Flags().StringVar(&until, "until", "", "expected return date, YYYY-MM-DD")
	return cmd
}

func newAgentLoginCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "login NAME",
		Short:   "Log an agent back in to all their loops",
		Example: `  sentralbord agent login "May Tove"`,
		Args:    exactArgs(1, "an agent name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withAgent(cmd.Context(), g, args[0], func(s *session, a routing.Agent) error {
				changed, err := s.store.Login(cmd.Context(), a.ID, s.actor)
				if err != nil {
					return err
				}
				if !changed {
					return g.printer().message(false, "%s is already logged in", a.Name)
				}
				return g.printer().message(true, "%s logged in", a.Name)
			})
		},
	}
}

func newAgentStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status NAME STATUS",
		Short: "Set an agent's status (available, busy, away, lunch, dnd, meeting)",
		Example: `  sentralbord agent status jenny lunch
  sentralbord agent status jenny available`,
		Args: exactArgs(2, "an agent name and a status"),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := routing.ParseStatus(args[1])
			if err != nil {
				return usage(err)
			}
			return withAgent(cmd.Context(), g, args[0], func(s *session, a routing.Agent) error {
				changed, err := s.store.SetStatus(cmd.Context(), a.ID, st, s.actor)
				if err != nil {
					return err
				}
				if !changed {
					return g.printer().message(false, "%s is already %s", a.Name, st)
				}
				return g.printer().message(true, "%s is now %s", a.Name, st)
			})
		},
	}
}

// withAgent opens a session and resolves name before running fn.
func withAgent(ctx context.Context, g *globals, name string, fn func(*session, routing.Agent) error) error {
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.cfg.Roster().FindAgent(name)
	if err != nil {
		return err
	}
	return fn(s, a)
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != n {
			return usage(fmt.Errorf("want %s, got %d argument(s)", what, len(args)))
		}
		return nil
	}
}
