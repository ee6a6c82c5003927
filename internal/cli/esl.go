package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/internal/app"
)

var errNoNodes = errors.New("no FreeSWITCH nodes configured: add freeswitch.nodes to the configuration")

func newESLCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "esl",
		Short: "Follow FreeSWITCH event sockets (agent status, calls, registrations)",
		Example: `  sentralbord esl listen
  sentralbord esl status --output json`,
	}
	cmd.AddCommand(newESLListenCmd(g), newESLStatusCmd(g))
	return cmd
}

type eslListenOptions struct {
	logLevel slog.Level
}

func parseESLListen(level string) (eslListenOptions, error) {
	var o eslListenOptions
	if err := o.logLevel.UnmarshalText([]byte(level)); err != nil {
		return o, usage(err)
	}
	return o, nil
}

func newESLListenCmd(g *globals) *cobra.Command {
	var level string
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Record what the configured FreeSWITCH nodes report, until SIGTERM or SIGINT",
		Long: `listen keeps one event-socket connection per node of freeswitch.nodes and
records answered and ended calls on agents' phones, SIP registrations,
mod_callcenter agent status and the sentralbord::status events of the
FreeSWITCH feature codes, with source "esl" and the node's name in the audit
stream. Each node's password comes from its password_file or from
$SENTRALBORD_ESL_PASSWORD. serve runs the same listener when nodes are
configured; run this command instead when serve runs elsewhere.`,
		Example: `  SENTRALBORD_ESL_PASSWORD=... sentralbord esl listen --log-level debug`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := parseESLListen(level)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			return g.eslListen(ctx, o)
		},
	}
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	return cmd
}

func (g *globals) eslListen(ctx context.Context, o eslListenOptions) error {
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	log := slog.New(slog.NewTextHandler(g.env.Stderr, &slog.HandlerOptions{Level: o.logLevel}))
	l, err := app.ESLListener(s.cfg, s.store, log, g.env.Getenv)
	if err != nil {
		return configError{err}
	}
	if l == nil {
		return configError{errNoNodes}
	}
	// Agents new to the configuration need a state before events can change it.
	if err := s.store.Sync(ctx); err != nil {
		return unavailableError{fmt.Errorf("sync agents: %w", err)}
	}
	log.Info("following FreeSWITCH nodes", "nodes", len(s.cfg.FreeSWITCH.Nodes))
	return l.Run(ctx)
}

// eslRow is one node in `esl status`: its last published status, or only
// its name when the listener has not reported for a while.
type eslRow struct {
	esl.NodeStatus
	Reporting bool `json:"reporting"` // a listener published this status recently
}

func newESLStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show each FreeSWITCH node's link: connected, last event, lag, reconnects",
		Long: `status reads what the running listener (esl listen, or serve) publishes every
few seconds. A configured node with no recent report shows "not reporting":
no listener is running for it. Lag is the time between FreeSWITCH firing
the last event and it being read here; it includes clock skew.`,
		Example: `  sentralbord esl status
  sentralbord esl status -o json | jq '.[] | select(.connected | not)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			saved, err := s.store.NodeStatuses(cmd.Context())
			if err != nil {
				return unavailableError{err}
			}
			var names []string
			for _, n := range s.cfg.FreeSWITCH.Nodes {
				names = append(names, n.Name)
			}
			return g.printESLStatus(eslRows(names, saved))
		},
	}
}

// eslRows lists the configured nodes in order, then any other node that
// reported (a listener started with another configuration).
func eslRows(configured []string, saved map[string][]byte) []eslRow {
	var rows []eslRow
	add := func(name string) {
		r := eslRow{NodeStatus: esl.NodeStatus{Node: name}}
		if b, ok := saved[name]; ok && json.Unmarshal(b, &r.NodeStatus) == nil {
			r.Reporting = true
		}
		rows = append(rows, r)
	}
	for _, n := range configured {
		add(n)
	}
	var extra []string
	for n := range saved {
		if !slices.Contains(configured, n) {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	for _, n := range extra {
		add(n)
	}
	return rows
}

func (g *globals) printESLStatus(rows []eslRow) error {
	p := g.printer()
	if rows == nil {
		rows = []eslRow{}
	}
	now := g.env.Now()
	var table [][]string
	for _, r := range rows {
		state := "not reporting"
		switch {
		case r.Reporting && r.Connected:
			state = "connected"
		case r.Reporting:
			state = "down"
		}
		lag := "-"
		if r.Reporting && !r.LastEvent.IsZero() {
			lag = r.Lag.Round(time.Millisecond).String()
		}
		table = append(table, []string{r.Node, orDash(r.Addr), state, clock(r.LastEvent, now), lag,
			strconv.Itoa(r.Reconnects), orDash(r.LastError)})
	}
	if len(rows) == 0 && !p.json {
		return p.message(false, "%v", errNoNodes)
	}
	return p.table(rows, []string{"NODE", "ADDR", "LINK", "LAST EVENT", "LAG", "RECONNECTS", "LAST ERROR"}, table)
}
