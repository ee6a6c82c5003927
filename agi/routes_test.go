package agi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// routeServer serves Routes with router and returns its address and log.
func routeServer(t *testing.T, router *fakeRouter, budget time.Duration) (string, *logBuf) {
	t.Helper()
	log, lb := newLog()
	srv := &Server{Handler: &Routes{Router: router, DecisionBudget: budget}, Log: log, EnvTimeout: time.Second}
	addr, _, _ := startServer(t, srv)
	return addr, lb
}

func run(t *testing.T, addr string, c *agitest.Client) agitest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Run(ctx, addr)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	return res
}

// inOrder reports whether every name of got is in want, in want's order,
// each at most once.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		for i < len(want) && want[i] != g {
			i++
		}
		if i == len(want) {
			return false
		}
		i++
	}
	return true
}

var routeOrder = []string{VarResult, VarLoop, VarAgent, VarAgentName, VarDial, VarTimeout,
	VarCallerIDNum, VarCallerIDName, VarFallback, VarError, VarWaited, VarResult}

func TestRoute(t *testing.T) {
	fail := func(err error) func(context.Context, routing.RouteRequest) (routing.Decision, error) {
		return func(_ context.Context, req routing.RouteRequest) (routing.Decision, error) {
			return routing.Decision{Result: routing.ResultError, Loop: testLoop, Fallback: testLoop.Fallback,
				CallerIDNumber: routing.TaggedNumber(req.CallerNumber, testLoop.Tag), Err: err}, err
		}
	}
	tests := []struct {
		name   string
		call   agitest.Call
		route  func(context.Context, routing.RouteRequest) (routing.Decision, error)
		want   map[string]string
		routed bool
	}{
		{name: "claimed agent rings", call: agitest.Call{Request: "route?loop=1", CallerID: "90595313", CallerIDName: "Kari Nordmann"},
			routed: true, want: map[string]string{VarResult: "ok", VarLoop: "1", VarAgent: "a1", VarAgentName: "May Tove",
				VarDial: "PJSIP/2101", VarTimeout: "20", VarCallerIDNum: "90595313-111", VarCallerIDName: "Kari Nordmann",
				VarFallback: "PJSIP/9000", VarError: ""}},
		{name: "fallback longer than one AGI command is left to the dialplan", call: agitest.Call{Request: "route?loop=1"},
			route: func(_ context.Context, req routing.RouteRequest) (routing.Decision, error) {
				return routing.Decision{Result: routing.ResultNone, Loop: testLoop,
					Fallback: strings.Repeat("PJSIP/2101&", MaxCommandBytes/11)}, nil
			},
			routed: true, want: map[string]string{VarResult: "none", VarLoop: "1", VarFallback: ""}},
		{name: "loop from first argument, no caller id", call: agitest.Call{Request: "route", Args: []string{"1"}},
			routed: true, want: map[string]string{VarResult: "ok", VarLoop: "1", VarAgent: "a1", VarCallerIDNum: "", VarCallerIDName: ""}},
		{name: "nobody free", call: agitest.Call{Request: "route?loop=1", CallerID: "90595313"}, routed: true,
			route: func(_ context.Context, req routing.RouteRequest) (routing.Decision, error) {
				return routing.Decision{Result: routing.ResultNone, Loop: testLoop, Fallback: testLoop.Fallback,
					CallerIDNumber: "90595313-111"}, nil
			},
			want: map[string]string{VarResult: "none", VarLoop: "1", VarAgent: "", VarDial: "", VarTimeout: "",
				VarFallback: "PJSIP/9000", VarCallerIDNum: "90595313-111", VarError: ""}},
		{name: "store down", call: agitest.Call{Request: "route?loop=1"}, routed: true,
			route: fail(fmt.Errorf("claim: %w", routing.ErrStoreUnavailable)),
			want:  map[string]string{VarResult: "error", VarError: "store unavailable", VarFallback: "PJSIP/9000", VarDial: ""}},
		{name: "unknown loop", call: agitest.Call{Request: "route?loop=9"}, routed: true,
			route: func(context.Context, routing.RouteRequest) (routing.Decision, error) {
				err := fmt.Errorf("route: %w %q", routing.ErrUnknownLoop, "9")
				return routing.Decision{Result: routing.ResultError, Err: err}, err
			},
			want: map[string]string{VarResult: "error", VarError: "unknown loop", VarLoop: "9", VarFallback: ""}},
		{name: "missing loop", call: agitest.Call{Request: "route"},
			want: map[string]string{VarResult: "error", VarError: "missing loop"}},
		{name: "panic in router", call: agitest.Call{Request: "route?loop=1"}, routed: true,
			route: func(context.Context, routing.RouteRequest) (routing.Decision, error) { panic("boom") },
			want:  map[string]string{VarResult: "error", VarError: "internal error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			router := newRouter()
			router.route = tt.route
			addr, lb := routeServer(t, router, time.Second)
			tt.call.UniqueID = "1795840350.1"
			res := run(t, addr, &agitest.Client{Call: tt.call})
			for k, v := range tt.want {
				// The dialplan clears the variables before each route
				// request: an empty value is not sent at all.
				got, ok := res.Vars[k]
				if v == "" && k != VarResult && ok {
					t.Errorf("%s sent empty", k)
				} else if got != v || (v != "" && !ok) {
					t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
				}
			}
			if got := res.SetOrder(); !inOrder(got[1:len(got)-1], routeOrder[1:len(routeOrder)-1]) {
				t.Errorf("set order %v, want a part of %v in that order", got, routeOrder)
			}
			if got := res.SetOrder(); got[len(got)-1] != VarResult || got[0] != VarResult {
				t.Errorf("SB_RESULT not cleared first and set last: %v", got)
			}
			calls := router.Calls()
			if tt.routed != slices.Contains(calls, "route 1795840350.1 "+res.Vars[VarLoop]) {
				t.Errorf("router calls %v, routed want %v", calls, tt.routed)
			}
			if tt.want[VarResult] == "ok" && slices.ContainsFunc(calls, func(c string) bool { return strings.HasPrefix(c, "hangup") }) {
				t.Errorf("a committed claim was released: %v", calls)
			}
			if strings.Contains(lb.String(), "90595313") {
				t.Errorf("log holds a caller number:\n%s", lb)
			}
		})
	}
}

