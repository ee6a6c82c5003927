package agi

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// okHandler answers every session with SB_RESULT=ok, and panics on "boom".
var okHandler = HandlerFunc(func(ctx context.Context, s *Session) error {
	if s.Env().Request == "boom" {
		panic("handler exploded")
	}
	return s.Set(ctx, VarResult, "ok")
})

func expectOK(t *testing.T, addr string) {
	t.Helper()
	res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "route?loop=1"}})
	if res.Vars[VarResult] != "ok" {
		t.Fatalf("server no longer serves: %v", res.Vars)
	}
}

func TestMalformedInputIsClosedAndLogged(t *testing.T) {
	tests := []struct {
		name      string
		misbehave agitest.Misbehaviour
		log       string
	}{
		{"garbage", agitest.Garbage, "malformed agi environment"},
		{"truncated env", agitest.TruncatedEnv, "malformed agi environment"},
		{"stalled env", agitest.StalledEnv, "no agi environment in time"},
		{"silent client", agitest.Silent, "no agi environment in time"},
		{"garbage reply", agitest.GarbageReply, "agi protocol error"},
		{"reset after env", agitest.ResetAfterEnv, "agi session ended by hangup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, lb := newLog()
			const envTimeout = 150 * time.Millisecond
			srv := &Server{Handler: okHandler, Log: log, EnvTimeout: envTimeout}
			addr, _, _ := startServer(t, srv)
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := (&agitest.Client{Call: agitest.Call{Request: "route"}, Misbehave: tt.misbehave}).Run(ctx, addr)
			if err != nil && !errors.Is(err, net.ErrClosed) {
				t.Fatalf("run: %v", err)
			}
			took := time.Since(start)
			if tt.misbehave == agitest.Silent || tt.misbehave == agitest.StalledEnv {
				if !res.ServerClosed || took < envTimeout || took > envTimeout+time.Second {
					t.Errorf("closed %v after %v, want after %v", res.ServerClosed, took, envTimeout)
				}
			}
			if res.Vars[VarResult] == "ok" {
				t.Errorf("misbehaving client got SB_RESULT=ok")
			}
			lb.waitFor(t, tt.log)
			expectOK(t, addr)
		})
	}
	t.Run("connect and close", func(t *testing.T) {
		log, lb := newLog()
		addr, _, _ := startServer(t, &Server{Handler: okHandler, Log: log})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		lb.waitFor(t, "connection closed before the agi environment")
		expectOK(t, addr)
	})
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	log, lb := newLog()
	addr, _, _ := startServer(t, &Server{Handler: okHandler, Log: log})
	res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "boom", UniqueID: "1795840350.9"}})
	if !res.ServerClosed {
		t.Error("connection not closed after the panic")
	}
	out := lb.String()
	if !strings.Contains(out, "panic in agi session") || !strings.Contains(out, "handler exploded") ||
		!strings.Contains(out, "uniqueid=1795840350.9") {
		t.Errorf("log:\n%s", out)
	}
	expectOK(t, addr)
}

// TestPanicAfterClaimReleases panics in the middle of publishing a claimed
// agent (a write that blows up) and checks the claim is released while the
// panic unwinds.
func TestPanicAfterClaimReleases(t *testing.T) {
	server, peer := tcpPair(t)
	go func() { // Asterisk answering every SET
		r := bufio.NewReader(peer)
		for {
			if _, err := r.ReadString('\n'); err != nil {
				return
			}
			_, _ = peer.Write([]byte("200 result=1\n"))
		}
	}()
	env := Env{UniqueID: "1795840350.10", Request: "route", Query: url.Values{"loop": {"1"}}, Raw: map[string]string{}}
	log, lb := newLog()
	s := newSession(panicConn{server, "SB_DIAL"}, bufio.NewReader(server), env, log, time.Second)
	defer s.close(0)
	router := newRouter()
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("no panic")
			}
		}()
		_ = (&Routes{Router: router}).ServeAGI(context.Background(), s)
	}()
	router.waitHangup(t, "1795840350.10")
	if !strings.Contains(lb.String(), "route not completed") {
		t.Errorf("log:\n%s", lb)
	}
}

// panicConn panics when a command containing on is written.
type panicConn struct {
	net.Conn
	on string
}

func (c panicConn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.on) {
		panic("write exploded")
	}
	return c.Conn.Write(p)
}

