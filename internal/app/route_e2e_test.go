package app_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/routing"
)

func TestVanishedCallReleasesItsClaimByItself(t *testing.T) {
	t.Parallel()
	s := start(t, withClaimMargin(time.Millisecond))
	v := s.route(s.callID(), "3", "40000001") // ring timeout 5s: the claim lives ~5s
	agent := v["SB_AGENT"]
	if agent == "" {
		t.Fatalf("route: %v", v)
	}
	if !s.state(agent).Claimed(time.Now()) {
		t.Fatal("agent not claimed")
	}
	if !until(9*time.Second, func() bool { return s.state(agent).ClaimedBy == "" }) {
		t.Fatalf("claim of %s still held 9s after a 5s ring timeout", agent)
	}
	entries, err := s.store.Audit(context.Background(), routing.AgentID(agent), 1, 100)
	if err != nil || len(entries) != 1 || entries[0].Event != "claim-expired" {
		t.Fatalf("audit %+v %v", entries, err)
	}
}

func withClaimMargin(d time.Duration) func(*app.Options) {
	return func(o *app.Options) { o.ClaimMargin = d }
}

func TestMalformedClientsDoNotStopTheServer(t *testing.T) {
	s := start(t)
	for i, garbage := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "agi_network: yes\nagi_req", "\x00\x01\x02\n\n"} {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte(garbage)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			_ = c.(*net.TCPConn).CloseWrite() // truncated environment
		}
		_ = c.SetReadDeadline(time.Now().Add(6 * time.Second))
		if n, err := c.Read(make([]byte, 64)); err == nil {
			t.Errorf("server answered %d bytes to garbage %q instead of closing", n, garbage)
		}
		c.Close()
	}
	if v := s.route(s.callID(), "1", "40000001"); v["SB_RESULT"] != "ok" {
		t.Fatalf("route after garbage: %v", v)
	}
	logs := s.log.String()
	if strings.Count(logs, "connection closed") < 3 {
		t.Fatalf("want a log line per bad connection, got:\n%s", logs)
	}
}
