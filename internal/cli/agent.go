package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

func newAgentCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "See and change agents: login, logout, status",
		Example: `  sentralbord agent list
  sentralbord agent show jenny
  sentralbord agent logout "May Tove" --reason ferie --until 2026-12-31`,
	}
	cmd.AddCommand(newAgentListCmd(g), newAgentShowCmd(g), newAgentLoginCmd(g), newAgentLogoutCmd(g), newAgentStatusCmd(g))
	return cmd
}

// agentView is an agent as the CLI prints it; the JSON form is stable.
type agentView struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	Extension    string     `json:"extension"`
	Loops        []string   `json:"loops"`
	LoggedIn     bool       `json:"logged_in"`
	LogoutReason string     `json:"logout_reason,omitempty"`
	LogoutUntil  string     `json:"logout_until,omitempty"`
	Status       string     `json:"status"`
	OnCall       string     `json:"on_call,omitempty"`
	RingingFor   string     `json:"ringing_for,omitempty"`
	IdleSince    *time.Time `json:"idle_since,omitempty"`
	WrapUntil    *time.Time `json:"wrap_until,omitempty"`
	Eligible     bool       `json:"eligible"`
	Reason       string     `json:"reason,omitempty"`
}

func view(r *routing.Roster, c routing.Candidate, now time.Time) agentView {
	v := agentView{
		ID: string(c.Agent.ID), Name: c.Agent.Name, Extension: c.Agent.Extension,
		LoggedIn: c.State.LoggedIn, Status: string(c.State.Status), OnCall: string(c.State.OnCall),
		IdleSince: timePtr(c.State.IdleSince), Eligible: c.Reason == "", Reason: c.Reason,
	}
	for _, l := range r.LoopsOf(c.Agent.ID) {
		v.Loops = append(v.Loops, string(l))
	}
	if !c.State.LoggedIn {
		v.LogoutReason = string(c.State.LogoutReason)
		if !c.State.LogoutUntil.IsZero() {
			v.LogoutUntil = c.State.LogoutUntil.Format(time.DateOnly)
		}
	}
	if c.State.Claimed(now) {
		v.RingingFor = string(c.State.ClaimedBy)
	}
	if now.Before(c.State.WrapUntil) {
		v.WrapUntil = timePtr(c.State.WrapUntil)
	}
	return v
}

func (v agentView) row(now time.Time) []string {
	in := "yes"
	if !v.LoggedIn {
		in = "no"
		if v.LogoutReason != "" {
			in += " (" + v.LogoutReason
			if v.LogoutUntil != "" {
				in += " until " + v.LogoutUntil
			}
			in += ")"
		}
	}
	eligible := "yes"
	if !v.Eligible {
		eligible = "no: " + v.Reason
	}
	idle := "-"
	if v.IdleSince != nil {
		idle = clock(*v.IdleSince, now)
	}
	return []string{v.Name, v.ID, orDash(v.Extension), orDash(strings.Join(v.Loops, ",")), in, v.Status, orDash(v.OnCall), idle, eligible}
}

var agentHeader = []string{"NAME", "ID", "EXT", "LOOPS", "LOGGED IN", "STATUS", "ON CALL", "IDLE SINCE", "ELIGIBLE"}

type agentListOptions struct{ loop string }

func newAgentListCmd(g *globals) *cobra.Command {
	var o agentListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List agents with their state and why they cannot take a call",
		Example: `  sentralbord agent list
  sentralbord agent list --loop 2 --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), g) },
	}
	cmd.Flags().StringVar(&o.loop, "loop", "", "only the members of this loop")
	return cmd
}

func (o agentListOptions) run(ctx context.Context, g *globals) error {
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	r := s.cfg.Roster()
	var ids []routing.AgentID
	if o.loop != "" {
		l, err := r.FindLoop(o.loop)
		if err != nil {
			return err
		}
		ids = l.Members
	} else {
		for _, a := range r.Agents() {
			ids = append(ids, a.ID)
		}
	}
	cands, err := s.service.Describe(ctx, ids)
	if err != nil {
		return unavailableError{err}
	}
	now := g.env.Now()
	views := make([]agentView, 0, len(cands))
	rows := make([][]string, 0, len(cands))
	for _, c := range cands {
		v := view(r, c, now)
		views = append(views, v)
		rows = append(rows, v.row(now))
	}
	return g.printer().table(views, agentHeader, rows)
}
