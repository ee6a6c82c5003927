package outbound_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// realConfig is the test bed's sb-fs-test.yaml, the configuration the
// real-*.txt calls were recorded with, but for the announcement interval:
// 1s instead of 5s. The replay compares what is sent and in what order,
// not when, and the recorded FreeSWITCH side is played as soon as the
// service has sent what came before it.
const realConfig = `
switchboard: sentralbord
english_key: "9"
agents:
  - {id: anna, name: Anna, extension: "2101", freeswitch: loopback/agent-answer/sentralbord-test-agent}
  - {id: bo, name: Bo, extension: "2102", freeswitch: loopback/agent-noanswer/sentralbord-test-agent}
  - {id: cid, name: Cid, extension: "2103", freeswitch: loopback/agent-busy/sentralbord-test-agent}
loops:
  - {id: "1", digit: "1", name: Faktura, tag: "111", ring_timeout: 5s, wrap_up: 0s, max_wait: 20s, announce: 1s, overflow: callback, members: [anna, bo, cid]}
  - {id: "2", digit: "2", name: Lonn, tag: "222", wrap_up: 0s, members: [anna]}
  - {id: "3", digit: "3", name: Andre, tag: "333", wrap_up: 0s, members: [anna]}
  - {id: sentralbord, name: Sentralbord, tag: "999", wrap_up: 0s, announce: 1s, members: [anna]}
`

// realSetups put Redis where it was when each call was recorded.
var realSetups = map[string]func(t *testing.T, s *realSystem){
	// bo idle longest, then cid: anna had just taken a call.
	"real-call.txt":        func(t *testing.T, s *realSystem) { s.answeredLast(t, "cid", "anna") },
	"real-ring-hangup.txt": func(t *testing.T, s *realSystem) { s.answeredLast(t, "cid", "anna") },
	// Nobody free: the caller waits in line, alone.
	"real-wait-hangup.txt": func(t *testing.T, s *realSystem) { s.atLunch(t, "anna", "bo", "cid") },
	"real-callback.txt":    func(*testing.T, *realSystem) {},
}

// Every recorded real FreeSWITCH call is played, FreeSWITCH's side, to the
// service (real routing on a real Redis): the service must send the
// commands it sent then, with the same headers, in the same order, and
// close when it closed. The Event-UUIDs it chooses stand in for the
// recorded ones in what FreeSWITCH says next (Application-UUID).
func TestReplayRealFreeSWITCHCalls(t *testing.T) {
	files, _ := filepath.Glob("../../dialplan/freeswitch/testdata/real-*.txt")
	if len(files) == 0 {
		t.Fatal("no recordings")
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".txt"), func(t *testing.T) {
			setup, ok := realSetups[name]
			if !ok {
				t.Fatalf("%s: no setup in realSetups", name)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := readTranscript(b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			s := startReal(t)
			setup(t, s)
			replayReal(t, s.addr, steps)
			if !until(5*time.Second, func() bool { return s.srv.Active() == 0 }) {
				t.Fatal("the call did not end")
			}
		})
	}
}

type realSystem struct {
	store *presence.Store
	srv   *outbound.Server
	addr  string
}

func startReal(t *testing.T) *realSystem {
	t.Helper()
	cfg, err := config.Parse("sb-fs-test.yaml", []byte(realConfig))
	if err != nil {
		t.Fatal(err)
	}
	store := presence.New(redistest.Start(t).Client(t), "sbreplay", cfg.Roster())
	if err := store.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc := routing.NewService(cfg.Roster(), store, nil)
	svc.MaxNoAnswer = cfg.MaxNoAnswer
	line := presence.NewLine(store, nil)
	svc.Line, svc.Callbacks = line, store
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { line.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	s := &outbound.Server{Handler: &outbound.Routes{Router: svc}, Log: slog.New(slog.DiscardHandler)}
	addr, _, _ := serve(t, s)
	return &realSystem{store: store, srv: s, addr: addr}
}

// answeredLast lets each agent take and end a call, in order, so that the
// last one named has been idle the shortest time.
func (s *realSystem) answeredLast(t *testing.T, agents ...routing.AgentID) {
	t.Helper()
	ctx := context.Background()
	for _, a := range agents {
		call := routing.CallID("warm-" + a)
		actor := routing.Actor{Source: routing.SourceFreeSWITCH, Name: string(call)}
		var others []routing.AgentID
		for _, o := range []routing.AgentID{"anna", "bo", "cid"} {
			if o != a {
				others = append(others, o)
			}
		}
		c, err := s.store.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: call, Loop: "1", Exclude: others, TTL: time.Minute, Actor: actor})
		if err != nil || c.Agent != a {
			t.Fatalf("warm-up claim of %s: %+v %v", a, c, err)
		}
		if err := s.store.Answer(ctx, call, a, actor); err != nil {
			t.Fatal(err)
		}
		if _, err := s.store.EndCall(ctx, call, actor); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // idle clocks are in milliseconds
	}
}

