// Package fstest is a fake FreeSWITCH 1.10 for tests: it connects to an
// outbound event socket server the way the `socket … async full`
// application does (nothing until "connect", then the channel's data),
// answers myevents, linger, resume, exit, api and sendmsg, and runs the
// applications the server queues, emitting the channel's events in
// FreeSWITCH's plain format. A test decides how each bridge goes and can
// hang the caller up, drop the socket or send garbage at any moment.
//
// What it sends is modelled on FreeSWITCH 1.10.12's recorded calls
// (dialplan/freeswitch/testdata/real-*.txt; the test
// TestFakeAnswersLikeRealFreeSWITCH in esl/outbound holds the fake to
// them frame by frame):
//
//   - events carry FreeSWITCH's headers in its order: the event's own
//     header block, the channel's state, the caller profile (Caller-*),
//     after a bridge the agent's (Other-Type, Other-Leg-*), every channel
//     variable in the order it was last set, then the event's
//     Application-* headers; values URL-encoded as switch_url_encode does;
//   - a bridge's outcome is only in variables (DIALSTATUS,
//     originate_disposition…), which outlive the bridge; originate sets
//     them to INVALIDARGS/failure as it starts; Application-Response is
//     _none_;
//   - the channel works in 20 ms frames: a queued command starts on the
//     next frame, a break is noticed on the next frame, and a playback
//     runs the commands queued behind it inside itself unless it was
//     queued with event-lock;
//   - a hangup sends CHANNEL_HANGUP, the running application's
//     EXECUTE_COMPLETE (music cut off: PLAYBACK ERROR), CHANNEL_UNPARK,
//     the socket application's EXECUTE_COMPLETE, CHANNEL_STATE twice,
//     CHANNEL_HANGUP_COMPLETE, then the linger notice; the disconnect
//     notice follows when the server closes (or at once without linger).
//
// Not modelled: CHANNEL_PARK missing when myevents comes too late (the
// fake always sends it after the reply that follows myevents), the linger
// notice overtaking CHANNEL_HANGUP_COMPLETE, endpoint variables (sip_*,
// loopback's), DTMF, and any application but answer, set, export, unset,
// hangup, playback, sleep, say and bridge (the others complete at once).
package fstest
