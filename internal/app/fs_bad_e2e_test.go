package app_test

import (
	"net"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

// ringing is a bridge policy: the agent's phone rings for a long time.
func ringing(string) fstest.Outcome { return fstest.Outcome{Ring: time.Minute} }

// heldAgent waits until the agent the call rings is claimed by it or on it.
func (s *fsSystem) heldAgent(t *testing.T, c *fstest.Call) string {
	t.Helper()
	if !until(5*time.Second, func() bool { return len(c.Bridges()) > 0 }) {
		t.Fatalf("no bridge; vars %v", c.Vars())
	}
	a := agentOf(c.Bridges()[0])
	id := routing.CallID(c.Channel.UUID)
	if !until(time.Second, func() bool { st := s.state(a); return st.ClaimedBy == id || st.OnCall == id }) {
		t.Fatalf("%s not held by the call: %+v", a, s.state(a))
	}
	return a
}

func (s *fsSystem) releasedWithin(t *testing.T, agent string, d time.Duration) {
	t.Helper()
	if !until(d, func() bool { st := s.state(agent); return st.ClaimedBy == "" && st.OnCall == "" }) {
		t.Fatalf("%s still held %v later: %+v", agent, d, s.state(agent))
	}
}

func TestFSBadPeersReleaseTheClaimAndTheServerLives(t *testing.T) {
	s := startFS(t, noWrapConfig)
	cases := []struct {
		name   string
		bridge func(string) fstest.Outcome
		do     func(c *fstest.Call)
	}{
		{"caller hangs up while the agent rings", ringing, func(c *fstest.Call) { c.Hangup() }},
		{"socket dropped while the agent rings", ringing, func(c *fstest.Call) { c.Drop() }},
		{"socket dropped mid-bridge", answer, func(c *fstest.Call) { c.Drop() }},
		{"garbage mid-bridge", answer, func(c *fstest.Call) { c.Send([]byte("\x00\x01 not a frame\n\n")) }},
		{"truncated event mid-bridge", answer, func(c *fstest.Call) {
			c.Send([]byte("Content-Length: 900\nContent-Type: text/event-plain\n\nEvent-Name: CHANNEL_HANG"))
			c.Drop()
		}},
		{"unsolicited reply while ringing", ringing, func(c *fstest.Call) {
			c.Send([]byte("Content-Type: command/reply\nReply-Text: +OK\n\nContent-Type: command/reply\nReply-Text: +OK\n\n" +
				"Content-Type: command/reply\nReply-Text: +OK\n\nContent-Type: command/reply\nReply-Text: +OK\n\n" +
				"Content-Type: command/reply\nReply-Text: +OK\n\n"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := s.fsCall(s.callID(), "1", "40000001", tc.bridge)
			a := s.heldAgent(t, c)
			tc.do(c)
			s.releasedWithin(t, a, time.Second)
		})
	}
	// Garbage before and instead of the connect reply.
	for _, g := range []string{"Content-Type: command/reply\nReply-Text: -ERR no\n\n", "\xff\xfe\n\n", ""} {
		nc, err := net.Dial("tcp", s.fs)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 16)
		_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		// eslgo's connect, as its command.Connect ends it.
		if n, err := nc.Read(buf); err != nil || string(buf[:n]) != "connect\r\n\r\n" {
			t.Fatalf("server's first words %q, %v", buf[:n], err)
		}
		_, _ = nc.Write([]byte(g))
		nc.Close()
	}
	// Still serving.
	c := s.fsCall(s.callID(), "1", "40000001", answer)
	a := bridgedTo(t, c)
	hangUp(t, c)
	s.releasedWithin(t, a, time.Second)
}
