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
//
// Every (re)connection subscribes first, then resynchronises from api
// queries (show channels, show registrations, callcenter_config agent list)
// and only then applies the events that arrived meanwhile. eslgo delivers
// each event on a goroutine of its own, so delivery order is not event
// order: the store applies a change only when its Event-Sequence (same
// Core-UUID) or Event-Date-Timestamp (after a restart) is newer than the last
// change of the same channel, registration or agent status.
package esl
