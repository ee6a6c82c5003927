package outbound_test

import (
	"context"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

func serve(t *testing.T, s *outbound.Server) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan error, 1), make(chan struct{})
	go func() { done <- s.Serve(ctx, ln); close(finished) }()
	<-s.Ready()
	t.Cleanup(func() { cancel(); s.Close(); <-finished })
	return ln.Addr().String(), cancel, done
}

func call(t *testing.T, addr, id string) *fstest.Call {
	t.Helper()
	c := &fstest.Call{Channel: fstest.Channel{UUID: id, Name: "sofia/internal/x", Answered: true}}
	if err := c.Start(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServerStopsAcceptingThenDrains(t *testing.T) {
	release := make(chan struct{})
	var served atomic.Int64
	s := &outbound.Server{Handler: outbound.HandlerFunc(func(ctx context.Context, c *outbound.Conn, _ *slog.Logger) {
		served.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
		}
	})}
	addr, cancel, done := serve(t, s)
	c := call(t, addr, "u1")
	for s.Active() != 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if _, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		// The listener closes with the context; give it a moment.
		time.Sleep(50 * time.Millisecond)
		if nc, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			nc.Close()
			t.Fatal("still accepting after the context ended")
		}
	}
	select {
	case <-done:
		t.Fatal("Serve returned with a call in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_ = c.Wait(context.Background())
	if served.Load() != 1 {
		t.Fatalf("served %d", served.Load())
	}
}

func TestServerLimitsCallsAndSurvivesPanics(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	s := &outbound.Server{MaxCalls: 1, Handler: outbound.HandlerFunc(func(ctx context.Context, c *outbound.Conn, _ *slog.Logger) {
		if strings.HasPrefix(c.UUID(), "panic") {
			panic("boom")
		}
		<-hold
	})}
	addr, _, _ := serve(t, s)
	p := call(t, addr, "panic-1")
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	call(t, addr, "held")
	for s.Active() != 1 {
		time.Sleep(time.Millisecond)
	}
	// One call at most: the next is handed back to the dialplan with
	// connect and resume, without which FreeSWITCH would keep it parked.
	began := time.Now()
	r := call(t, addr, "refused")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range r.Commands() {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"connect", "resume"}) || time.Since(began) > 2*time.Second {
		t.Fatalf("over the limit the server sent %v in %v", names, time.Since(began))
	}
}

func TestBridgeArg(t *testing.T) {
	dec := routing.Decision{
		Agent:          routing.Agent{ID: "may-tove", FreeSWITCHDial: "user/2101"},
		Loop:           routing.Loop{RingTimeout: 19500 * time.Millisecond},
		CallerIDNumber: "90595313-111", CallerName: "(EN) Kari O'Nordmann, jr",
	}
	got := outbound.BridgeArg(dec)
	want := "{sb_agent=may-tove,call_timeout=20,originate_timeout=20,origination_caller_id_number=90595313-111," +
		"origination_caller_id_name='(EN) Kari ONordmann jr'}user/2101"
	if got != want {
		t.Fatalf("BridgeArg\n got %s\nwant %s", got, want)
	}
}
