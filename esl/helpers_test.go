package esl

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// testAgents: id, extension.
var testAgents = [][2]string{{"anna", "2101"}, {"bjorn", "2102"}, {"cato", "2103"}, {"dina", "2104"}, {"eli", "1000"}}

func newPresence(t testing.TB) (*presence.Store, *routing.Roster) {
	t.Helper()
	return newPresenceOf(t, testAgents)
}

// manyAgents makes n agents: id a000000…, extension 100000….
func manyAgents(n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{fmt.Sprintf("a%06d", i), fmt.Sprint(100000 + i)}
	}
	return out
}

func newPresenceOf(t testing.TB, of [][2]string) (*presence.Store, *routing.Roster) {
	t.Helper()
	var agents []routing.Agent
	var ids []routing.AgentID
	for _, a := range of {
		agents = append(agents, routing.Agent{ID: routing.AgentID(a[0]), Name: a[0], Extension: a[1], FreeSWITCHDial: "user/" + a[1]})
		ids = append(ids, routing.AgentID(a[0]))
	}
	r, err := routing.NewRoster(agents, []routing.Loop{{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, Members: ids}})
	if err != nil {
		t.Fatal(err)
	}
	s := presence.New(redistest.Start(t).Client(t), "esltest", r)
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, r
}

// run starts a listener on fake and waits for its first subscription.
func run(t testing.TB, fake *esltest.Server, store *presence.Store, r *routing.Roster, node Node, opts Options) (*Listener, context.CancelFunc) {
	t.Helper()
	node.Name, node.Addr = "fs1", fake.Addr()
	if node.Password == "" {
		node.Password = "ClueCon"
	}
	l := &Listener{Nodes: []Node{node}, Options: opts, Events: store, Roster: r, Log: testLog()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return l, cancel
}

func testLog() *slog.Logger {
	if os.Getenv("ESL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// waitSynced waits until the listener reports a connected, resynchronised link.
func waitSynced(t testing.TB, l *Listener, within time.Duration) NodeStatus {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s := l.Statuses()[0]; s.Connected {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("not connected within %s: %+v", within, l.Statuses()[0])
	return NodeStatus{}
}

// eventually polls cond until it holds or fails the test after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func state(t testing.TB, s *presence.Store, id string) routing.AgentState {
	t.Helper()
	m, err := s.States(context.Background(), []routing.AgentID{routing.AgentID(id)})
	if err != nil {
		t.Fatal(err)
	}
	return m[routing.AgentID(id)]
}

// settled reports whether the listener has read n events and handled all it read.
func settled(l *Listener, n uint64) bool {
	s := l.Statuses()[0]
	return s.Received >= n && s.Settled()
}
