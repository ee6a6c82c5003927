package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/internal/app"
)

// fsSystem is the real service with its FreeSWITCH server on a free port.
type fsSystem struct {
	*system
	fs string
}

func startFS(t *testing.T, yaml string) *fsSystem {
	t.Helper()
	addr := freePort(t)
	s := startWith(t, yaml, func(o *app.Options) { o.FSListen = addr })
	return &fsSystem{system: s, fs: addr}
}

// answer is a bridge policy: every agent answers and talks until hung up.
func answer(string) fstest.Outcome { return fstest.Outcome{Answer: true} }

// fsCall hands a caller to the service like FreeSWITCH's socket
// application after the IVR chose loop.
func (s *fsSystem) fsCall(call, loop, caller string, bridge func(string) fstest.Outcome) *fstest.Call {
	s.t.Helper()
	c := &fstest.Call{
		Channel: fstest.Channel{
			UUID: call, Name: "sofia/internal/caller@127.0.0.1", CallerNumber: caller, CallerName: "Caller",
			Destination: "sentralbord", Answered: true, Vars: map[string]string{"sb_loop": loop},
		},
		Bridge: bridge,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Start(ctx, s.fs); err != nil {
		s.t.Fatalf("fs call %s: %v", call, err)
	}
	return c
}

// agentOf reads the agent id the service put in a bridge argument.
func agentOf(arg string) string { return bridgeVar(arg, "sb_agent") }

// until polls cond for up to d.
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

// bridgedTo waits until the caller is bridged and returns the agent.
func bridgedTo(t *testing.T, c *fstest.Call) string {
	t.Helper()
	if !until(5*time.Second, c.Bridged) {
		t.Fatalf("call %s not bridged; bridges %v, vars %v", c.Channel.UUID, c.Bridges(), c.Vars())
	}
	b := c.Bridges()
	return agentOf(b[len(b)-1])
}

// hangUp hangs the caller up and waits for the service to close the socket.
// It reports with Errorf: callers of many concurrent calls use it off the
// test goroutine.
func hangUp(t *testing.T, c *fstest.Call) time.Time {
	t.Helper()
	at := time.Now()
	c.Hangup()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		t.Errorf("call %s: socket still open after the hangup: %v", c.Channel.UUID, err)
	}
	return at
}
