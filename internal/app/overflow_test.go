package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// overflowRig is routing on the Redis store and line, with loops whose
// maximum wait is too short for a configuration file to allow.
func overflowRig(t *testing.T, overflow routing.LoopID) (*routing.Service, *presence.Store) {
	t.Helper()
	agents := []routing.Agent{{ID: "anna", Name: "Anna", AsteriskDial: "PJSIP/2101"}, {ID: "bo", Name: "Bo", AsteriskDial: "PJSIP/2102"}}
	loops := []routing.Loop{
		{ID: "1", Tag: "111", RingTimeout: 5 * time.Second, MaxWait: 300 * time.Millisecond, Overflow: overflow, Members: []routing.AgentID{"anna"}},
		{ID: "sb", Tag: "999", RingTimeout: 5 * time.Second, MaxWait: 5 * time.Second, Members: []routing.AgentID{"bo"}},
	}
	r, err := routing.NewRoster(agents, loops)
	if err != nil {
		t.Fatal(err)
	}
	store := presence.New(redistest.Start(t).Client(t), "ovf", r)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := store.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	line := presence.NewLine(store, nil)
	go line.Run(ctx)
	svc := routing.NewService(r, store, nil)
	svc.Line, svc.Callbacks = line, store
	for _, id := range []routing.AgentID{"anna", "bo"} {
		if _, err := store.SetStatus(ctx, id, routing.StatusLunch, routing.Actor{Source: routing.SourceCLI, Name: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	return svc, store
}

func waitOnce(t *testing.T, svc *routing.Service, call routing.CallID) routing.Decision {
	t.Helper()
	ctx := context.Background()
	req := routing.RouteRequest{Call: call, Loop: "1", CallerNumber: "40000001", Wait: true}
	d, err := svc.Route(ctx, req)
	if err != nil || d.Result != routing.ResultWait || d.Position != 1 {
		t.Fatalf("route: %+v %v; want the call first in line", d, err)
	}
	d, err = svc.Wait(ctx, req, 500*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return d
}

func TestMaxWaitOffersACallback(t *testing.T) {
	svc, store := overflowRig(t, routing.OverflowCallback)
	began := time.Now()
	d := waitOnce(t, svc, "c1")
	if d.Result != routing.ResultCallback || time.Since(began) < 300*time.Millisecond {
		t.Fatalf("after max wait: %+v after %v, want callback after 300ms", d, time.Since(began))
	}
	if w, _ := store.Client().ZCard(context.Background(), store.Key("wait:1")).Result(); w != 0 {
		t.Fatalf("caller still in line after overflow")
	}
	id, err := svc.RequestCallback(context.Background(), "c1", "1", "40000001", "Kari")
	if err != nil || id == "" {
		t.Fatalf("request callback: %q %v", id, err)
	}
	cbs, err := store.Callbacks(context.Background(), false)
	if err != nil || len(cbs) != 1 || cbs[0].Number != "40000001" || cbs[0].Loop != "1" {
		t.Fatalf("callbacks %+v %v", cbs, err)
	}
}

func TestMaxWaitMovesTheCallerToTheOverflowLoop(t *testing.T) {
	svc, store := overflowRig(t, "sb")
	go func() {
		time.Sleep(600 * time.Millisecond) // after the move to loop sb
		_, _ = store.SetStatus(context.Background(), "bo", routing.StatusAvailable, routing.Actor{Source: routing.SourceCLI, Name: "t"})
	}()
	d := waitOnce(t, svc, "c1")
	if d.Result != routing.ResultOK || d.Agent.ID != "bo" || d.Loop.ID != "sb" || d.CallerIDNumber != "40000001-999" {
		t.Fatalf("after overflow: %+v, want bo of loop sb showing 40000001-999", d)
	}
}

func TestMaxWaitWithoutOverflowGivesNone(t *testing.T) {
	svc, _ := overflowRig(t, "")
	if d := waitOnce(t, svc, "c1"); d.Result != routing.ResultNone {
		t.Fatalf("got %+v, want none (the dialplan's fallback)", d)
	}
}
