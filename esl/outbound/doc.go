// Package outbound is the FreeSWITCH side of call routing: the server that
// FreeSWITCH's `socket <addr> async full` application connects to (outbound
// event socket). Each connection is one caller. The server asks routing for
// an agent of the caller's loop, holds the caller on music while the call
// waits in line, bridges to the claimed agent with the loop's ring timeout
// and tagged caller ID, reports the outcome (answer → on a call; no answer
// or busy → next agent) and releases the call the moment the channel's own
// events (myevents, linger) or the socket say it has gone.
//
// Results the server cannot turn into a bridge (none, voicemail, callback,
// error) are handed back to the XML dialplan: the server sets sb_result,
// sb_fallback, sb_loop and sb_error on the channel and closes the socket;
// "resume" makes FreeSWITCH continue the dialplan after the socket
// application, so a server that dies mid-call also leaves the caller with
// the dialplan's static fallback (sb_result empty).
//
// The connection itself is read by this package, one frame at a time with
// esl.ReadFrame and esl.ParsePlainEvent: events must be seen in the order
// FreeSWITCH sent them (a CHANNEL_BRIDGE before a CHANNEL_HANGUP), a closed
// socket must be an ordinary hangup, and the listener must stop with its
// context. github.com/percipia/eslgo's outbound server gives none of the
// three (a listener without a way to stop it, a goroutine per event, and a
// panic on EOF), and its connection type cannot be built around a
// net.Conn from outside the library.
package outbound
