// Package presence keeps agent state in Redis and implements routing.Store.
//
// Every key lives under one hash tag ("{sb}:…") so the Lua scripts run
// unchanged on Redis Cluster. Per agent a hash holds login, status, call,
// claim, idle and wrap-up; per loop a sorted set indexes the agents who may be
// offered calls, scored by idle time, so a decision never scans all agents.
// Every multi-step change is one Lua script that also appends to the audit
// stream. The configuration decides who exists; Redis holds only state.
package presence
