package config

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/sentralbord/sentralbord/routing"
)

// Summary is what `sentralbord config check` shows: the menu, each loop's
// settings and why each member belongs to it. It carries no secret and
// encodes as JSON for scripts.
type Summary struct {
	File           string        `json:"file"`
	Agents         int           `json:"agents"`
	Roles          []Role        `json:"roles"`
	Switchboard    string        `json:"switchboard"`
	EnglishKey     string        `json:"english_key"`
	Loops          []LoopSummary `json:"loops"`
	AGIListen      string        `json:"agi_listen"`
	Redis          string        `json:"redis"` // mode and addresses
	Namespace      string        `json:"namespace"`
	DecisionBudget string        `json:"decision_budget"`
}

// LoopSummary is one loop as configured and resolved.
type LoopSummary struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Digit       string          `json:"digit,omitempty"`
	Tag         string          `json:"tag"`
	RingTimeout string          `json:"ring_timeout"`
	WrapUp      string          `json:"wrap_up"`
	MaxWait     string          `json:"max_wait"`
	Overflow    string          `json:"overflow,omitempty"`
	Fallback    string          `json:"fallback"`
	Roles       []string        `json:"roles,omitempty"`
	Members     []MemberSummary `json:"members"`
}

// MemberSummary is one member of a loop and why it is one.
type MemberSummary struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	ByName bool     `json:"by_name"`
	Roles  []string `json:"by_roles,omitempty"`
}

// Summary describes the configuration for people and scripts.
func (c *Config) Summary() Summary {
	s := Summary{
		File: c.File, Agents: len(c.Agents), Roles: c.Roles,
		Switchboard: string(c.Switchboard), EnglishKey: c.EnglishKey,
		AGIListen: c.Server.AGIListen, Redis: c.Server.describeRedis(),
		Namespace: c.Server.Namespace, DecisionBudget: short(c.Server.DecisionBudget),
	}
	names := make(map[routing.AgentID]string, len(c.Agents))
	for _, a := range c.Agents {
		names[a.ID] = a.Name
	}
	for _, l := range c.Loops {
		ls := LoopSummary{
			ID: string(l.ID), Name: l.Name, Digit: l.Digit, Tag: l.Tag,
			RingTimeout: short(l.RingTimeout), WrapUp: short(l.WrapUp), MaxWait: short(l.MaxWait),
			Overflow: string(l.Overflow), Fallback: l.Fallback, Roles: l.Roles,
		}
		for _, m := range l.Membership {
			ls.Members = append(ls.Members, MemberSummary{ID: string(m.Agent), Name: names[m.Agent], ByName: m.ByName, Roles: m.Roles})
		}
		s.Loops = append(s.Loops, ls)
	}
	return s
}

func (s Server) describeRedis() string {
	switch s.RedisMode() {
	case RedisSingle:
		return "single " + s.RedisAddr + strings.Join(s.RedisAddrs, "")
	case RedisCluster:
		return "cluster " + strings.Join(s.RedisAddrs, ", ")
	case RedisSentinel:
		return fmt.Sprintf("sentinel master %q via %s", s.RedisSentinelMaster, strings.Join(s.RedisAddrs, ", "))
	}
	return "embedded"
}

// String lays the summary out for a terminal.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d agents, %d roles, %d loops\n", s.File, s.Agents, len(s.Roles), len(s.Loops))
	var menu []string
	for _, l := range s.Loops {
		if l.Digit != "" {
			menu = append(menu, fmt.Sprintf("%s → %s (%s)", l.Digit, l.ID, l.Name))
		}
	}
	menu = append(menu, fmt.Sprintf("%s → %s in English", s.EnglishKey, s.Switchboard))
	fmt.Fprintf(&b, "menu: %s; no or invalid key → %s\n", strings.Join(menu, ", "), s.Switchboard)
	fmt.Fprintf(&b, "agi %s, redis %s, keys {%s}:…, decision budget %s\n", s.AGIListen, s.Redis, s.Namespace, s.DecisionBudget)
	for _, l := range s.Loops {
		fmt.Fprintf(&b, "\nloop %s %q", l.ID, l.Name)
		if l.Digit != "" {
			fmt.Fprintf(&b, ", digit %s", l.Digit)
		}
		fmt.Fprintf(&b, ", tag %s, ring %s, wrap-up %s, max wait %s", l.Tag, l.RingTimeout, l.WrapUp, l.MaxWait)
		if l.Overflow != "" {
			fmt.Fprintf(&b, ", then %s", l.Overflow)
		}
		b.WriteString("\n")
		if len(l.Roles) > 0 {
			fmt.Fprintf(&b, "  roles: %s\n", strings.Join(l.Roles, ", "))
		}
		fmt.Fprintf(&b, "  fallback: %s\n", l.Fallback)
		fmt.Fprintf(&b, "  %d members:\n", len(l.Members))
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, m := range l.Members {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", m.Name, m.ID, m.why())
		}
		tw.Flush()
	}
	return b.String()
}

func (m MemberSummary) why() string {
	var parts []string
	if m.ByName {
		parts = append(parts, "by name")
	}
	switch len(m.Roles) {
	case 0:
	case 1:
		parts = append(parts, "role "+m.Roles[0])
	default:
		parts = append(parts, "roles "+strings.Join(m.Roles, ", "))
	}
	return strings.Join(parts, ", ")
}
