// Package agitest is a fake Asterisk for testing FastAGI servers: a client
// that runs AGI() for one call the way Asterisk 20 does on the wire — the
// environment block in Asterisk's key order and in several TCP segments,
// Asterisk's argument parsing and quoting rules, its replies (200, 510, 511,
// the two-segment 520 block), dead-channel behaviour, unsolicited HANGUP
// notices and the HANGUP-then-close that answers a server's half-close.
//
//	res, err := agitest.Dial(ctx, addr, agitest.Call{Request: "route?loop=1", CallerID: "90595313"})
//	// res.Vars["SB_RESULT"] == "ok"
//
// It can misbehave on purpose (silence, garbage, a truncated environment,
// a reset) and it does not import the server it tests.
package agitest
