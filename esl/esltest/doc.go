// Package esltest is a fake FreeSWITCH event socket (mod_event_socket,
// inbound mode) for tests. It speaks the framing recorded from
// FreeSWITCH 1.10: the auth/request greeting, command/reply, api/response,
// text/event-plain with URL-encoded values, text/event-json and
// text/disconnect-notice, and answers the api queries the listener uses
// from a small model of channels, registrations and mod_callcenter agents.
// It can be killed and restarted on the same address, stay silent, or
// refuse the password.
package esltest
