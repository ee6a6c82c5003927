package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// testConfig: loop 1 = anna, bente, cato, dina, emil; loop 3 = emil, frida.
const testConfig = `
switchboard: "3"
english_key: "9"
agents:
  - {id: anna, name: Anna, extension: "2101"}
  - {id: bente, name: Bente, extension: "2102"}
  - {id: cato, name: Cato, extension: "2103"}
  - {id: dina, name: Dina, extension: "2104"}
  - {id: emil, name: Emil, extension: "2105"}
  - {id: frida, name: Frida, extension: "2106"}
loops:
  - {id: "1", digit: "1", name: Faktura, tag: "111", ring_timeout: 5s, wrap_up: 1s,
     members: [anna, bente, cato, dina, emil]}
  - {id: "3", digit: "3", name: Andre, tag: "333", ring_timeout: 5s, wrap_up: 1s,
     members: [emil, frida], fallback: PJSIP/2105&PJSIP/2106}
`

type system struct {
	t     *testing.T
	addr  string
	redis *redistest.Server
	store *presence.Store
	cfg   *config.Config
	log   *syncBuf
	seq   int
	mu    sync.Mutex
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs the real service (app.Run) on a free loopback port against a
// real redis-server, and returns once it is listening.
func start(t *testing.T, opts ...func(*app.Options)) *system {
	t.Helper()
	return startWith(t, testConfig, opts...)
}

// startWith is start with another configuration.
func startWith(t *testing.T, yaml string, opts ...func(*app.Options)) *system {
	t.Helper()
	cfg, err := config.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	logs := &syncBuf{}
	o := app.Options{
		Config: cfg, Redis: app.RedisConfig{Addrs: []string{srv.Addr}}, Namespace: "e2e",
		AGIListen: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(logs, nil)), DrainTimeout: 2 * time.Second,
	}
	for _, f := range opts {
		f(&o)
	}
	ready := make(chan app.Addrs, 1)
	o.Ready = func(a app.Addrs) { ready <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, ctx, o) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	var addrs app.Addrs
	select {
	case addrs = <-ready:
	case err := <-done:
		t.Fatalf("run ended before serving: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("service not ready within 10s")
	}
	store := presence.New(srv.Client(t), "e2e", cfg.Roster())
	return &system{t: t, addr: addrs.AGI.String(), redis: srv, store: store, cfg: cfg, log: logs}
}

func (s *system) callID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("1795840%03d.%d", s.seq, s.seq)
}

// agi runs one AGI request like Asterisk would and returns the channel's variables.
func (s *system) request(call agitest.Call) map[string]string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := agitest.Dial(ctx, s.addr, call)
	if err != nil {
		s.t.Errorf("agi %s: %v", call.Request, err)
	}
	return res.Vars
}

func (s *system) route(call, loop, caller string) map[string]string {
	return s.request(agitest.Call{Request: "route", Args: []string{loop}, UniqueID: call, CallerID: caller})
}

func (s *system) dialResult(call, agent, status string) map[string]string {
	return s.request(agitest.Call{Request: "dialresult", Args: []string{agent, status}, UniqueID: call})
}

func (s *system) hangup(call string) map[string]string {
	return s.request(agitest.Call{Request: "hangup", UniqueID: call})
}

func (s *system) state(id string) routing.AgentState {
	s.t.Helper()
	m, err := s.store.States(context.Background(), []routing.AgentID{routing.AgentID(id)})
	if err != nil {
		s.t.Fatal(err)
	}
	return m[routing.AgentID(id)]
}

func (s *system) set(id string, st routing.Status) {
	s.t.Helper()
	if _, err := s.store.SetStatus(context.Background(), routing.AgentID(id), st, routing.Actor{Source: routing.SourceCLI, Name: "test"}); err != nil {
		s.t.Fatal(err)
	}
}

// talk routes a call to loop, answers it and hangs up: the agent ends idle.
func (s *system) talk(loop string) string {
	s.t.Helper()
	call := s.callID()
	v := s.route(call, loop, "90595313")
	if v["SB_RESULT"] != "ok" {
		s.t.Fatalf("route %s: %v", loop, v)
	}
	s.dialResult(call, v["SB_AGENT"], "ANSWER")
	s.hangup(call)
	return v["SB_AGENT"]
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waiting returns the calls in loop's waiting line.
func (s *system) waiting(loop string) []string {
	s.t.Helper()
	calls, err := s.store.Client().ZRange(context.Background(), s.store.Key("wait:"+loop), 0, -1).Result()
	if err != nil {
		s.t.Fatal(err)
	}
	return calls
}

// awaitWaiting waits until n callers wait in loop's line, or in all lines
// together when loop is "".
func (s *system) awaitWaiting(loop string, n int) {
	s.t.Helper()
	loops := []string{loop}
	if loop == "" {
		loops = nil
		for _, l := range s.cfg.Roster().Loops() {
			loops = append(loops, string(l.ID))
		}
	}
	count := func() (c int) {
		for _, l := range loops {
			c += len(s.waiting(l))
		}
		return c
	}
	if !until(10*time.Second, func() bool { return count() == n }) {
		s.t.Fatalf("loops %v: %d callers waiting, want %d", loops, count(), n)
	}
}

// checkQuiet waits until nobody waits in any line and no call holds an
// agent; an available agent must be eligible again (wrap-up over).
func (s *system) checkQuiet(t *testing.T) {
	t.Helper()
	roster := s.cfg.Roster()
	var problems []string
	quiet := func() bool {
		problems = nil
		for _, l := range roster.Loops() {
			if w := s.waiting(string(l.ID)); len(w) > 0 {
				problems = append(problems, fmt.Sprintf("loop %s still has %d waiting", l.ID, len(w)))
			}
		}
		for _, a := range roster.Agents() {
			st := s.state(string(a.ID))
			r := routing.Eligible(st, time.Now())
			if st.ClaimedBy != "" || st.OnCall != "" || (st.Status == routing.StatusAvailable && r != "") {
				problems = append(problems, fmt.Sprintf("%s: %s", a.ID, r))
			}
		}
		return len(problems) == 0
	}
	if !until(10*time.Second, quiet) {
		t.Fatalf("not quiet:\n%s", strings.Join(problems, "\n"))
	}
}

// setEach sets the status of each agent.
func (s *system) setEach(st routing.Status, ids ...string) {
	s.t.Helper()
	for _, id := range ids {
		s.set(id, st)
	}
}

// released reports whether no call holds the agent: none rings them, none is
// on the line with them.
func (s *system) released(id string) bool {
	st := s.state(id)
	return st.ClaimedBy == "" && st.OnCall == ""
}
