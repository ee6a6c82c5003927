package calendar_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func osloTime(h, m, s int) time.Time { return time.Date(2026, 11, 30, h, m, s, 0, oslo) }

var oslo, _ = time.LoadLocation("Europe/Oslo")

// Anna has the 10–12 meeting of testdata/meeting-10-12.ics; Bo has no calendar.
func TestAgentInMeetingIsSkippedAndPickedTheMomentItEnds(t *testing.T) {
	ctx := context.Background()
	roster, err := routing.NewRoster(
		[]routing.Agent{{ID: "anna", Name: "Anna", AsteriskDial: "PJSIP/2101"}, {ID: "bo", Name: "Bo", AsteriskDial: "PJSIP/2102"}},
		[]routing.Loop{{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, Members: []routing.AgentID{"anna", "bo"}}})
	if err != nil {
		t.Fatal(err)
	}
	client := redistest.Start(t).Client(t)
	clk := &clock{t: osloTime(9, 0, 0)}
	ps := presence.New(client, "caltest", roster)
	ps.Now = clk.Now
	if err := ps.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	cal := calendar.NewStore(client, "caltest")
	cal.Now, cal.Zone = clk.Now, oslo
	y := &calendar.Syncer{Store: cal, Rules: calendar.DefaultRules(), Days: 3,
		Sources: []calendar.Source{{Agent: "anna", Kind: calendar.KindICSFile, Where: "testdata/meeting-10-12.ics"}}}
	if res := y.Sync(ctx, nil); res[0].Error != "" || res[0].Busy != 1 {
		t.Fatalf("sync: %+v", res)
	}
	svc := routing.NewService(roster, ps, nil)
	svc.Now, svc.Calendar = clk.Now, cal

	route := func(call string, at time.Time) routing.AgentID {
		t.Helper()
		clk.Set(at)
		d, err := svc.Route(ctx, routing.RouteRequest{Call: routing.CallID(call), Loop: "1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Hangup(ctx, routing.CallID(call)); err != nil {
			t.Fatal(err)
		}
		return d.Agent.ID
	}
	if got := route("c1", osloTime(10, 30, 0)); got != "bo" {
		t.Fatalf("10:30: got %q, want bo (anna is in a meeting)", got)
	}
	cands, err := svc.Describe(ctx, []routing.AgentID{"anna"})
	if err != nil || cands[0].Reason != "in meeting until 12:00 (meeting)" {
		t.Fatalf("reason at 10:30: %q %v", cands[0].Reason, err)
	}
	actor := routing.Actor{Source: routing.SourceCLI, Name: "test"}
	if _, err := ps.Logout(ctx, "bo", routing.ReasonFri, time.Time{}, actor); err != nil {
		t.Fatal(err)
	}
	if got := route("c2", osloTime(11, 59, 59)); got != "" {
		t.Fatalf("11:59:59: got %q, want nobody", got)
	}
	if got := route("c3", osloTime(12, 0, 0)); got != "anna" {
		t.Fatalf("12:00:00: got %q, want anna the moment the meeting ends", got)
	}
}
