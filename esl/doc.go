// Package esl follows FreeSWITCH nodes over their event socket
// (mod_event_socket, inbound) and records what they report about agents'
// phones through routing.PhoneEvents: answered and ended channels on the
// agents' endpoints (direct calls make an agent busy), SIP registrations
// (reachability), mod_callcenter agent status and state, and the
// CUSTOM sentralbord::status events our FreeSWITCH dialplan's feature codes
// fire.
//
// It wraps github.com/percipia/eslgo without changing it. The connection to
// FreeSWITCH is dialled and authenticated here with a timeout (eslgo waits
// for ever for the greeting), then handed to eslgo through a loopback
// bridge this package owns at both ends, so that eslgo never reads EOF and
// its Close is never called: both end in panics or data races inside the
// library's own goroutines, which no caller can recover (see bridge.go).
// eslgo sends the commands and reads their replies; events it never sees:
// the bridge reads them off the socket in the order the node sent them.
//
// Every (re)connection subscribes first, then resynchronises from api
// queries (show channels, show registrations, callcenter_config agent list)
// and only then applies the events that arrived meanwhile. Events go to
// the store in batches, one writer per shard of agents, one batch per
// writer at a time, so one agent's events keep their order; the busier
// the node, the bigger the batches (queue.go). An event that changes
// nothing already queued is not sent at all (facts.go). FreeSWITCH may
// still send events out of order, and a reconnection may replay some, so
// the store applies a change only when its Event-Sequence (same Core-UUID)
// or Event-Date-Timestamp (after a restart) is newer than the last change
// of the same channel, registration or agent status.
package esl
