package esl

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// gatedStore holds every batch until its gate opens, so events wait in the
// queue for as long as a test likes.
type gatedStore struct {
	*presence.Store
	entered chan struct{} // a batch is being written
	gate    chan struct{} // closed: batches go through
	once    sync.Once
}

func (s *gatedStore) PhoneBatch(ctx context.Context, evs []routing.PhoneEvent, a routing.Actor) (routing.PhoneBatchResult, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-s.gate
	return s.Store.PhoneBatch(ctx, evs, a)
}

func (s *gatedStore) open() { s.once.Do(func() { close(s.gate) }) }

// TestEventsReadBeforeTheNodeWentAwayAreRecorded: a feature code's status is
// a fact no resynchronisation recovers, so what was read before the link
// dropped is still written.
func TestEventsReadBeforeTheNodeWentAwayAreRecorded(t *testing.T) {
	fake := esltest.Start(t)
	store, r := newPresence(t)
	gs := &gatedStore{Store: store, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	t.Cleanup(gs.open)
	node := Node{Name: "fs1", Addr: fake.Addr(), Password: "ClueCon"}
	l := &Listener{Nodes: []Node{node}, Events: gs, Roster: r, Log: testLog()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitSynced(t, l, 5*time.Second)

	// A writer stuck in its first batch while the rest arrive and the link
	// drops: the rest is still queued when the connection ends.
	want := map[string]routing.Status{}
	fake.Fire(esltest.Status(testAgents[0][1], "status", "away"))
	<-gs.entered
	var buf []byte
	const n = 3000
	for i := range n {
		a, st := testAgents[i%len(testAgents)], routing.Statuses[(i/len(testAgents))%len(routing.Statuses)]
		buf = append(buf, esltest.PlainFrame(fake.Stamp(esltest.Status(a[1], "status", string(st))))...)
		want[a[0]] = st
	}
	fake.SendRaw(buf)
	fake.Kill()
	eventually(t, 5*time.Second, "every event read", func() bool { return l.Statuses()[0].Received == n+1 })
	time.Sleep(50 * time.Millisecond) // the end of the link noticed
	gs.open()
	eventually(t, 10*time.Second, "every event handled", func() bool { return settled(l, n+1) })
	if s := l.Statuses()[0]; s.Applied != n+1 || s.Failed != 0 {
		t.Fatalf("status %+v, want all %d applied", s, n+1)
	}
	for id, st := range want {
		if got := state(t, store, id).Status; got != st {
			t.Errorf("%s: %s, want %s", id, got, st)
		}
	}
}
