package routing

import (
	"context"
	"testing"
	"time"
)

// quietLine is a Line whose wake-ups never come.
type quietLine struct{}

func (quietLine) Leave(context.Context, CallID, LoopID, string, Actor) (time.Time, bool, error) {
	return time.Time{}, false, nil
}
func (quietLine) Join(CallID, LoopID, time.Time) Waiting { return quietWaiting{} }

type quietWaiting struct{}

func (quietWaiting) Wake() <-chan struct{} { return nil }
func (quietWaiting) Stop()                 {}

// An agent who frees up between the Route that put the call in line and
// Join sends a wake-up nobody gets: Wait must try at once, not at the next
// retry.
func TestWaitTriesAtOnceAfterJoining(t *testing.T) {
	r, err := NewRoster(
		[]Agent{{ID: "anna", Name: "Anna", AsteriskDial: "PJSIP/2101"}},
		[]Loop{{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, MaxWait: time.Minute, Members: []AgentID{"anna"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	store := &fakeStore{claim: func(ClaimRequest) (Claim, error) { return Claim{Agent: "anna"}, nil }}
	s := NewService(r, store, nil)
	s.Line, s.Retry = quietLine{}, time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	began := time.Now()
	d, err := s.Wait(ctx, RouteRequest{Call: "c1", Loop: "1"}, time.Second, nil)
	if err != nil || d.Result != ResultOK || d.Agent.ID != "anna" {
		t.Fatalf("wait: %+v, %v after %v", d, err, time.Since(began))
	}
}
