//go:build !race

// The race detector's instrumentation makes every frame larger, so these
// guards run without it (.ci/run runs them on their own).

package ops_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi"
	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/internal/ops"
	"github.com/sentralbord/sentralbord/routing"
)

// A FastAGI session's goroutine waits for Asterisk (and for the decision)
// with a 4 KiB stack; a frame or two more and every session's stack is
// copied to 8 KiB, which at 1,000 sessions is 4 MB more memory
// (docs/BENCHMARKS.md, Memory). Each case parks sessions of the production
// handler chain (metrics around Routes) at one kind of wait, in a process of
// its own so that no stacks of earlier sessions are reused, and measures the
// goroutine stack memory they hold.
func TestSessionStacksStayAt4KiB(t *testing.T) {
	for i, tc := range stackCases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSessionStackProbe$", "-test.v")
			cmd.Env = append(os.Environ(), "SB_STACK_PROBE="+strconv.Itoa(i))
			out, err := cmd.CombinedOutput()
			m := regexp.MustCompile(`stack-probe (\d+)`).FindSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("probe: %v\n%s", err, out)
			}
			per, _ := strconv.Atoi(string(m[1]))
			t.Logf("%d bytes of goroutine stack per session", per)
			// 4 KiB a goroutine, give or take the others; 8 KiB once they grow.
			if want := tc.goroutines * 5 << 10; per > want {
				t.Errorf("a parked session holds %d bytes of stack, want at most %d: a frame on the session's path grew", per, want)
			}
		})
	}
}

var stackCases = []struct {
	name       string
	call       agitest.Call
	park       string // the command the session is left waiting on; "" = the decision
	goroutines int    // per session: the decision has one of its own
}{
	{"route, waiting for the decision", agitest.Call{Request: "route?loop=1"}, "", 2},
	{"route, device state", agitest.Call{Request: "route?loop=1"}, "GET FULL VARIABLE", 1},
	{"route, last variable", agitest.Call{Request: "route?loop=1"}, `SB_RESULT "ok"`, 1},
	{"dialresult", agitest.Call{Request: "dialresult", Args: []string{"a1", "ANSWER", "c1"}}, `SB_RESULT "ok"`, 1},
	{"hangup", agitest.Call{Request: "hangup"}, `SB_RESULT "ok"`, 1},
}

// TestSessionStackProbe is one case of TestSessionStacksStayAt4KiB, run by
// it in a process of its own.
func TestSessionStackProbe(t *testing.T) {
	i, err := strconv.Atoi(os.Getenv("SB_STACK_PROBE"))
	if err != nil {
		t.Skip("run by TestSessionStacksStayAt4KiB")
	}
	tc := stackCases[i]
	router := &stackRouter{release: make(chan struct{}), asked: make(chan struct{}, 1000), decided: tc.park != ""}
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := &agi.Server{
		Handler: ops.NewMetrics().AGI(&agi.Routes{Router: router, DecisionBudget: time.Minute}),
		Log:     log, EnvTimeout: 5 * time.Second, MaxConns: 1000,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() { close(router.release); cancel(); srv.Close(); <-done }()
	<-srv.Ready()
	addr := ln.Addr().String()

	const sessions = 300
	before := stackBytes()
	conns := make([]net.Conn, 0, sessions)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range sessions {
		conns = append(conns, park(t, addr, tc.call, tc.park))
	}
	if !router.decided {
		router.waitAsked(t, sessions)
	}
	fmt.Printf("stack-probe %d\n", (int64(stackBytes())-int64(before))/sessions)
}

// park starts a session and answers its commands until it sends one
// containing until ("": none, the session waits for its decision).
func park(t *testing.T, addr string, call agitest.Call, until string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	call.CallerID = "90595313"
	if _, err := c.Write(call.Env(addr)); err != nil {
		t.Fatal(err)
	}
	if until == "" {
		return c
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("session for %q ended before %q: %v", call.Request, until, err)
		}
		if strings.Contains(line, until) {
			return c
		}
		reply := "200 result=1\n"
		if strings.HasPrefix(line, "GET FULL VARIABLE") {
			reply = "200 result=1 (NOT_INUSE)\n"
		}
		if _, err := c.Write([]byte(reply)); err != nil {
			t.Fatal(err)
		}
	}
}

// stackBytes is the memory of goroutine stacks after two collections (a
// stack that grew is kept unless it is mostly unused).
func stackBytes() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// stackRouter claims agent a1 at once, or (decided false) holds each
// decision until release is closed.
type stackRouter struct {
	release chan struct{}
	asked   chan struct{}
	decided bool
}

func (r *stackRouter) waitAsked(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.asked:
		case <-time.After(5 * time.Second):
			t.Fatal("decisions were not asked for")
		}
	}
}

func (r *stackRouter) Route(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
	r.asked <- struct{}{}
	if !r.decided {
		select {
		case <-r.release:
		case <-ctx.Done():
		}
	}
	loop := routing.Loop{ID: "1", RingTimeout: 20 * time.Second, Members: []routing.AgentID{"a1"}}
	agent := routing.Agent{ID: "a1", Name: "Anna", AsteriskDial: "PJSIP/2101"}
	return routing.Decision{Result: routing.ResultOK, Loop: loop, Agent: agent, Fallback: "PJSIP/9000"}, nil
}

func (r *stackRouter) DialResult(context.Context, routing.CallID, routing.AgentID, routing.DialStatus) error {
	return nil
}

func (r *stackRouter) Hangup(context.Context, routing.CallID) (routing.AgentID, error) {
	return "a1", nil
}
