package presence

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture: loop 1 = a,b,c,d,e ; loop 3 = e,f ; e is in both.
func newStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	var agents []routing.Agent
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		agents = append(agents, routing.Agent{ID: routing.AgentID(id), Name: "Agent " + id, AsteriskDial: "PJSIP/" + id})
	}
	loops := []routing.Loop{
		{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, WrapUp: 10 * time.Second, Members: []routing.AgentID{"a", "b", "c", "d", "e"}},
		{ID: "3", Tag: "333", RingTimeout: 20 * time.Second, WrapUp: 10 * time.Second, Members: []routing.AgentID{"e", "f"}},
	}
	r, err := routing.NewRoster(agents, loops)
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	s := New(srv.Client(t), "sbtest", r)
	clk := &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s.Now = clk.Now
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("sync: %v", err)
	}
	return s, clk
}

var cli = routing.Actor{Source: routing.SourceCLI, Name: "test"}

func claim(t *testing.T, s *Store, call, loop string) (routing.AgentID, error) {
	t.Helper()
	c, err := s.ClaimLongestIdle(context.Background(), routing.ClaimRequest{
		Call: routing.CallID(call), Loop: routing.LoopID(loop), TTL: 30 * time.Second, WrapUp: 10 * time.Second,
		Actor: routing.Actor{Source: routing.SourceAGI, Name: call},
	})
	return c.Agent, err
}

// makeIdle gives agent a finished call ending at the clock's time, so idle order is controlled.
func makeIdle(t *testing.T, s *Store, clk *clock, id routing.AgentID) {
	t.Helper()
	ctx := context.Background()
	call := routing.CallID("setup-" + string(id) + clk.Now().Format("150405.000"))
	if err := s.Answer(ctx, call, id, cli); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.HSet(ctx, s.Key("call:"+string(call)), "agent", string(id), "state", "answered", "wrap", 0).Result(); err != nil {
		t.Fatal(err)
	}
	if got, err := s.EndCall(ctx, call, cli); err != nil || got != id {
		t.Fatalf("end call: %v %v", got, err)
	}
}

func TestClaimPicksLongestIdle(t *testing.T) {
	s, clk := newStore(t)
	for _, id := range []routing.AgentID{"c", "a", "b", "d", "e"} { // c idle longest
		clk.Add(time.Minute)
		makeIdle(t, s, clk, id)
	}
	want := []routing.AgentID{"c", "a", "b", "d", "e"}
	for i, w := range want {
		got, err := claim(t, s, fmt.Sprintf("call-%d", i), "1")
		if err != nil || got != w {
			t.Fatalf("claim %d = %q, %v; want %q", i, got, err, w)
		}
	}
	if _, err := claim(t, s, "call-x", "1"); !errors.Is(err, routing.ErrNoAgentAvailable) {
		t.Fatalf("sixth claim: err = %v, want ErrNoAgentAvailable", err)
	}
}

func TestConcurrentClaimsNeverShareAnAgent(t *testing.T) {
	t.Run("client", func(t *testing.T) { concurrentClaims(t, false, 0) })
	// serve sends the scripts of concurrent calls as pipelines.
	t.Run("autopipeline", func(t *testing.T) { concurrentClaims(t, true, 0) })
	// and the first few in flight on the client itself.
	t.Run("autopipeline and client", func(t *testing.T) { concurrentClaims(t, true, 3) })
}

func concurrentClaims(t *testing.T, pipelined bool, direct int32) {
	s, _ := newStore(t)
	if pipelined {
		ap, err := s.c.AsyncAutoPipeline()
		if err != nil {
			t.Fatal(err)
		}
		s.Scripts, s.DirectUpTo = ap, direct
	}
	// Only a..e in loop 1 (f is not): 50 calls, 5 agents.
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[routing.AgentID]int{}
	none := 0
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := claim(t, s, fmt.Sprintf("c%d", i), "1")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, routing.ErrNoAgentAvailable):
				none++
			case err != nil:
				t.Errorf("claim: %v", err)
			default:
				got[a]++
			}
		}()
	}
	wg.Wait()
	if len(got) != 5 || none != 45 {
		t.Fatalf("claimed %v and %d none; want 5 distinct agents and 45 none", got, none)
	}
	for a, n := range got {
		if n != 1 {
			t.Errorf("agent %s claimed %d times", a, n)
		}
	}
}

func TestScriptsGoOnTheClientWhileFewAreInFlight(t *testing.T) {
	s, _ := newStore(t)
	ap, err := s.c.AsyncAutoPipeline()
	if err != nil {
		t.Fatal(err)
	}
	s.Scripts, s.DirectUpTo = ap, 2
	var via []redis.Scripter
	for range 3 { // three in flight at once
		via = append(via, s.scripter())
	}
	if via[0] != redis.Scripter(s.c) || via[1] != redis.Scripter(s.c) || via[2] != redis.Scripter(ap) {
		t.Errorf("with 1, 2 and 3 in flight the scripts went %v, want client, client, pipeline", via)
	}
	s.inFlight.Add(-3) // all three came back
	if got := s.scripter(); got != redis.Scripter(s.c) {
		t.Errorf("alone again, a script went %v, want the client", got)
	}
	s.inFlight.Add(-1)
	s.DirectUpTo = 0
	if got := s.scripter(); got != redis.Scripter(ap) {
		t.Errorf("with DirectUpTo 0 a script went %v, want the pipeline", got)
	}
}

