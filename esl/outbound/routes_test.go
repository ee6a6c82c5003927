package outbound_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

// router is a Router of function fields; nil fields give "none".
type router struct {
	route    func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error)
	wait     func(ctx context.Context, progress routing.Progress) (routing.Decision, error)
	hangups  atomic.Int64
	callback func(number string) (string, error)
}

func (r *router) Route(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
	if r.route != nil {
		return r.route(ctx, req)
	}
	return routing.Decision{Result: routing.ResultNone}, nil
}
func (r *router) Wait(ctx context.Context, _ routing.RouteRequest, _ time.Duration, p routing.Progress) (routing.Decision, error) {
	if r.wait != nil {
		return r.wait(ctx, p)
	}
	return routing.Decision{Result: routing.ResultNone}, nil
}
func (r *router) DialResultFrom(context.Context, routing.Source, routing.CallID, routing.AgentID, routing.DialStatus) error {
	return nil
}
func (r *router) HangupFrom(context.Context, routing.Source, routing.CallID) (routing.AgentID, error) {
	r.hangups.Add(1)
	return "", nil
}
func (r *router) Fallback(routing.LoopID) string { return "user/2301" }
func (r *router) RequestCallbackFrom(_ context.Context, _ routing.Source, _ routing.CallID, _ routing.LoopID, number, _ string) (string, error) {
	return r.callback(number)
}

func runCall(t *testing.T, r *router, vars map[string]string) *fstest.Call {
	t.Helper()
	s := &outbound.Server{Handler: &outbound.Routes{Router: r, DecisionBudget: 50 * time.Millisecond}, Log: slog.New(slog.DiscardHandler)}
	return play(t, s, &fstest.Call{Channel: fstest.Channel{UUID: "u-1", Name: "sofia/internal/x", CallerNumber: "40000001", Answered: true, Vars: vars}})
}

func TestSlowRouterGivesErrorWithinBudgetAndLateClaimIsReleased(t *testing.T) {
	// The router ignores its context and answers only when released: the
	// call must be handed back by the budget while it still has not. A
	// watchdog releases it after 10 s so a broken budget fails the test
	// instead of hanging it.
	release := make(chan struct{})
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	watchdog := time.AfterFunc(10*time.Second, let)
	defer watchdog.Stop()
	var returned atomic.Bool
	r := &router{route: func(ctx context.Context, _ routing.RouteRequest) (routing.Decision, error) {
		<-release
		returned.Store(true)
		return routing.Decision{Result: routing.ResultOK, Agent: routing.Agent{ID: "a", FreeSWITCHDial: "user/1"}}, nil
	}}
	c := runCall(t, r, map[string]string{"sb_loop": "1"})
	if returned.Load() {
		t.Fatal("the call was handed back only after the router returned")
	}
	v := c.Vars()
	if v["sb_result"] != "error" || v["sb_error"] != "timeout" || v["sb_fallback"] != "user/2301" || v["sb_loop"] != "1" {
		t.Fatalf("vars %v", v)
	}
	if len(c.Bridges()) != 0 {
		t.Fatalf("bridged after the budget: %v", c.Bridges())
	}
	let() // the claim arrives now, too late
	deadline := time.Now().Add(2 * time.Second)
	for r.hangups.Load() < 2 { // the call's end, and the late claim
		if time.Now().After(deadline) {
			t.Fatalf("late claim not released (%d releases)", r.hangups.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCallbackRequest(t *testing.T) {
	var got atomic.Value
	r := &router{callback: func(number string) (string, error) { got.Store(number); return "cb1", nil }}
	c := runCall(t, r, map[string]string{"sb_loop": "2", "sb_request": "callback"})
	if v := c.Vars(); v["sb_result"] != "ok" || got.Load() != "40000001" {
		t.Fatalf("vars %v, number %v", v, got.Load())
	}
}

// runBridgedCall runs one answered FreeSWITCH call with channel uuid
// through a server routing with r, its bridges ending as bridge says, and
// returns it once it has ended.
func runBridgedCall(t *testing.T, r outbound.Router, uuid string, bridge func(string) fstest.Outcome) *fstest.Call {
	t.Helper()
	s := &outbound.Server{Handler: &outbound.Routes{Router: r}, Log: slog.New(slog.DiscardHandler)}
	return play(t, s, &fstest.Call{
		Channel: fstest.Channel{UUID: uuid, Name: "sofia/internal/x", CallerNumber: "40000001", Answered: true},
		Bridge:  bridge,
	})
}

// play runs c against s and returns it once the call has ended.
func play(t *testing.T, s *outbound.Server, c *fstest.Call) *fstest.Call {
	t.Helper()
	addr, _, _ := serve(t, s)
	if err := c.Start(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}
