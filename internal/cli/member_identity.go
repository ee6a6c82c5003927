package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sentralbord/sentralbord/members"
)

func newMemberUpdateCmd(g *globals) *cobra.Command {
	var address, email string
	cmd := &cobra.Command{
		Use:   "update MEMBER-NO [--address ADDRESS] [--email EMAIL]",
		Short: "Correct a member's postal address (clears bladretur) or e-mail",
		Example: `  sentralbord member update 1000003 --address "Prøvegata 9, 9999 Eksempelby"
  sentralbord member update 1000002 --email ola@example.com`,
		Args: exactArgs(1, "a membership number"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var c members.Contact
			if cmd.Flags().Changed("address") {
				if strings.TrimSpace(address) == "" {
					return usage(errors.New("--address: empty; give the verified postal address"))
				}
				c.Address = &address
			}
			if cmd.Flags().Changed("email") {
				if e := strings.TrimSpace(email); e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " ,;")) {
					return usage(fmt.Errorf("--email %q: not an e-mail address", email))
				}
				c.Email = &email
			}
			if c.Address == nil && c.Email == nil {
				return usage(errors.New("nothing to change: give --address and/or --email"))
			}
			return withDirectory(cmd.Context(), g, func(s *session, d *members.Directory) error {
				changed, err := d.UpdateContact(cmd.Context(), args[0], c, g.env.User)
				if err != nil {
					return err
				}
				if !changed {
					return g.printer().message(false, "member %s already has these details", args[0])
				}
				msg := "member %s updated"
				if c.Address != nil {
					msg += "; bladretur cleared"
				}
				return g.printer().message(true, msg, args[0])
			})
		},
	}
	cmd.Flags().StringVar(&address, "address", "", "the verified postal address; clears bladretur")
	cmd.Flags().StringVar(&email, "email", "", "e-mail address (empty removes it)")
	return cmd
}

// readFnr takes the number from stdin for "-": command lines end up in shell
// history and process lists, stdin does not.
func readFnr(flag string, stdin io.Reader) (string, error) {
	if flag != "-" {
		return flag, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 64)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", usage(fmt.Errorf("--fnr -: read stdin: %w", err))
	}
	return strings.TrimSpace(line), nil
}

func newMemberVerifyCmd(g *globals) *cobra.Command {
	var no, fnr string
	cmd := &cobra.Command{
		Use:   "verify --member-no N --fnr -",
		Short: "Check that a fødselsnummer is the member's, without showing the stored one",
		Long: `Compare the fødselsnummer a caller reads out with the member's, by keyed hash.
Give --fnr - and type or pipe the number on stdin: a number on the command
line is kept in shell history and visible to other users in the process list.
Exit code 6 means the number does not match.`,
		Example: `  sentralbord member verify --member-no 1000001 --fnr -
  printf '%s\n' "$FNR" | sentralbord member verify --member-no 1000001 --fnr -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if no == "" || fnr == "" {
				return usage(errors.New("--member-no and --fnr are required (--fnr - reads the number from stdin)"))
			}
			given, err := readFnr(fnr, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return withDirectory(cmd.Context(), g, func(s *session, d *members.Directory) error {
				key, err := s.cfg.Members.Key(g.env.Getenv)
				if err != nil {
					return configError{err}
				}
				h, err := members.NewHasher(key)
				if err != nil {
					return configError{err}
				}
				m, v, err := d.Verify(cmd.Context(), h, no, given)
				if err != nil {
					return err
				}
				return printVerification(g, m, v)
			})
		},
	}
	cmd.Flags().StringVar(&no, "member-no", "", "membership number")
	cmd.Flags().StringVar(&fnr, "fnr", "", `the fødselsnummer the caller gave; "-" reads it from stdin`)
	return cmd
}

func printVerification(g *globals, m members.Member, v members.Verification) error {
	p := g.printer()
	if p.json {
		if err := p.jsonOut(struct {
			Member string `json:"member_no"`
			Name   string `json:"name"`
			members.Verification
		}{m.No, m.Name, v}); err != nil {
			return err
		}
	} else {
		verdict := "MATCHES"
		if !v.Match {
			verdict = "does NOT match"
		}
		fmt.Fprintf(p.w, "fødselsnummer %s member %s %s\n", verdict, m.No, m.Name)
		if v.Given != "" {
			fmt.Fprintf(p.w, "the number given: %s (misheard a digit?)\n", v.Given)
		}
		if v.Stored != members.FnrValid {
			fmt.Fprintf(p.w, "the registered number is %s: ask for it and correct the member register\n", v.Stored)
		}
	}
	if !v.Match {
		return errMismatch
	}
	return nil
}

func newMemberKIDCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "kid KID",
		Short: "Validate a KID and show the member it belongs to",
		Long: `Check the KID's check digit (members.kid_algorithm: MOD10 or MOD11), take the
membership number from members.kid_member_positions and show the member's name,
to compare with the name the caller gave. Then ask for the fødselsnummer.`,
		Example: `  sentralbord member kid 10000018
  sentralbord member kid "1000001 8" --output json`,
		Args: exactArgs(1, "a KID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDirectory(cmd.Context(), g, func(s *session, d *members.Directory) error {
				mc := s.cfg.Members
				rules := members.KIDRules{Algorithm: mc.KIDAlgorithm, Length: mc.KIDLength, MemberFrom: mc.KIDMemberFrom, MemberTo: mc.KIDMemberTo}
				no, err := rules.ParseKID(args[0])
				if err != nil {
					return err
				}
				m, err := d.Get(cmd.Context(), no)
				if err != nil {
					return fmt.Errorf("KID is valid (%s), but: %w", rules.Algorithm, err)
				}
				p := g.printer()
				if p.json {
					return p.jsonOut(map[string]any{"valid": true, "algorithm": rules.Algorithm, "member_no": m.No, "name": m.Name})
				}
				_, err = fmt.Fprintf(p.w, "KID valid (%s): member %s %s; compare the name, then ask for the fødselsnummer\n", rules.Algorithm, m.No, m.Name)
				return err
			})
		},
	}
}
