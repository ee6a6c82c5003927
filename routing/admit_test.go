package routing

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDecisionsBeyondTheBoundWaitThenFailOverloaded(t *testing.T) {
	var now, most atomic.Int64
	st := &fakeStore{claim: func(ClaimRequest) (Claim, error) {
		n := now.Add(1)
		defer now.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(40 * time.Millisecond)
		return Claim{}, ErrNoAgentAvailable
	}}
	svc := NewService(testRoster(t), st, nil)
	svc.MaxDecisions = 4
	var wg sync.WaitGroup
	var ok, overloaded atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// 20 decisions, 4 at a time, 40 ms each: about 200 ms of work;
			// a budget of 100 ms lets some through and sheds the rest.
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_, err := svc.Route(ctx, RouteRequest{Call: CallID(string(rune('a' + i))), Loop: "1"})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ErrOverloaded):
				overloaded.Add(1)
			default:
				t.Errorf("route: %v", err)
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m > 4 {
		t.Errorf("%d claims in flight at once, bound 4", m)
	}
	if ok.Load() == 0 || overloaded.Load() == 0 {
		t.Errorf("%d routed, %d shed as overloaded: want both", ok.Load(), overloaded.Load())
	}
}
