package outbound_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"
	callcmd "github.com/percipia/eslgo/command/call"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

// wire is a command as eslgo writes it.
func wire(c command.Command) string { return c.BuildMessage() + eslgo.EndOfMessage }

// sameMessage: eslgo's sendmsg headers come from a map, in no fixed order;
// the first line, the header lines and the body must match exactly.
func sameMessage(got, want string) bool {
	norm := func(s string) string {
		head, body, _ := strings.Cut(s, "\r\n\r\n")
		lines := strings.Split(head, "\r\n")
		slices.Sort(lines[1:])
		return strings.Join(lines, "\r\n") + "\r\n\r\n" + body
	}
	return norm(got) == norm(want)
}

func agentDecision() routing.Decision {
	return routing.Decision{
		Result: routing.ResultOK, Loop: routing.Loop{ID: "1", RingTimeout: 5 * time.Second},
		Agent: routing.Agent{ID: "anna", FreeSWITCHDial: "user/2101"}, CallerIDNumber: "40000001-111",
	}
}

// Every command FreeSWITCH gets is eslgo's: byte for byte what its command
// types build, eslgo's "connect" included, and eslgo's "exit" never leaves.
func TestCommandsAreEslgos(t *testing.T) {
	r := &router{route: func(context.Context, routing.RouteRequest) (routing.Decision, error) { return agentDecision(), nil }}
	c := runBridgedCall(t, r, "5b1c0e0e-6a47-4a8e-9d39-0b0b8f1f4e11", func(string) fstest.Outcome { return fstest.Outcome{Answer: true, Talk: 20 * time.Millisecond} })
	cmds := c.Commands()
	uuid := c.Channel.UUID
	if len(cmds) != 6 {
		t.Fatalf("%d commands: %v", len(cmds), cmds)
	}
	bridge := &callcmd.Execute{UUID: uuid, AppName: "bridge", AppArgs: outbound.BridgeArg(agentDecision()), AppUUID: cmds[4].Headers["event-uuid"]}
	want := []struct {
		cmd   command.Command
		exact bool
	}{
		{command.Connect{}, true},
		{command.MyEvents{Format: "plain"}, true},
		{command.Linger{Enabled: true}, true},
		{plain("resume"), true},
		{bridge, false},
		{callcmd.Hangup{UUID: uuid, Cause: "NORMAL_CLEARING"}, false},
	}
	for i, w := range want {
		got, built := string(cmds[i].Raw), wire(w.cmd)
		if w.exact && got != built || !w.exact && !sameMessage(got, built) {
			t.Errorf("command %d:\n got %q\nwant %q", i, got, built)
		}
	}
	if cmds[4].Headers["event-uuid"] == "" {
		t.Error("bridge without an Event-UUID")
	}
}

type plain string

func (p plain) BuildMessage() string { return string(p) }

// A result handed back to the dialplan goes as eslgo's command.API.
func TestHandBackIsEslgosAPICommand(t *testing.T) {
	c := runCall(t, &router{}, map[string]string{"sb_loop": "2"})
	cmds := c.Commands()
	last := cmds[len(cmds)-1]
	want := wire(command.API{Command: "uuid_setvar_multi", Arguments: c.Channel.UUID +
		" sb_loop=2;sb_fallback=user/2301;sb_error=;sb_callerid_num=;sb_waited=;sb_result=none"})
	if string(last.Raw) != want {
		t.Fatalf("hand-back\n got %q\nwant %q", last.Raw, want)
	}
}

// Stopping the server with callers waiting in line ends every call: each
// is released, each socket closed, and of eslgo nothing is left but its
// listener, which cannot be stopped.
func TestStopEndsCallsInFlightWithoutLeaks(t *testing.T) {
	r := &router{
		route: func(context.Context, routing.RouteRequest) (routing.Decision, error) {
			return routing.Decision{Result: routing.ResultWait, Loop: routing.Loop{ID: "1"}, Position: 1}, nil
		},
		wait: func(ctx context.Context, _ routing.Progress) (routing.Decision, error) {
			<-ctx.Done()
			return routing.Decision{Result: routing.ResultError, Err: ctx.Err()}, ctx.Err()
		},
	}
	s := &outbound.Server{Handler: &outbound.Routes{Router: r}, Log: slog.New(slog.DiscardHandler), DrainTimeout: 50 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	<-s.Ready()
	const n = 8
	var calls []*fstest.Call
	for i := range n {
		calls = append(calls, call(t, ln.Addr().String(), fmt.Sprintf("stop-%d", i)))
	}
	for _, c := range calls {
		if !until(2*time.Second, func() bool { return slices.Contains(c.Apps(), "playback "+outbound.DefaultMusic) }) {
			t.Fatalf("call not on hold: %v", c.Apps())
		}
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain timeout")
	}
	for _, c := range calls {
		wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := c.Wait(wctx); err != nil {
			t.Fatalf("socket left open: %v", err)
		}
		wcancel()
	}
	if got := r.hangups.Load(); got != n {
		t.Fatalf("%d calls released, want %d", got, n)
	}
	if !until(2*time.Second, func() bool { return len(leftovers()) == 0 }) {
		t.Fatalf("goroutines left:\n%s", strings.Join(leftovers(), "\n\n"))
	}
}

// leftovers are the goroutines of this package or eslgo still running,
// but for eslgo's listener.
func leftovers() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	listeners := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "eslgo.OutboundOptions.ListenAndServe("):
			if listeners++; listeners > 1 {
				out = append(out, g)
			}
		case strings.Contains(g, "percipia/eslgo"), strings.Contains(g, "sentralbord/esl/outbound.") &&
			!strings.Contains(g, "outbound_test.TestStopEndsCallsInFlightWithoutLeaks"):
			out = append(out, g)
		}
	}
	return out
}

func until(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(2 * time.Millisecond)
	}
	return true
}
