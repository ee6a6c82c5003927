package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/members"
)

func newMessageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "message",
		Short: "Messages to departments about members (beskjed), followed up until done",
		Example: `  sentralbord message send --to medlemsservice --member 1000002 --text "Ring tilbake om kontingent" --confirm
  sentralbord message take --dept medlemsservice
  sentralbord message done medlemsservice/1767168000000-0 --note "Ringt opp"
  sentralbord message list --mine`,
	}
	cmd.AddCommand(newMessageSendCmd(g), newMessageListCmd(g), newMessageTakeCmd(g), newMessageDoneCmd(g))
	return cmd
}

// withMessages runs f with the message store; dept, when given, must be a
// configured department.
func withMessages(ctx context.Context, g *globals, dept string, f func(*session, *members.Messages) error) error {
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if dept != "" && !s.cfg.Members.Department(dept) {
		known := strings.Join(s.cfg.Members.Departments, ", ")
		if known == "" {
			known = "none: list them under members.departments in the configuration"
		}
		return fmt.Errorf("%w %q (known: %s)", members.ErrUnknownDepartment, dept, known)
	}
	ms := members.NewMessages(s.client, g.namespaceFor(s.cfg))
	ms.Now = g.env.Now
	return f(s, ms)
}

type messageSendOptions struct {
	to, member, text string
	confirm          bool
}

func (o messageSendOptions) check() error {
	switch {
	case o.to == "":
		return usage(errors.New("--to DEPARTMENT is required"))
	case strings.TrimSpace(o.text) == "":
		return usage(errors.New("--text is required"))
	case o.member != "":
		if _, ok := members.NormalizeMemberNo(o.member); !ok {
			return usage(fmt.Errorf("--member %q: a membership number is digits", o.member))
		}
	}
	return nil
}

func newMessageSendCmd(g *globals) *cobra.Command {
	var o messageSendOptions
	cmd := &cobra.Command{
		Use:   "send --to DEPT --member N --text TEXT [--confirm]",
		Short: "Send a message about a member to a department",
		Example: `  sentralbord message send --to medlemsservice --member 1000002 --text "Ny adresse, sjekk faktura"
  sentralbord message send --to forsikring --member 1000005 --text "Ring tilbake" --confirm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.to = strings.ToLower(strings.TrimSpace(o.to))
			if err := o.check(); err != nil {
				return err
			}
			return withMessages(cmd.Context(), g, o.to, func(_ *session, ms *members.Messages) error {
				no, _ := members.NormalizeMemberNo(o.member)
				id, err := ms.Send(cmd.Context(), members.Message{Dept: o.to, Member: no, Text: o.text, From: g.env.User, Confirm: o.confirm})
				if err != nil {
					return err
				}
				if o.confirm {
					return g.printer().message(true, "sent %s; the confirmation will show in `message list --mine`", id)
				}
				return g.printer().message(true, "sent %s", id)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "department (members.departments)")
	f.StringVar(&o.member, "member", "", "membership number the message is about")
	f.StringVar(&o.text, "text", "", "what the department should do")
	f.BoolVar(&o.confirm, "confirm", false, "ask the department to confirm when done")
	return cmd
}

func newMessageListCmd(g *globals) *cobra.Command {
	var dept string
	var open, mine bool
	var limit int64
	cmd := &cobra.Command{
		Use:   "list --dept DEPT [--open] | --mine",
		Short: "List a department's messages, or the ones you sent with their confirmations",
		Example: `  sentralbord message list --dept medlemsservice --open
  sentralbord message list --mine --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (dept == "") == !mine {
				return usage(errors.New("give either --dept DEPT or --mine"))
			}
			return withMessages(cmd.Context(), g, dept, func(_ *session, ms *members.Messages) error {
				var list []members.Message
				var err error
				if mine {
					list, err = ms.Mine(cmd.Context(), g.env.User, limit)
				} else {
					list, err = ms.List(cmd.Context(), dept, open, limit)
				}
				if err != nil {
					return err
				}
				return printMessages(g, list, mine)
			})
		},
	}
	cmd.Flags().StringVar(&dept, "dept", "", "department")
	cmd.Flags().BoolVar(&open, "open", false, "only messages not yet done")
	cmd.Flags().BoolVar(&mine, "mine", false, "messages you sent, with confirmations")
	cmd.Flags().Int64Var(&limit, "limit", 200, "at most this many (the newest)")
	return cmd
}

func newMessageTakeCmd(g *globals) *cobra.Command {
	var dept string
	var count int64
	cmd := &cobra.Command{
		Use:   "take --dept DEPT",
		Short: "Take messages to follow up: new ones, and ones another reader left unfinished",
		Long: `Hand you up to --count of the department's messages. They stay yours until
"message done"; one left unfinished for 10 minutes goes to the next reader.`,
		Example: `  sentralbord message take --dept medlemsservice --count 5`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dept == "" {
				return usage(errors.New("--dept is required"))
			}
			return withMessages(cmd.Context(), g, dept, func(_ *session, ms *members.Messages) error {
				list, err := ms.Read(cmd.Context(), dept, g.env.User, max(count, 1))
				if err != nil {
					return err
				}
				return printMessages(g, list, false)
			})
		},
	}
	cmd.Flags().StringVar(&dept, "dept", "", "department")
	cmd.Flags().Int64Var(&count, "count", 10, "at most this many")
	return cmd
}

func newMessageDoneCmd(g *globals) *cobra.Command {
	var note string
	return withNote(&cobra.Command{
		Use:     "done ID [--note TEXT]",
		Short:   "Mark a message followed up; the sender sees it when they asked for confirmation",
		Example: `  sentralbord message done medlemsservice/1767168000000-0 --note "Adresse rettet"`,
		Args:    exactArgs(1, "a message id as message list prints it"),
		RunE: func(cmd *cobra.Command, args []string) error {
			dept, _, err := members.SplitID(args[0])
			if err != nil {
				return err
			}
			return withMessages(cmd.Context(), g, dept, func(_ *session, ms *members.Messages) error {
				changed, err := ms.Done(cmd.Context(), args[0], g.env.User, note)
				if err != nil {
					return err
				}
				if !changed {
					return g.printer().message(false, "%s is already done", args[0])
				}
				return g.printer().message(true, "%s done", args[0])
			})
		},
	}, &note)
}

func withNote(cmd *cobra.Command, note *string) *cobra.Command {
	cmd.Flags().StringVar(note, "note", "", "what was done")
	return cmd
}

func printMessages(g *globals, list []members.Message, mine bool) error {
	now := g.env.Now()
	rows := make([][]string, 0, len(list))
	for _, m := range list {
		rows = append(rows, []string{m.ID, clock(m.At, now), orDash(m.Member), orDash(m.From), messageState(m, mine, now), m.Text})
	}
	if list == nil {
		list = []members.Message{}
	}
	return g.printer().table(list, []string{"ID", "SENT", "MEMBER", "FROM", "STATE", "TEXT"}, rows)
}

func messageState(m members.Message, mine bool, now time.Time) string {
	switch {
	case m.Done != nil:
		s := "done by " + m.Done.By + " " + clock(m.Done.At, now)
		if m.Done.Note != "" {
			s += ": " + m.Done.Note
		}
		if mine {
			s = "confirmed: " + s
		}
		return s
	case mine && !m.Confirm:
		return "sent (no confirmation asked)"
	case mine:
		return "waiting for confirmation"
	case m.HeldBy != "":
		return fmt.Sprintf("with %s (delivered %d×)", m.HeldBy, m.Deliveries)
	}
	return "new"
}
