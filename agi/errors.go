package agi

import (
	"errors"
	"fmt"
)

// Sentinel errors of a FastAGI session. Command errors that leave the session
// usable (ErrInvalidCommand, ErrDeadChannel, ErrUsage, ErrUnknownApp) are
// Asterisk's answers; the others end the session: after them a reply may
// still be in flight, so no later reply could be matched to its command.
var (
	// ErrHangup: the channel hung up and Asterisk ended the session.
	ErrHangup = errors.New("channel hung up")
	// ErrDeadChannel is Asterisk's 511: the command needs a live channel.
	ErrDeadChannel = errors.New("command not permitted on a dead channel")
	// ErrInvalidCommand is Asterisk's 510.
	ErrInvalidCommand = errors.New("invalid or unknown command")
	// ErrUsage is Asterisk's 520; the error is a *UsageError.
	ErrUsage = errors.New("invalid command syntax")
	// ErrUnknownApp is EXEC's result -2: no such dialplan application.
	ErrUnknownApp = errors.New("unknown dialplan application")
	// ErrTimeout: no reply within the command timeout.
	ErrTimeout = errors.New("agi command timed out")
	// ErrProtocol: Asterisk sent something that is not AGI.
	ErrProtocol = errors.New("agi protocol error")
	// ErrBadEnv: the environment block is truncated, too large or garbage.
	ErrBadEnv = errors.New("malformed agi environment")
	// ErrClosed: the session was closed by this side.
	ErrClosed = errors.New("agi session closed")
	// ErrBadArgument: a command argument cannot be sent (empty or control
	// characters in a variable name, a newline in a raw command).
	ErrBadArgument = errors.New("bad agi argument")
)

// UsageError is Asterisk's 520 reply with the usage text it printed.
type UsageError struct {
	Usage string
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return ErrUsage.Error()
	}
	return fmt.Sprintf("%v: %s", ErrUsage, e.Usage)
}

// Is makes errors.Is(err, ErrUsage) true.
func (e *UsageError) Is(target error) bool { return target == ErrUsage }
