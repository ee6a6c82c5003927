package agi

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// logBuf collects log output for assertions.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits for substr to be logged; log lines written by a goroutine
// that has no other way to signal are the only thing tests wait for this way.
func (l *logBuf) waitFor(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(l.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("log has no %q:\n%s", substr, l.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newLog() (*slog.Logger, *logBuf) {
	lb := &logBuf{}
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// segReader returns one chunk per Read, like recv() on Asterisk's segments.
type segReader struct{ chunks [][]byte }

func (r *segReader) Read(p []byte) (int, error) {
	for len(r.chunks) > 0 && len(r.chunks[0]) == 0 {
		r.chunks = r.chunks[1:]
	}
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	return n, nil
}

func readTranscript(t testing.TB, name string) *agitest.Transcript {
	t.Helper()
	tr, err := agitest.ReadTranscript("testdata/" + name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, peer net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	peer, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { _ = r.c.Close(); _ = peer.Close() })
	return r.c, peer
}

// testSession starts a session on a fresh connection; the test plays
// Asterisk on the returned peer.
func testSession(t *testing.T, timeout time.Duration) (*Session, net.Conn, *bufio.Reader) {
	t.Helper()
	server, peer := tcpPair(t)
	env := Env{UniqueID: "1795840350.1", Channel: "Local/s@test-00000001;2", Raw: map[string]string{}}
	log, _ := newLog()
	s := newSession(server, bufio.NewReader(server), env, log, timeout)
	t.Cleanup(func() { s.close(0) })
	return s, peer, bufio.NewReader(peer)
}

// fakeRouter is a Router made of functions; nil ones take the defaults:
// Route claims agent a1, DialResult and Hangup succeed. Every call is
// recorded and each Hangup is also sent on hangups.
type fakeRouter struct {
	route      func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error)
	dialResult func(ctx context.Context, call routing.CallID, agent routing.AgentID, status routing.DialStatus) error
	hangup     func(ctx context.Context, call routing.CallID) (routing.AgentID, error)

	mu      sync.Mutex
	calls   []string
	reqs    []routing.RouteRequest
	hangups chan routing.CallID
}

func newRouter() *fakeRouter { return &fakeRouter{hangups: make(chan routing.CallID, 16)} }

var (
	testLoop = routing.Loop{
		ID: "1", Name: "Sentralbord", Tag: "111", RingTimeout: 19500 * time.Millisecond,
		Fallback: "PJSIP/9000", Members: []routing.AgentID{"a1"},
	}
	testAgent = routing.Agent{ID: "a1", Name: "May Tove", Extension: "2101", AsteriskDial: "PJSIP/2101"}
)

func (f *fakeRouter) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeRouter) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeRouter) Route(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	f.record("route " + string(req.Call) + " " + string(req.Loop))
	if f.route != nil {
		return f.route(ctx, req)
	}
	return routing.Decision{
		Result: routing.ResultOK, Loop: testLoop, Agent: testAgent, Fallback: testLoop.Fallback,
		CallerIDNumber: routing.TaggedNumber(req.CallerNumber, testLoop.Tag),
	}, nil
}

func (f *fakeRouter) DialResult(ctx context.Context, call routing.CallID, agent routing.AgentID, status routing.DialStatus) error {
	f.record("dialresult " + string(call) + " " + string(agent) + " " + string(status))
	if f.dialResult != nil {
		return f.dialResult(ctx, call, agent, status)
	}
	return nil
}

func (f *fakeRouter) Hangup(ctx context.Context, call routing.CallID) (routing.AgentID, error) {
	f.record("hangup " + string(call))
	defer func() { f.hangups <- call }()
	if f.hangup != nil {
		return f.hangup(ctx, call)
	}
	return "a1", nil
}

// waitHangup waits for the router to be asked to release call.
func (f *fakeRouter) waitHangup(t *testing.T, call string) {
	t.Helper()
	select {
	case got := <-f.hangups:
		if string(got) != call {
			t.Fatalf("released call %q, want %q", got, call)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("call %q was never released; router calls: %v", call, f.Calls())
	}
}

// startServer serves srv on a loopback port until the test ends.
func startServer(t *testing.T, srv *Server) (addr string, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() { ch <- srv.Serve(ctx, ln) }()
	select {
	case <-srv.Ready():
	case err := <-ch:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		srv.Close()
	})
	return srv.Addr().String(), cancel, ch
}