func TestDrain(t *testing.T) {
	router := newRouter()
	entered := make(chan struct{})
	unblock := make(chan struct{})
	router.route = func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
		close(entered)
		<-unblock
		return routing.Decision{Result: routing.ResultOK, Loop: testLoop, Agent: testAgent}, nil
	}
	log, lb := newLog()
	srv := &Server{Handler: &Routes{Router: router, DecisionBudget: 5 * time.Second}, Log: log}
	addr, cancel, done := startServer(t, srv)

	inFlight := make(chan agitest.Result, 1)
	go func() {
		res, _ := agitest.Dial(context.Background(), addr, agitest.Call{Request: "route?loop=1"})
		inFlight <- res
	}()
	<-entered
	cancel()
	lb.waitFor(t, "waiting for calls in flight")
	if !strings.Contains(lb.String(), "sessions=1") {
		t.Errorf("remaining sessions not logged:\n%s", lb)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		_ = c.Close()
		t.Fatal("new connection accepted while draining")
	}
	close(unblock)
	if res := <-inFlight; res.Vars[VarResult] != "ok" {
		t.Errorf("call in flight did not complete: %v", res.Vars)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("serve did not return after draining")
	}
	if len(router.Calls()) != 1 {
		t.Errorf("router calls %v", router.Calls())
	}
}

func TestDrainTimeoutAndClose(t *testing.T) {
	for _, viaClose := range []bool{false, true} {
		name := map[bool]string{false: "drain timeout", true: "close"}[viaClose]
		t.Run(name, func(t *testing.T) {
			stuck := HandlerFunc(func(ctx context.Context, s *Session) error {
				<-ctx.Done() // a session that would never end by itself
				return ctx.Err()
			})
			log, lb := newLog()
			srv := &Server{Handler: stuck, Log: log, DrainTimeout: 200 * time.Millisecond}
			if viaClose {
				srv.DrainTimeout = time.Minute
			}
			addr, cancel, done := startServer(t, srv)
			callDone := make(chan struct{})
			go func() {
				defer close(callDone)
				_, _ = agitest.Dial(context.Background(), addr, agitest.Call{Request: "route"})
			}()
			lb.waitFor(t, "agi session started")
			cancel()
			lb.waitFor(t, "waiting for calls in flight")
			start := time.Now()
			if viaClose {
				srv.Close()
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("serve did not return")
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("stopping took %v", d)
			}
			<-callDone
			want := map[bool]string{false: "agi drain timeout", true: "agi server closing"}[viaClose]
			if !strings.Contains(lb.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, lb)
			}
		})
	}
}

func TestConcurrencyLimit(t *testing.T) {
	router := newRouter()
	entered := make(chan struct{}, 4)
	unblock := make(chan struct{})
	router.route = func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
		entered <- struct{}{}
		<-unblock
		return routing.Decision{Result: routing.ResultOK, Loop: testLoop, Agent: testAgent}, nil
	}
	log, lb := newLog()
	srv := &Server{Handler: &Routes{Router: router, DecisionBudget: 5 * time.Second}, Log: log,
		MaxConns: 1, OverloadWait: 20 * time.Millisecond, Unlimited: Releases}
	addr, _, _ := startServer(t, srv)

	first := make(chan agitest.Result, 1)
	go func() {
		res, _ := agitest.Dial(context.Background(), addr, agitest.Call{Request: "route?loop=1"})
		first <- res
	}()
	<-entered
	over := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "route?loop=1"}})
	if _, set := over.Vars[VarResult]; set || len(over.Commands) != 0 {
		t.Errorf("connection over the limit was served: %v %v", over.Vars, over.Commands)
	}
	if !strings.Contains(lb.String(), "too many agi sessions") {
		t.Errorf("log:\n%s", lb)
	}
	// A hangup is served even when full: it frees an agent.
	hup := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "hangup", UniqueID: "full.1"}, Dead: true})
	if hup.Vars[VarResult] != "ok" {
		t.Errorf("hangup over the limit was not served: %v", hup.Vars)
	}
	router.waitHangup(t, "full.1")
	close(unblock)
	if res := <-first; res.Vars[VarResult] != "ok" {
		t.Errorf("first call: %v", res.Vars)
	}
	expectOK(t, addr)
}

func TestListenAndServe(t *testing.T) {
	srv := &Server{Handler: okHandler}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0") }()
	<-srv.Ready()
	if srv.Addr() == nil {
		t.Fatal("no address when ready")
	}
	expectOK(t, srv.Addr().String())
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), ln); err == nil {
		t.Error("second Serve accepted")
	}
}
