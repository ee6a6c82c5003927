package agi

import (
	"context"
	"fmt"
	"strconv"
)

// Set sets a channel variable (or writes a dialplan function such as
// CALLERID(num)). The value is quoted, so spaces, quotes, backslashes and
// UTF-8 arrive unchanged; CR, LF and NUL become spaces. Asterisk accepts
// SET VARIABLE on a dead channel too.
func (s *Session) Set(ctx context.Context, name, value string) error {
	line, err := setLine(name, value)
	if err != nil {
		return err
	}
	if _, err := s.Command(ctx, line); err != nil {
		return fmt.Errorf("set %s: %w", name, err)
	}
	return nil
}

// setLine is Set's command. It is not inlined: Set's frame stays on the
// session's stack while Asterisk answers, this one's does not.
//
//go:noinline
func setLine(name, value string) (string, error) {
	n, err := quoteName(name)
	if err != nil {
		return "", err
	}
	return "SET VARIABLE " + n + " " + quote(value), nil
}

// Get reads a channel variable or dialplan function. ok is false when the
// variable is not set ("200 result=0"); a variable set to "" is ok with "".
func (s *Session) Get(ctx context.Context, name string) (value string, ok bool, err error) {
	n, err := quoteName(name)
	if err != nil {
		return "", false, err
	}
	return s.get(ctx, "GET VARIABLE "+n, name)
}

// GetFull evaluates an expression with ${…} substitutions in the channel,
// like GET FULL VARIABLE ${DEVICE_STATE(Custom:x)}.
func (s *Session) GetFull(ctx context.Context, expr string) (value string, ok bool, err error) {
	if expr == "" {
		return "", false, fmt.Errorf("%w: empty expression", ErrBadArgument)
	}
	return s.get(ctx, "GET FULL VARIABLE "+quote(expr), expr)
}

func (s *Session) get(ctx context.Context, line, what string) (string, bool, error) {
	r, err := s.Command(ctx, line)
	if err != nil {
		return "", false, fmt.Errorf("get %s: %w", what, err)
	}
	if r.Result != 1 {
		return "", false, nil
	}
	return r.Value, true, nil
}

// Exec runs a dialplan application with args, Asterisk's comma-separated
// argument string, sent as one quoted argument because EXEC reads only one.
// It returns the application's result; -1 usually means the channel hung up
// while it ran. An unknown application is ErrUnknownApp.
func (s *Session) Exec(ctx context.Context, app, args string) (int, error) {
	n, err := quoteName(app)
	if err != nil {
		return 0, err
	}
	line := "EXEC " + n
	if args != "" {
		line += " " + quote(args)
	}
	r, err := s.Command(ctx, line)
	if err != nil {
		return 0, fmt.Errorf("exec %s: %w", app, err)
	}
	if r.Result == -2 {
		return r.Result, fmt.Errorf("exec %s: %w", app, ErrUnknownApp)
	}
	return r.Result, nil
}

// Verbose writes msg to Asterisk's console and log at verbosity level.
func (s *Session) Verbose(ctx context.Context, msg string, level int) error {
	if _, err := s.Command(ctx, "VERBOSE "+quote(msg)+" "+strconv.Itoa(level)); err != nil {
		return fmt.Errorf("verbose: %w", err)
	}
	return nil
}
