package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/routing"
)

func newCalendarCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calendar",
		Short: "See and refresh the Outlook calendars that steer availability",
		Example: `  sentralbord calendar show jenny
  sentralbord calendar show "May Tove" --date 2026-12-01
  sentralbord calendar sync`,
	}
	cmd.AddCommand(newCalendarShowCmd(g), newCalendarSyncCmd(g))
	return cmd
}

// calendarShowOptions are the parsed arguments of `calendar show`.
type calendarShowOptions struct {
	Agent string
	Date  string // YYYY-MM-DD, "" for today
}

func (o calendarShowOptions) day(now time.Time, loc *time.Location) (time.Time, error) {
	if o.Date == "" {
		y, m, d := now.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, o.Date, loc)
	if err != nil {
		return time.Time{}, usage(fmt.Errorf("--date %q: want YYYY-MM-DD", o.Date))
	}
	return t, nil
}

func newCalendarShowCmd(g *globals) *cobra.Command {
	var o calendarShowOptions
	cmd := &cobra.Command{
		Use:   "show AGENT",
		Short: "Show an agent's calendar entries for a day and the rule that decided each",
		Long: `Shows the synced calendar entries of one day: when, whether the entry makes the
agent busy, and which rule decided it. Subjects of private events are hidden.`,
		Example: `  sentralbord calendar show jenny
  sentralbord calendar show 2101 --date 2026-12-01 --output json`,
		Args: exactArgs(1, "an agent name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Agent = args[0]
			return withAgent(cmd.Context(), g, o.Agent, func(s *session, a routing.Agent) error {
				return runCalendarShow(cmd.Context(), g, s, a, o)
			})
		},
	}
	cmd.Flags().StringVar(&o.Date, "date", "", "day to show, YYYY-MM-DD (default: today)")
	return cmd
}

type calendarShowView struct {
	calendar.Record
	Date   string `json:"date"`
	Rules  string `json:"rules"`
	Source string `json:"source"`
	BusyAt string `json:"now,omitempty"` // the reason routing gives now
}

func runCalendarShow(ctx context.Context, g *globals, s *session, a routing.Agent, o calendarShowOptions) error {
	cc := s.cfg.Calendar
	now := g.env.Now()
	day, err := o.day(now, cc.Zone)
	if err != nil {
		return err
	}
	rec, err := s.cal.Load(ctx, a.ID)
	if err != nil {
		return unavailableError{err}
	}
	v := calendarShowView{Record: rec, Date: day.Format(time.DateOnly), Rules: cc.Rules.Describe(), Source: "none configured"}
	for _, src := range cc.Sources {
		if src.Agent == a.ID {
			v.Source = src.String()
		}
	}
	end := day.AddDate(0, 0, 1)
	var kept []calendar.Entry
	for _, e := range rec.Entries {
		if e.End.After(day) && e.Start.Before(end) {
			kept = append(kept, e)
		}
	}
	v.Entries = kept
	if b, err := s.cal.BusyAt(ctx, a.ID, now); err == nil && b.Busy {
		v.BusyAt = "in " + b.What + " until " + b.Until.Format("15:04")
	}
	p := g.printer()
	if p.json {
		return p.jsonOut(v)
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "agent:\t%s (%s)\nsource:\t%s\n", a.Name, a.ID, v.Source)
	fmt.Fprintf(tw, "synced:\t%s\n", syncState(rec, cc.Zone))
	if v.BusyAt != "" {
		fmt.Fprintf(tw, "now:\t%s\n", v.BusyAt)
	}
	fmt.Fprintf(tw, "rules:\t%s\n", v.Rules)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(p.w, "\n%s:\n", v.Date)
	rows := make([][]string, 0, len(kept))
	for _, e := range kept {
		subj := e.Subject
		if e.Private {
			subj = "(private)"
		}
		busy := "no"
		if e.Busy {
			busy = "yes"
		}
		rows = append(rows, []string{span(e, day, cc.Zone), busy, string(e.Show), e.Rule, orDash(subj)})
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(p.w, "no entries")
		return err
	}
	return printer{w: p.w}.table(nil, []string{"WHEN", "BUSY", "SHOW-AS", "RULE", "SUBJECT"}, rows)
}

func span(e calendar.Entry, day time.Time, loc *time.Location) string {
	if e.AllDay {
		return "all day"
	}
	f := func(t time.Time) string {
		t = t.In(loc)
		if t.Before(day) || !t.Before(day.AddDate(0, 0, 1)) {
			return t.Format("01-02 15:04")
		}
		return t.Format("15:04")
	}
	return f(e.Start) + "–" + f(e.End)
}

func syncState(r calendar.Record, loc *time.Location) string {
	if r.Never {
		if r.Error != "" {
			return "never (last error: " + r.Error + ")"
		}
		return "never"
	}
	s := r.Synced.In(loc).Format("2006-01-02 15:04:05")
	switch {
	case r.Expired:
		s += " — EXPIRED, ignored (last error: " + r.Error + ")"
	case r.Stale:
		s += " — STALE, last fetch failed: " + r.Error
	}
	return s
}

func newCalendarSyncCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sync [AGENT]",
		Short: "Fetch calendars now (all, or one agent's)",
		Long: `Fetches calendars now and stores the result where every instance sees it. The
service does this on its own every calendar.sync_interval.`,
		Example: `  sentralbord calendar sync
  sentralbord calendar sync jenny --output json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := g.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			var agents []routing.AgentID
			if len(args) == 1 {
				a, err := s.cfg.Roster().FindAgent(args[0])
				if err != nil {
					return err
				}
				agents = []routing.AgentID{a.ID}
			}
			_, y := app.Calendars(ctx, s.cfg, s.client, g.namespaceFor(s.cfg), nil)
			if y == nil {
				return g.printer().message(false, "no agent has a calendar configured")
			}
			y.Store = s.cal
			res := y.Sync(ctx, agents)
			if len(agents) == 1 && len(res) == 0 {
				return g.printer().message(false, "%s has no calendar configured", args[0])
			}
			rows := make([][]string, 0, len(res))
			failed := 0
			for _, r := range res {
				if r.Error != "" {
					failed++
				}
				rows = append(rows, []string{string(r.Agent), r.Source, fmt.Sprint(r.Entries), fmt.Sprint(r.Busy), orDash(r.Error)})
			}
			if err := g.printer().table(res, []string{"AGENT", "SOURCE", "ENTRIES", "BUSY", "ERROR"}, rows); err != nil {
				return err
			}
			if failed > 0 {
				return unavailableError{errors.New(strings.TrimSpace(fmt.Sprintf("%d of %d calendars failed; the last good data is kept", failed, len(res))))}
			}
			return nil
		},
	}
}
