// Package config reads sentralbord's YAML configuration: the agents, the
// roles they hold, the loops (hunt groups) a caller reaches from the menu, and
// the server settings. It is the only source of agents and loops; Redis holds
// their live state, never their definition.
//
// Parse checks everything before anything runs: unknown keys, ids, unique
// names, extensions, menu digits and caller tags, durations, overflow targets,
// role membership and Redis addresses. It reports every problem at once, each
// with file, line and field path, as an *Error, so `sentralbord config check`
// can print a list the operator fixes in one go.
//
// Loop membership is resolved here: a loop lists members by agent id or
// display name and may add every holder of some roles. Config.Loops keeps how
// each member came in (Member); Config.Roster hands routing the resolved
// result.
//
// Secrets never live in the file: the Redis password comes from the
// SENTRALBORD_REDIS_PASSWORD environment variable or from a password file.
package config
