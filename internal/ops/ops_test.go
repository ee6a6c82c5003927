package ops_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/internal/ops"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

type fixture struct {
	store  *presence.Store
	client redis.UniversalClient
	src    *ops.Source
	url    string
}

var cli = routing.Actor{Source: routing.SourceCLI, Name: "test"}

// newFixture serves the board of two loops over a real Redis.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	roster, err := routing.NewRoster([]routing.Agent{
		{ID: "anna", Name: "Anna"}, {ID: "bente", Name: "Bente"}, {ID: "cato", Name: "Cato"},
	}, []routing.Loop{
		{ID: "1", Name: "Faktura", Members: []routing.AgentID{"anna", "bente"}},
		{ID: "3", Name: "Andre henvendelser", Members: []routing.AgentID{"bente", "cato"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	client := redistest.Start(t).Client(t)
	store := presence.New(client, "board", roster)
	if err := store.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc := routing.NewService(roster, store, nil)
	src := &ops.Source{Service: svc, Client: client, Key: store.Key}
	srv := &ops.Server{Board: &ops.Board{Source: src, Title: "Sentralbord"}}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &fixture{store: store, client: client, src: src, url: hs.URL}
}

func find(t *testing.T, snap ops.Snapshot, loop, agent string) ops.AgentView {
	t.Helper()
	for _, l := range snap.Loops {
		if l.ID != loop {
			continue
		}
		for _, a := range l.Agents {
			if a.ID == agent {
				return a
			}
		}
	}
	t.Fatalf("loop %s has no agent %s", loop, agent)
	return ops.AgentView{}
}

func TestSnapshotShowsStatesAndLine(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	until := time.Date(2026, 12, 31, 0, 0, 0, 0, time.Local)
	if _, err := f.store.Logout(ctx, "anna", routing.ReasonFerie, until, cli); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.SetStatus(ctx, "cato", routing.StatusMeeting, cli); err != nil {
		t.Fatal(err)
	}
	arrival := time.Now().Add(-65 * time.Second)
	if err := f.client.ZAdd(ctx, f.store.Key("wait:3"), redis.Z{Score: float64(arrival.UnixMilli()), Member: "call-1"}).Err(); err != nil {
		t.Fatal(err)
	}
	snap, err := f.src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ loop, agent, state, detail string }{
		{"1", "anna", ops.StateLoggedOut, "ferie til 2026-12-31"},
		{"1", "bente", ops.StateFree, ""},
		{"3", "cato", ops.StateMeeting, ""},
	} {
		got := find(t, snap, c.loop, c.agent)
		if got.State != c.state || got.Detail != c.detail {
			t.Errorf("loop %s %s: %s %q, want %s %q", c.loop, c.agent, got.State, got.Detail, c.state, c.detail)
		}
	}
	l3 := snap.Loops[1]
	if l3.Waiting != 1 || l3.Longest < 64 || l3.Longest > 120 {
		t.Errorf("loop 3 line: %d waiting, longest %.0fs; want 1 and about 65s", l3.Waiting, l3.Longest)
	}
	if snap.Loops[0].Waiting != 0 || snap.Loops[0].Free != 1 {
		t.Errorf("loop 1: %+v", snap.Loops[0])
	}
}

func TestClassify(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	avail := routing.AgentState{LoggedIn: true, Status: routing.StatusAvailable}
	with := func(f func(*routing.AgentState)) routing.AgentState { s := avail; f(&s); return s }
	for _, c := range []struct {
		name   string
		st     routing.AgentState
		reason string
		want   string
	}{
		{"free", avail, "", ops.StateFree},
		{"on call", with(func(s *routing.AgentState) { s.OnCall = "c1" }), "on call", ops.StateOnCall},
		{"direct call", with(func(s *routing.AgentState) { s.DirectCall = true }), "on a direct call", ops.StateOnCall},
		{"ringing", with(func(s *routing.AgentState) { s.ClaimedBy, s.ClaimExpiry = "c1", now.Add(time.Second) }), "ringing", ops.StateRinging},
		{"calendar", avail, "in meeting until 12:00", ops.StateMeeting},
		{"lunch", with(func(s *routing.AgentState) { s.Status = routing.StatusLunch }), "status lunch", ops.StateAway},
		{"wrap-up", with(func(s *routing.AgentState) { s.WrapUntil = now.Add(time.Minute) }), "wrap-up", ops.StateWrapUp},
		{"unreachable", with(func(s *routing.AgentState) { s.Unreachable = true }), "phone unreachable", ops.StateUnreachable},
		{"logged out", routing.AgentState{}, "logged out", ops.StateLoggedOut},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _ := ops.Classify(routing.Candidate{State: c.st, Reason: c.reason}, now)
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}
