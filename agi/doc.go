// Package agi is sentralbord's FastAGI server: Asterisk's dialplan runs
// AGI(agi://127.0.0.1:4573/<request>,args…) and this package answers by
// calling routing and setting channel variables. It owns the AGI wire
// protocol (environment block, command quoting, reply framing, HANGUP
// notices) and the translation of routing's results and errors into channel
// variables; it knows nothing of Redis.
//
// Requests (see the Request* constants) and the channel variables they set
// (the Var* constants):
//
//	route       ?loop=<id> or ,<id>     SB_LOOP SB_AGENT SB_AGENT_NAME SB_DIAL SB_TIMEOUT
//	                                    SB_CALLERID_NUM SB_CALLERID_NAME SB_FALLBACK SB_ERROR,
//	                                    then SB_RESULT = ok | none | error
//	dialresult  ?agent=<id>&status=<DIALSTATUS> or ,<id>,<DIALSTATUS>
//	                                    SB_ERROR, then SB_RESULT = ok | error
//	hangup      (from the h extension)  SB_ERROR, then SB_RESULT = ok | error
//
// The dialplan must treat an empty SB_RESULT like "error": Asterisk reports
// AGISTATUS=SUCCESS even when the server closed, failed or sent garbage, and
// when the server is not running SB_FALLBACK is empty too, so the static
// fallback has to live in the dialplan as well. A sketch:
//
//	same => n,AGI(agi://127.0.0.1:4573/route,${LOOP})
//	same => n,GotoIf($["${SB_RESULT}" = "ok"]?ring)
//	same => n,GotoIf($["${SB_RESULT}" = "none"]?wait)
//	same => n,Goto(fallback)                 ; error or empty
//	same => n(ring),Set(CALLERID(num)=${IF($["${SB_CALLERID_NUM}" != ""]?${SB_CALLERID_NUM}:${CALLERID(num)})})
//	same => n,Dial(${SB_DIAL},${SB_TIMEOUT})
//	same => n,AGI(agi://127.0.0.1:4573/dialresult,${SB_AGENT},${DIALSTATUS})
//	exten => h,1,AGI(agi://127.0.0.1:4573/hangup)
//
// A claim made by a route request is released (routing's Hangup) unless
// SB_RESULT=ok reached a live channel: on Asterisk errors, a HANGUP notice,
// a decision that came after its budget, or a panic. Claims also expire on
// their own in the store.
//
// Session speaks the wire protocol through github.com/CyCoreSystems/agi,
// wrapped where it falls short: the library writes each command and parses
// its reply line; the session quotes arguments, applies deadlines and
// contexts, frames Asterisk's stream (multi-line 520 blocks joined, HANGUP
// notices taken out, unsolicited ones too) and hands the library one
// normalised reply line per command. Package agitest is a fake Asterisk for
// tests.
package agi
