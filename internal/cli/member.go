package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/members"
)

func newMemberCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "member",
		Short: "The member desk: import the directory, run the checklist, check identity",
		Example: `  sentralbord member import examples/members-demo.csv
  sentralbord member check 01000003
  sentralbord member kid 10000034`,
	}
	cmd.AddCommand(newMemberImportCmd(g), newMemberCheckCmd(g), newMemberUpdateCmd(g), newMemberVerifyCmd(g), newMemberKIDCmd(g))
	return cmd
}

// memberUsage reports errors in what was typed about members and messages.
func memberUsage(err error) bool {
	for _, e := range []error{members.ErrPhone, members.ErrKIDFormat, members.ErrKIDLength, members.ErrKIDCheckDigit,
		members.ErrFnrFormat, members.ErrFnrDate, members.ErrFnrCheckDigit1, members.ErrFnrCheckDigit2, members.ErrEmptyMessage} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// memberNotFound reports unknown or ambiguous members, departments and messages.
func memberNotFound(err error) bool {
	for _, e := range []error{members.ErrUnknownMember, members.ErrUnknownPhone, members.ErrSeveralMembers,
		members.ErrUnknownDepartment, members.ErrUnknownMessage} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// errMismatch is a fødselsnummer that is not the member's.
var errMismatch = errors.New("the fødselsnummer given does not match the member's")

// withDirectory runs f with the member directory of the configured Redis.
func withDirectory(ctx context.Context, g *globals, f func(*session, *members.Directory) error) error {
	s, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	d := members.NewDirectory(s.client, g.namespaceFor(s.cfg))
	d.Now = g.env.Now
	return f(s, d)
}

type memberImportOptions struct {
	file    string
	replace bool
}

func newMemberImportCmd(g *globals) *cobra.Command {
	var o memberImportOptions
	cmd := &cobra.Command{
		Use:   "import [FILE]",
		Short: "Import members from CSV or JSON (default: members.directory in the config)",
		Long: `Import members from a CSV file with a header row (member_no, name, phones,
email, address, bladretur, language, fnr; phones separated by ";") or a JSON
array of objects with the same fields. Phone numbers are normalised to eight
digits. The fødselsnummer is stored only as a keyed hash, with the key from
$SENTRALBORD_MEMBER_KEY or members.key_file, plus whether it is a placeholder
or fails its check digits.`,
		Example: `  SENTRALBORD_MEMBER_KEY=… sentralbord member import examples/members-demo.csv
  sentralbord member import members.json --replace`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.file = args[0]
			}
			return o.run(cmd.Context(), g)
		},
	}
	cmd.Flags().BoolVar(&o.replace, "replace", false, "delete members that are not in the file")
	return cmd
}

func (o memberImportOptions) run(ctx context.Context, g *globals) error {
	return withDirectory(ctx, g, func(s *session, d *members.Directory) error {
		file := o.file
		if file == "" {
			if file = s.cfg.Members.Directory; file == "" {
				return usage(errors.New("give a FILE or set members.directory in the configuration"))
			}
		}
		key, err := s.cfg.Members.Key(g.env.Getenv)
		if err != nil {
			return configError{err}
		}
		h, err := members.NewHasher(key)
		if err != nil {
			return configError{err}
		}
		f, err := os.Open(file)
		if err != nil {
			return usage(err)
		}
		defer f.Close()
		recs, err := members.ReadRecords(f)
		if err != nil {
			return usage(fmt.Errorf("%s: %w", file, err))
		}
		list := make([]members.Member, 0, len(recs))
		var problems []string
		for i, r := range recs {
			m, err := h.Member(r)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: record %d: %v", file, i+1, err))
				continue
			}
			list = append(list, m)
		}
		if len(problems) > 0 {
			return usage(errors.New(strings.Join(problems, "\n")))
		}
		stored, deleted, err := d.Import(ctx, list, o.replace)
		if err != nil {
			return unavailableError{err}
		}
		return g.printer().message(true, "imported %d members from %s (%d deleted)", stored, file, deleted)
	})
}

func newMemberCheckCmd(g *globals) *cobra.Command {
	var caller string
	cmd := &cobra.Command{
		Use:   "check PHONE|MEMBER-NO",
		Short: "The checklist for a member record: phone, e-mail, bladretur, fødselsnummer",
		Long: `List what the person answering must check on the member record: the calling
number against the registered one, a missing e-mail address, the postal address
when bladretur is set, and a placeholder or invalid fødselsnummer. Given a phone
number, that is taken as the calling number.`,
		Example: `  sentralbord member check 01000003
  sentralbord member check 1000002 --caller "+47 0100 0099"
  sentralbord member check 1000004 --output json`,
		Args: exactArgs(1, "a phone number or a membership number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDirectory(cmd.Context(), g, func(_ *session, d *members.Directory) error {
				cl, err := d.Lookup(cmd.Context(), args[0], caller)
				if err != nil {
					return err
				}
				return printChecklist(g, cl)
			})
		},
	}
	cmd.Flags().StringVar(&caller, "caller", "", "the number the member calls from")
	return cmd
}

func printChecklist(g *globals, cl members.Checklist) error {
	p := g.printer()
	if p.json {
		return p.jsonOut(cl)
	}
	m := cl.Member
	head := fmt.Sprintf("member %s %s", m.No, m.Name)
	if m.Language == "en" {
		head += " (EN: greet in English)"
	}
	if cl.Caller != "" {
		head += ", calling from " + cl.Caller
	}
	fmt.Fprintf(p.w, "%s: %d to check\n", head, cl.Todo())
	rows := make([][]string, 0, len(cl.Checks))
	for _, c := range cl.Checks {
		ok := "ok"
		if !c.OK {
			ok = "CHECK"
		}
		rows = append(rows, []string{c.Item, ok, c.Detail})
	}
	return p.table(cl, []string{"ITEM", "", "DETAIL"}, rows)
}