func TestClaimIsAtomicAcrossLoops(t *testing.T) {
	s, clk := newStore(t)
	clk.Add(time.Minute)
	for _, id := range []routing.AgentID{"a", "b", "c", "d"} {
		if _, err := s.SetStatus(context.Background(), id, routing.StatusLunch, cli); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := claim(t, s, "loop1-call", "1"); err != nil || got != "e" {
		t.Fatalf("loop 1 claim = %q, %v; want e", got, err)
	}
	if got, err := claim(t, s, "loop3-call", "3"); err != nil || got != "f" {
		t.Fatalf("loop 3 claim = %q, %v; want f (e is claimed by loop 1)", got, err)
	}
	if _, err := claim(t, s, "loop3-call2", "3"); !errors.Is(err, routing.ErrNoAgentAvailable) {
		t.Fatalf("second loop 3 claim: %v, want none", err)
	}
}

func TestHangupStartsWrapUpAndNewIdleTime(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	for _, id := range []routing.AgentID{"b", "c", "d", "e"} {
		if _, err := s.Logout(ctx, id, routing.ReasonFerie, time.Time{}, cli); err != nil {
			t.Fatal(err)
		}
	}
	got, err := claim(t, s, "call-1", "1")
	if err != nil || got != "a" {
		t.Fatalf("claim = %q, %v", got, err)
	}
	if err := s.Answer(ctx, "call-1", "a", cli); err != nil {
		t.Fatal(err)
	}
	clk.Add(3 * time.Minute)
	hangAt := clk.Now()
	if a, err := s.EndCall(ctx, "call-1", cli); err != nil || a != "a" {
		t.Fatalf("end call = %q, %v", a, err)
	}
	st := mustState(t, s, "a")
	if !st.IdleSince.Equal(hangAt) || !st.WrapUntil.Equal(hangAt.Add(10*time.Second)) {
		t.Fatalf("idle %v wrap %v; want idle %v and wrap 10s later", st.IdleSince, st.WrapUntil, hangAt)
	}
	if reason := routing.Eligible(st, clk.Now()); reason == "" {
		t.Fatalf("agent eligible during wrap-up")
	}
	if _, err := claim(t, s, "call-2", "1"); !errors.Is(err, routing.ErrNoAgentAvailable) {
		t.Fatalf("claim during wrap-up: %v, want none", err)
	}
	clk.Add(10 * time.Second)
	if got, err := claim(t, s, "call-2", "1"); err != nil || got != "a" {
		t.Fatalf("claim after wrap-up = %q, %v; want a", got, err)
	}
	// A second hangup of the same call changes nothing.
	if a, err := s.EndCall(ctx, "call-1", cli); err != nil || a != "" {
		t.Fatalf("repeated end call = %q, %v", a, err)
	}
}

func TestVanishedClaimExpires(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	got, err := claim(t, s, "ghost", "3")
	if err != nil {
		t.Fatal(err)
	}
	if st := mustState(t, s, got); !st.Claimed(clk.Now()) {
		t.Fatalf("agent not claimed: %+v", st)
	}
	clk.Add(31 * time.Second)
	n, err := s.Reap(ctx)
	if err != nil || n != 1 {
		t.Fatalf("reap = %d, %v; want 1", n, err)
	}
	if st := mustState(t, s, got); st.ClaimedBy != "" {
		t.Fatalf("claim still held after expiry: %+v", st)
	}
	entries, err := s.Audit(ctx, got, 5, 100)
	if err != nil || len(entries) == 0 || entries[0].Event != "claim-expired" {
		t.Fatalf("audit = %+v, %v; want claim-expired first", entries, err)
	}
	// Both loop-3 agents can be claimed again.
	for i := range 2 {
		if _, err := claim(t, s, fmt.Sprintf("new-%d", i), "3"); err != nil {
			t.Fatalf("claim %d after expiry: %v", i, err)
		}
	}
}

func TestTriedAgentIsSkippedOnRetry(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	first, err := claim(t, s, "call", "3")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unclaim(ctx, routing.UnclaimRequest{Call: "call", Agent: first, Tried: true, Status: routing.DialNoAnswer, Actor: cli}); err != nil {
		t.Fatal(err)
	}
	second, err := claim(t, s, "call", "3")
	if err != nil || second == first {
		t.Fatalf("retry claimed %q (%v); first was %q", second, err, first)
	}
	if err := s.Unclaim(ctx, routing.UnclaimRequest{Call: "call", Agent: second, Tried: true, Actor: cli}); err != nil {
		t.Fatal(err)
	}
	if _, err := claim(t, s, "call", "3"); !errors.Is(err, routing.ErrNoAgentAvailable) {
		t.Fatalf("third try: %v, want none (both tried)", err)
	}
	// Another call may still have them.
	if _, err := claim(t, s, "other", "3"); err != nil {
		t.Fatalf("other call: %v", err)
	}
}

func mustState(t *testing.T, s *Store, id routing.AgentID) routing.AgentState {
	t.Helper()
	m, err := s.States(context.Background(), []routing.AgentID{id})
	if err != nil {
		t.Fatal(err)
	}
	return m[id]
}

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }

func TestCallWhoseHangupNeverCameEndsAfterMaxCall(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	s.MaxCall = time.Hour
	if err := s.Answer(ctx, "lost", "f", cli); err != nil {
		t.Fatal(err)
	}
	clk.Add(59 * time.Minute)
	if n, err := s.Reap(ctx); err != nil || n != 0 {
		t.Fatalf("reap before max call = %d, %v", n, err)
	}
	clk.Add(2 * time.Minute)
	if n, err := s.Reap(ctx); err != nil || n != 1 {
		t.Fatalf("reap after max call = %d, %v; want 1", n, err)
	}
	st := mustState(t, s, "f")
	if st.OnCall != "" || !st.IdleSince.Equal(clk.Now()) {
		t.Fatalf("state %+v: want off the call and idle from now", st)
	}
	if a, err := claim(t, s, "next", "3"); err != nil || a == "" {
		t.Fatalf("claim after expiry: %q %v", a, err)
	}
}
