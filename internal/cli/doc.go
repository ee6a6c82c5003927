// Package cli is the sentralbord command line: the supervisor's verbs (agent,
// loop, route, audit), config check and serve. Each command parses into an
// options struct first and runs second, so parsing is tested without Redis.
// Errors become exit codes in one place (exit.go).
package cli
