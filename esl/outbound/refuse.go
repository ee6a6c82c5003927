package outbound

import (
	"bufio"
	"log/slog"
	"net"
	"time"

	"github.com/sentralbord/sentralbord/esl"
)

// A connection over the call limit cannot just be closed: FreeSWITCH
// (1.10.12) leaves a channel whose socket closes before "connect" parked
// in the socket application for good ("Socket Error!"), in silence, until
// the caller hangs up. Only "resume" makes it go on with the dialplan when
// the socket closes, and only once the channel has parked, which it does
// right after "connect". So a refusal says connect and resume, waits a
// moment, then closes; sb_result stays empty and the dialplan takes its
// static fallback.
const (
	refuseTimeout = 2 * time.Second
	// refuseSettle covers the channel's way from "connect" into the park.
	refuseSettle = 250 * time.Millisecond
	// maxRefusing bounds the refusals in progress; past it a connection is
	// closed at once, as nothing better can be done for it.
	maxRefusing = 256
)

// refuse hands nc back to the dialplan in the background.
func (s *Server) refuse(nc net.Conn, log *slog.Logger) {
	select {
	case s.refusing <- struct{}{}:
	default:
		log.Error("too many refusals in progress; connection closed, FreeSWITCH may keep the caller parked")
		_ = nc.Close()
		return
	}
	s.refusals.Add(1)
	go func() {
		defer func() { <-s.refusing; s.refusals.Done() }()
		handBackRaw(nc, s.hard)
	}()
}

// handBackRaw is the refusal itself, without eslgo: a refused call is not
// worth a relay.
func handBackRaw(nc net.Conn, hard <-chan struct{}) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(refuseTimeout))
	r := bufio.NewReader(nc)
	for _, cmd := range []string{"connect", "resume"} {
		if _, err := nc.Write([]byte(cmd + "\n\n")); err != nil {
			return
		}
		if f, err := esl.ReadFrame(r); err != nil || f.Type() != esl.TypeReply {
			return
		}
	}
	t := time.NewTimer(refuseSettle)
	defer t.Stop()
	select {
	case <-t.C:
	case <-hard:
	}
}
