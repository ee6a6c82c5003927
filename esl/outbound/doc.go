// Package outbound is the FreeSWITCH side of call routing: the server that
// FreeSWITCH's `socket <addr> async full` application connects to (outbound
// event socket). Each connection is one caller. The server asks routing for
// an agent of the caller's loop, holds the caller on music while the call
// waits in line (telling them their place every loop's announce interval),
// bridges to the claimed agent with the loop's ring timeout and tagged
// caller ID, reports the outcome (answer → on a call; no answer or busy →
// next agent) and releases the call the moment the channel's own events
// (myevents, linger) or the socket say it has gone. Routing's audit stream
// records these calls with source "freeswitch".
//
// Results the server cannot turn into a bridge (none, voicemail, callback,
// error) are handed back to the XML dialplan: the server sets sb_result,
// sb_fallback, sb_loop and sb_error on the channel and closes the socket;
// "resume" makes FreeSWITCH continue the dialplan after the socket
// application, so a server that dies mid-call also leaves the caller with
// the dialplan's static fallback (sb_result empty).
//
// The event socket protocol is github.com/percipia/eslgo's: every command
// (connect, myevents, linger, sendmsg execute and hangup, api) is built by
// its command types and sent with (*eslgo.Conn).SendCommand, by eslgo's
// outbound server (OutboundOptions.ListenAndServe). That server cannot be
// used as it stands: its listener has no way to stop, it gives every event
// listener a goroutine of its own (events arrive out of order), its receive
// loop panics or races with its Close when it reads EOF (its issue #46),
// and its *Conn cannot be built around a net.Conn from outside. So Server
// keeps its own listener in front, with context shutdown and drain, a call
// limit and panic containment, and relays each FreeSWITCH connection it
// accepts to one process-wide eslgo server on a Unix socket only this
// user can reach (library.go), which lives as long as the process since it
// cannot be stopped. The relay (relay.go) reads both sides itself: eslgo's commands
// go to FreeSWITCH byte for byte; FreeSWITCH's replies go to eslgo, its
// events to the call's queue in order (Conn.Next), never to eslgo; eslgo
// never reads EOF, and its own "exit" after the handler is answered by the
// relay. The connect reply eslgo gets carries the relay's id, which is how
// eslgo's handler finds the relay its connection belongs to.
package outbound
