package agi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/internal/budget"
	"github.com/sentralbord/sentralbord/routing"
)

// A HANGUP while the Router decides ends the wait at once, far inside the
// budget, and the call is released.
func TestDecisionEndsAtHangup(t *testing.T) {
	router := newRouter()
	c := &agitest.Client{Call: agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.7"}}
	asked := make(chan time.Time, 1)
	router.route = func(ctx context.Context, req routing.RouteRequest) (routing.Decision, error) {
		asked <- time.Now()
		c.Hangup()
		<-ctx.Done() // a store that answers only when given up on
		return routing.Decision{Result: routing.ResultError, Err: ctx.Err()}, ctx.Err()
	}
	addr, lb := routeServer(t, router, 5*time.Second)
	res := run(t, addr, c)
	if took := time.Since(<-asked); took > 2*time.Second {
		t.Errorf("session ended %v after the router was asked; budget 5s", took)
	}
	router.waitHangup(t, "1795840350.7")
	lb.waitFor(t, "caller hung up during the decision")
	if res.Vars[VarResult] != "" {
		t.Errorf("SB_RESULT = %q after a hangup", res.Vars[VarResult])
	}
}

// decideOn runs f as a decision on s, as route does.
func decideOn(s *Session, d time.Duration, f func(context.Context) (int, error)) (int, error) {
	v, err, _ := budget.CallWatched(context.Background(), d, newDecisionWait(s), ErrHangup, slog.New(slog.DiscardHandler), f)
	return v, err
}

// A reply that arrives while the Router decides is the next command's, and
// the decision is not cut short by it.
func TestReplyDuringDecisionIsKept(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	release := make(chan struct{})
	go func() {
		if _, err := peer.Write([]byte("200 result=1 (early)\n")); err != nil {
			t.Error(err)
		}
		time.Sleep(50 * time.Millisecond)
		close(release)
	}()
	v, err := decideOn(s, 2*time.Second, func(context.Context) (int, error) { <-release; return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("decision %d, %v", v, err)
	}
	got, ok, err := s.Get(context.Background(), "X")
	if err != nil || !ok || got != "early" {
		t.Fatalf("next command got %q %v %v, want the reply read during the decision", got, ok, err)
	}
	if line, _ := r.ReadString('\n'); line != "GET VARIABLE X\n" {
		t.Errorf("peer got %q", line)
	}
	if hungUp(s) {
		t.Error("hung up without a HANGUP")
	}
}

// The decision wait gives up at a HANGUP and at the end of the stream, also
// once a reader goroutine owns the stream.
func TestDecisionWaitSeesHangup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reader bool
		send   string
		close  bool
	}{
		{name: "HANGUP", send: "HANGUP\n"},
		{name: "HANGUP after a partial line", send: "200 res"},
		{name: "close", close: true},
		{name: "HANGUP, reader goroutine", reader: true, send: "HANGUP\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, peer, _ := testSession(t, time.Second)
			if tc.reader {
				s.Hungup()
			}
			go func() {
				time.Sleep(20 * time.Millisecond)
				_, _ = peer.Write([]byte(tc.send))
				if strings.HasSuffix(tc.send, "res") {
					time.Sleep(20 * time.Millisecond)
					_, _ = peer.Write([]byte("ult=1\nHANGUP\n"))
				}
				if tc.close {
					_ = peer.Close()
				}
			}()
			start := time.Now()
			_, err := decideOn(s, 5*time.Second, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
			if !errors.Is(err, ErrHangup) {
				t.Fatalf("err %v, want ErrHangup", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("gave up after %v", took)
			}
			if !hungUp(s) {
				t.Error("Hungup not closed")
			}
		})
	}
}

// Past its budget the decision gives up; the stream stays usable.
func TestDecisionWaitBudget(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	_, err := decideOn(s, 50*time.Millisecond, func(ctx context.Context) (int, error) { <-ctx.Done(); return 0, ctx.Err() })
	if !errors.Is(err, budget.ErrExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	go answerWith(t, peer, r, "NOOP\n", "200 result=0\n")
	if _, err := s.Command(context.Background(), "NOOP"); err != nil {
		t.Fatalf("command after the decision: %v", err)
	}
}

// A session keeps its environment as sent: Raw is made on request and
// holds every key.
func TestSessionEnvRaw(t *testing.T) {
	call := agitest.Call{Request: "route?loop=1", UniqueID: "1795840350.8", Channel: "Local/s@test-00000008;2", Args: []string{"1", ""}}
	got := make(chan Env, 1)
	srv := &Server{Handler: HandlerFunc(func(_ context.Context, s *Session) error {
		if s.env.Raw != nil {
			t.Error("Raw made before it was asked for")
		}
		got <- s.Env()
		return nil
	}), EnvTimeout: time.Second}
	addr, _, _ := startServer(t, srv)
	run(t, addr, &agitest.Client{Call: call})
	env := <-got
	want, err := readEnv(bufio.NewReader(bytes.NewReader(call.Env(addr))))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(env.Raw, want.Raw) || env.UniqueID != "1795840350.8" || env.Arg(2) != "" || env.Param("loop", 1) != "1" {
		t.Errorf("env %+v\nwant raw %v", env, want.Raw)
	}
}

// hungUp sees a HANGUP that arrived while nobody read, without a reader
// goroutine, and keeps a reply that came before it for the next command.
func TestHungUpReadsWhatArrived(t *testing.T) {
	s, peer, r := testSession(t, time.Second)
	if hungUp(s) {
		t.Fatal("hung up before anything arrived")
	}
	if _, err := peer.Write([]byte("200 result=1 (stray)\nHANGUP\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !hungUp(s) {
		if time.Now().After(deadline) {
			t.Fatal("HANGUP that arrived not seen")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if s.reader != nil {
		t.Error("a reader goroutine was started")
	}
	if v, ok, err := s.Get(context.Background(), "X"); err != nil || !ok || v != "stray" {
		t.Errorf("next command got %q %v %v, want the reply that came first", v, ok, err)
	}
	if line, _ := r.ReadString('\n'); line != "GET VARIABLE X\n" {
		t.Errorf("peer got %q", line)
	}
}
