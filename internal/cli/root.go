package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"
)

// Env is what commands see of the outside world; tests replace it.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// User is the supervisor recorded in the audit stream.
	User string
}

// DefaultEnv is the process's environment.
func DefaultEnv() Env {
	name := os.Getenv("SUDO_USER")
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	return Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now, User: name}
}

// globals are the flags every command shares.
type globals struct {
	env       Env
	config    string
	redisAddr string
	namespace string
	output    string
	version   string
}

// Main runs the command line and returns the exit code.
func Main(ctx context.Context, args []string, env Env, version string) int {
	root := NewRoot(env, version)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(env.Stderr, "sentralbord:", err)
	}
	return ExitCode(err)
}

// NewRoot builds the command tree.
func NewRoot(env Env, version string) *cobra.Command {
	g := &globals{env: env, version: version}
	root := &cobra.Command{
		Use:   "sentralbord",
		Short: "Telephone switchboard on Asterisk and FreeSWITCH",
		Long: `sentralbord routes calls to the loops (hunt groups) of a switchboard and lets
supervisors see and change who takes calls.`,
		Example: `  sentralbord serve
  sentralbord agent list
  sentralbord agent logout "May Tove" --reason ferie --until 2026-12-31
  sentralbord loop show 1`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if g.output != "table" && g.output != "json" {
				return usage(fmt.Errorf("--output %q: allowed values are table, json", g.output))
			}
			return nil
		},
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	pf := root.PersistentFlags()
	pf.StringVarP(&g.config, "config", "c", "", "configuration file (default: $SENTRALBORD_CONFIG, ./sentralbord.yaml, /etc/sentralbord/sentralbord.yaml, ./examples/sentralbord.yaml)")
	pf.StringVar(&g.redisAddr, "redis-addr", "", "Redis host:port or redis:// URL without password (default: $SENTRALBORD_REDIS_ADDR, the config, else the embedded server at 127.0.0.1:16379)")
	pf.StringVar(&g.namespace, "namespace", "", "Redis key hash tag (default: from the config, \"sb\")")
	pf.StringVarP(&g.output, "output", "o", "table", "output format: table or json")

	root.AddCommand(newAgentCmd(g), newLoopCmd(g), newRouteCmd(g), newConfigCmd(g), newServeCmd(g), newAuditCmd(g), newCalendarCmd(g))
	root.AddCommand(newMemberCmd(g), newMessageCmd(g))
	root.AddCommand(newESLCmd(g))
	root.AddCommand(newCallbackCmd(g))
	root.AddCommand(newBenchCmd(g))
	root.AddCommand(newDoctorCmd(g))
	return root
}