func TestRouteRequestFields(t *testing.T) {
	router := newRouter()
	addr, lb := routeServer(t, router, time.Second)
	run(t, addr, &agitest.Client{Call: agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.7",
		CallerID: "+4790595313", CallerIDName: "Kari", Language: "no", Channel: "PJSIP/trunk-0000001a"}})
	router.mu.Lock()
	defer router.mu.Unlock()
	want := routing.RouteRequest{Call: "1795840350.7", Loop: "1", CallerNumber: "+4790595313", CallerName: "Kari", Language: "no"}
	if len(router.reqs) != 1 || router.reqs[0] != want {
		t.Fatalf("requests %+v, want %+v", router.reqs, want)
	}
	for _, s := range []string{"uniqueid=1795840350.7", "caller=********313", "channel=PJSIP/trunk-0000001a", "request=route", "agent=a1", "agent claimed"} {
		if !strings.Contains(lb.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, lb)
		}
	}
}

func TestRouteSlowRouter(t *testing.T) {
	const budget = 100 * time.Millisecond
	t.Run("router ignores its context", func(t *testing.T) {
		router := newRouter()
		unblock := make(chan struct{})
		entered := make(chan time.Time, 1)
		router.route = func(_ context.Context, req routing.RouteRequest) (routing.Decision, error) {
			entered <- time.Now()
			<-unblock // a store call stuck on the network, freed only after the call
			return routing.Decision{Result: routing.ResultOK, Loop: testLoop, Agent: testAgent}, nil
		}
		addr, lb := routeServer(t, router, budget)
		var answered time.Time
		c := &agitest.Client{Call: agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.2"},
			OnCommand: func(n int, line string) {
				if n == 2 { // the first SET after the decision
					answered = time.Now()
				}
			}}
		res := run(t, addr, c)
		if res.Vars[VarResult] != "error" || res.Vars[VarError] != "timeout" || res.Vars[VarFallback] != "" {
			t.Errorf("vars %v", res.Vars)
		}
		// The router is still blocked here, so the answer cannot have waited
		// for it; the bound only guards against waiting far past the budget.
		if took := answered.Sub(<-entered); took < budget || took > budget+time.Second {
			t.Errorf("decision answered %v after the router was asked, budget %v", took, budget)
		}
		close(unblock) // the claim arrives late and must be released
		router.waitHangup(t, "1795840350.2")
		lb.waitFor(t, "decision came too late")
	})
	t.Run("router honours its context", func(t *testing.T) {
		router := newRouter()
		router.route = func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
			<-ctx.Done()
			return routing.Decision{Result: routing.ResultError, Err: ctx.Err()}, ctx.Err()
		}
		addr, _ := routeServer(t, router, budget)
		res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "route?loop=1"}})
		if res.Vars[VarResult] != "error" || res.Vars[VarError] != "timeout" {
			t.Errorf("vars %v", res.Vars)
		}
	})
}