func (s *realSystem) atLunch(t *testing.T, agents ...routing.AgentID) {
	t.Helper()
	for _, a := range agents {
		if _, err := s.store.SetStatus(context.Background(), a, routing.StatusLunch, routing.Actor{Source: routing.SourceCLI, Name: "test"}); err != nil {
			t.Fatal(err)
		}
	}
}

// replayReal connects to the service as FreeSWITCH's socket application and
// plays steps: FreeSWITCH's frames are sent; each command the service sent
// must come again.
func replayReal(t *testing.T, addr string, steps []step) {
	t.Helper()
	if len(steps) < 2 || steps[0].fromFS || !steps[1].fromFS {
		t.Fatal("a recording starts with connect and its reply")
	}
	channel := frameEvent(t, steps[1].frame).Get("Unique-ID")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := bufio.NewReader(nc)
	recIDs, ourIDs := idNamer(), idNamer()
	swap := map[string]string{} // recorded Event-UUID → the service's
	closed := false
	for i, st := range steps {
		switch {
		case st.fromFS && st.eof:
			_ = nc.Close()
		case st.fromFS:
			b := st.frame.Bytes()
			for rec, ours := range swap {
				b = bytes.ReplaceAll(b, []byte(rec), []byte(ours))
			}
			_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := nc.Write(b); err != nil && !closed {
				// FreeSWITCH's last events and the service's close cross
				// on the wire: a service that has nothing left to send may
				// close before they arrive, as it did here.
				if !onlyCloseLeft(steps[i+1:]) {
					t.Fatalf("step %d: writing %s: %v", i, frameName(st.frame), err)
				}
				_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
				if rest, _ := io.ReadAll(r); len(bytes.TrimSpace(rest)) > 0 {
					t.Fatalf("step %d: the service closed and had sent %q", i, rest)
				}
				return
			}
		case st.eof:
			_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			rest, err := io.ReadAll(r)
			if errors.Is(err, syscall.ECONNRESET) {
				err = nil // it closed with frames of ours unread: those sent after it closed
			}
			if err != nil || len(bytes.TrimSpace(rest)) > 0 {
				t.Fatalf("step %d: the service should close now; it sent %q (%v)", i, rest, err)
			}
			closed = true
		default:
			_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			got, err := fstest.ReadCommand(r)
			if err != nil {
				t.Fatalf("step %d: waiting for %q: %v", i, firstLine(st.command), err)
			}
			want := normalized(st.command, channel, recIDs)
			if have := normalized(got, channel, ourIDs); have != want {
				t.Fatalf("step %d: the service sent\n%s\nwhere it sent\n%s", i, have, want)
			}
			if id := st.command.Headers["event-uuid"]; id != "" {
				swap[id] = got.Headers["event-uuid"]
			}
		}
	}
}

// onlyCloseLeft reports whether the service's part of the rest of a
// recording is its close and nothing else.
func onlyCloseLeft(rest []step) bool {
	for _, st := range rest {
		if !st.fromFS && !st.eof {
			return false
		}
	}
	return true
}

// idNamer names ids by the order they first appear in.
func idNamer() func(string) string {
	seen := map[string]string{}
	return func(id string) string {
		if _, ok := seen[id]; !ok {
			seen[id] = fmt.Sprintf("<event-uuid %d>", len(seen)+1)
		}
		return seen[id]
	}
}

func frameEvent(t *testing.T, f esl.Frame) esl.Event {
	t.Helper()
	e, err := esl.ParsePlainEvent(f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func frameName(f esl.Frame) string {
	if f.Type() == esl.TypeEventPlain {
		if e, err := esl.ParseEventFrame(f); err == nil {
			return e.Name()
		}
	}
	return f.Type()
}

func firstLine(c fstest.Command) string { return strings.TrimSpace(c.Name + " " + c.Arg) }
