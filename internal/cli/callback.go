package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/routing"
)

func newCallbackCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "callback",
		Short: "Callers who asked to be called back after waiting too long",
		Example: `  sentralbord callback list
  sentralbord callback take 1795847763906-0 --by jenny
  sentralbord callback done 1795847763906-0 --note "svarte på faktura"`,
	}
	cmd.AddCommand(newCallbackListCmd(g), newCallbackTakeCmd(g), newCallbackDoneCmd(g))
	return cmd
}

type callbackView struct {
	ID      string     `json:"id"`
	Time    time.Time  `json:"time"`
	Loop    string     `json:"loop"`
	Number  string     `json:"number"`
	Name    string     `json:"name,omitempty"`
	State   string     `json:"state"`
	TakenBy string     `json:"taken_by,omitempty"`
	DoneAt  *time.Time `json:"done_at,omitempty"`
	Note    string     `json:"note,omitempty"`
}

func cbView(c routing.Callback) callbackView {
	return callbackView{ID: c.ID, Time: c.Time, Loop: string(c.Loop), Number: c.Number, Name: c.Name,
		State: string(c.State), TakenBy: c.TakenBy, DoneAt: timePtr(c.DoneAt), Note: c.Note}
}

func newCallbackListCmd(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List open and taken callback requests, oldest first",
		Example: `  sentralbord callback list --all --output json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			cbs, err := s.store.Callbacks(cmd.Context(), all)
			if err != nil {
				return unavailableError{err}
			}
			now := g.env.Now()
			views := make([]callbackView, 0, len(cbs))
			rows := make([][]string, 0, len(cbs))
			for _, c := range cbs {
				v := cbView(c)
				views = append(views, v)
				rows = append(rows, []string{v.ID, clock(v.Time, now), v.Loop, v.Number, orDash(v.Name), v.State, orDash(v.TakenBy), orDash(v.Note)})
			}
			return g.printer().table(views, []string{"ID", "TIME", "LOOP", "NUMBER", "NAME", "STATE", "TAKEN BY", "NOTE"}, rows)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include done requests")
	return cmd
}

func newCallbackTakeCmd(g *globals) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:     "take ID [--by AGENT]",
		Short:   "Take a callback request: you (or AGENT) will call the caller back",
		Example: `  sentralbord callback take 1795847763906-0 --by "May Tove"`,
		Args:    exactArgs(1, "a callback id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return callbackVerb(cmd, g, args[0], by, func(s *session, who string) (routing.Callback, error) {
				return s.store.TakeCallback(cmd.Context(), args[0], who)
			}, "taken by")
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "agent who calls back (default: you)")
	return cmd
}

func newCallbackDoneCmd(g *globals) *cobra.Command {
	var by, note string
	cmd := &cobra.Command{
		Use:     "done ID [--note TEXT]",
		Short:   "Mark a callback request done",
		Example: `  sentralbord callback done 1795847763906-0 --note "ringt tilbake, saken løst"`,
		Args:    exactArgs(1, "a callback id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return callbackVerb(cmd, g, args[0], by, func(s *session, who string) (routing.Callback, error) {
				return s.store.DoneCallback(cmd.Context(), args[0], who, note)
			}, "done by")
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "agent who called back (default: you)")
	cmd.Flags().StringVar(&note, "note", "", "what came of it")
	return cmd
}

func callbackVerb(cmd *cobra.Command, g *globals, id, by string, do func(*session, string) (routing.Callback, error), verb string) error {
	s, err := g.open(cmd.Context())
	if err != nil {
		return err
	}
	defer s.Close()
	who := g.env.User
	if by != "" {
		a, err := s.cfg.Roster().FindAgent(by)
		if err != nil {
			return err
		}
		who = string(a.ID)
	}
	cb, err := do(s, who)
	switch {
	case errors.Is(err, routing.ErrUnknownCallback):
		return notFound{err}
	case errors.Is(err, routing.ErrCallbackClosed):
		return g.printer().message(false, "callback %s is already done", id)
	case err != nil:
		return unavailableError{err}
	}
	p := g.printer()
	if p.json {
		return p.jsonOut(cbView(cb))
	}
	_, err = fmt.Fprintf(p.w, "callback %s (%s, loop %s): %s %s\n", cb.ID, cb.Number, cb.Loop, verb, who)
	return err
}