func TestRouteReleasesClaimOnHangup(t *testing.T) {
	t.Run("caller hangs up while the decision is made", func(t *testing.T) {
		router := newRouter()
		c := &agitest.Client{Call: agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.3"}}
		router.route = func(_ context.Context, req routing.RouteRequest) (routing.Decision, error) {
			c.Hangup() // the HANGUP notice is on the wire before the claim returns
			return routing.Decision{Result: routing.ResultOK, Loop: testLoop, Agent: testAgent}, nil
		}
		addr, _ := routeServer(t, router, time.Second)
		res := run(t, addr, c)
		router.waitHangup(t, "1795840350.3")
		if res.Vars[VarResult] == "ok" {
			t.Errorf("SB_RESULT=ok on a channel that hung up")
		}
		if !res.HungUp {
			t.Error("fake did not hang up")
		}
	})
	t.Run("Asterisk closes while variables are set", func(t *testing.T) {
		router := newRouter()
		// Command 3 is SET SB_AGENT; AGIEXITONHANGUP closes the connection.
		c := &agitest.Client{Call: agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.4"},
			HangupAfter: 3, ExitOnHangup: true}
		addr, lb := routeServer(t, router, time.Second)
		res := run(t, addr, c)
		router.waitHangup(t, "1795840350.4")
		if _, set := res.Vars[VarResult]; set && res.Vars[VarResult] != "" {
			t.Errorf("SB_RESULT = %q after a failed session", res.Vars[VarResult])
		}
		lb.waitFor(t, "claim released")
	})
}

func TestDialResult(t *testing.T) {
	tests := []struct {
		name      string
		call      agitest.Call
		dialErr   error
		want      map[string]string
		wantCalls []string
	}{
		{"answered, by arguments", agitest.Call{Request: "dialresult", Args: []string{"a1", "ANSWER"}}, nil,
			map[string]string{VarResult: "ok", VarError: ""}, []string{"dialresult C a1 ANSWER"}},
		{"no answer, by query, any case", agitest.Call{Request: "dialresult?agent=a1&status=noanswer"}, nil,
			map[string]string{VarResult: "ok"}, []string{"dialresult C a1 NOANSWER"}},
		{"missing agent", agitest.Call{Request: "dialresult", Args: []string{"", "BUSY"}}, nil,
			map[string]string{VarResult: "error", VarError: "bad agent"}, nil},
		{"agent with a space", agitest.Call{Request: "dialresult", Args: []string{"a 1", "BUSY"}}, nil,
			map[string]string{VarResult: "error", VarError: "bad agent"}, nil},
		{"unknown status releases as NOANSWER", agitest.Call{Request: "dialresult", Args: []string{"a1", "TORTURE"}}, nil,
			map[string]string{VarResult: "error", VarError: "bad status"}, []string{"dialresult C a1 NOANSWER"}},
		{"missing status releases as NOANSWER", agitest.Call{Request: "dialresult", Args: []string{"a1"}}, nil,
			map[string]string{VarResult: "error", VarError: "bad status"}, []string{"dialresult C a1 NOANSWER"}},
		{"answered, from the agent's channel with the caller's call id", agitest.Call{Request: "dialresult", Args: []string{"a1", "ANSWER", "1795840350.7"}}, nil,
			map[string]string{VarResult: "ok"}, []string{"dialresult 1795840350.7 a1 ANSWER"}},
		{"invalid call id", agitest.Call{Request: "dialresult", Args: []string{"a1", "ANSWER", "bad id"}}, nil,
			map[string]string{VarResult: "error", VarError: "bad call"}, nil},
		{"router fails", agitest.Call{Request: "dialresult", Args: []string{"a1", "BUSY"}},
			fmt.Errorf("dial result: %w", routing.ErrUnknownCall),
			map[string]string{VarResult: "error", VarError: "unknown call"}, []string{"dialresult C a1 BUSY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			router := newRouter()
			router.dialResult = func(context.Context, routing.CallID, routing.AgentID, routing.DialStatus) error { return tt.dialErr }
			addr, _ := routeServer(t, router, time.Second)
			tt.call.UniqueID = "C"
			res := run(t, addr, &agitest.Client{Call: tt.call})
			for k, v := range tt.want {
				if res.Vars[k] != v {
					t.Errorf("%s = %q, want %q", k, res.Vars[k], v)
				}
			}
			if got := router.Calls(); !slices.Equal(got, tt.wantCalls) {
				t.Errorf("router calls %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestHangupRequest(t *testing.T) {
	t.Run("dead channel in the h extension", func(t *testing.T) {
		router := newRouter()
		addr, lb := routeServer(t, router, time.Second)
		res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "hangup", UniqueID: "1795840350.5"}, Dead: true})
		router.waitHangup(t, "1795840350.5")
		if res.Vars[VarResult] != "ok" {
			t.Errorf("SB_RESULT = %q", res.Vars[VarResult])
		}
		if !strings.Contains(lb.String(), "call released") {
			t.Errorf("log:\n%s", lb)
		}
	})
	t.Run("store fails", func(t *testing.T) {
		router := newRouter()
		router.hangup = func(context.Context, routing.CallID) (routing.AgentID, error) {
			return "", routing.ErrStoreUnavailable
		}
		addr, _ := routeServer(t, router, time.Second)
		res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "hangup"}, Dead: true})
		if res.Vars[VarResult] != "error" || res.Vars[VarError] != "store unavailable" {
			t.Errorf("vars %v", res.Vars)
		}
	})
}

func TestUnknownRequest(t *testing.T) {
	router := newRouter()
	addr, lb := routeServer(t, router, time.Second)
	res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "bogus?x=1"}})
	want := map[string]string{VarResult: "error", VarError: "unknown request"}
	got := map[string]string{VarResult: res.Vars[VarResult], VarError: res.Vars[VarError]}
	if !maps.Equal(got, want) {
		t.Errorf("vars %v, want %v", got, want)
	}
	if len(router.Calls()) != 0 {
		t.Errorf("router called: %v", router.Calls())
	}
	if !strings.Contains(lb.String(), "unknown agi request") || !strings.Contains(lb.String(), "request=bogus") {
		t.Errorf("log:\n%s", lb)
	}
}

func TestReasons(t *testing.T) {
	if got := reason(errors.Join(errBudget)); got != "timeout" {
		t.Errorf("budget: %q", got)
	}
	if got := reason(errors.New("something")); got != "routing failed" {
		t.Errorf("other: %q", got)
	}
}
