package cli

import (
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/routing"
)

// Exit codes. Scripts may rely on them.
const (
	ExitOK          = 0
	ExitFailure     = 1 // anything not listed below
	ExitUsage       = 2 // bad flags, arguments or values
	ExitNotFound    = 3 // unknown or ambiguous agent or loop
	ExitConfig      = 4 // the configuration file is invalid or unreadable
	ExitUnavailable = 5 // Redis cannot be reached
	ExitMismatch    = 6 // member verify: the number given is not the member's
)

// usageError marks errors in what the user typed.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usage(err error) error { return usageError{err} }

// configError marks a configuration that could not be loaded.
type configError struct{ err error }

func (c configError) Error() string { return c.err.Error() }
func (c configError) Unwrap() error { return c.err }

// notFound marks an unknown thing the user named.
type notFound struct{ err error }

func (n notFound) Error() string { return n.err.Error() }
func (n notFound) Unwrap() error { return n.err }

// unavailableError marks a Redis that does not answer.
type unavailableError struct{ err error }

func (u unavailableError) Error() string { return u.err.Error() }
func (u unavailableError) Unwrap() error { return u.err }

// ExitCode maps an error returned by a command to the process exit code.
func ExitCode(err error) int {
	var (
		ue  usageError
		ce  configError
		cfg *config.Error
		un  unavailableError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue),
		errors.Is(err, routing.ErrInvalidStatus),
		errors.Is(err, routing.ErrInvalidReason):
		return ExitUsage
	case errors.Is(err, errMismatch):
		return ExitMismatch
	case memberUsage(err):
		return ExitUsage
	case memberNotFound(err):
		return ExitNotFound
	case errors.As(err, new(notFound)),
		errors.Is(err, routing.ErrUnknownAgent),
		errors.Is(err, routing.ErrAmbiguousAgent),
		errors.Is(err, routing.ErrUnknownLoop):
		return ExitNotFound
	case errors.As(err, &ce), errors.As(err, &cfg):
		return ExitConfig
	case errors.As(err, &un), errors.Is(err, routing.ErrStoreUnavailable), isRedisDown(err):
		return ExitUnavailable
	}
	return ExitFailure
}

func isRedisDown(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.Is(err, redis.ErrClosed) || errors.As(err, &ne)
}
