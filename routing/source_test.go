package routing

import (
	"context"
	"testing"
	"time"
)

// recLine remembers who left its line.
type recLine struct {
	quietLine
	left []Actor
}

func (l *recLine) Leave(_ context.Context, _ CallID, _ LoopID, _ string, a Actor) (time.Time, bool, error) {
	l.left = append(l.left, a)
	return time.Time{}, true, nil
}

// recCallbacks remembers the requests added.
type recCallbacks struct{ added []Callback }

func (c *recCallbacks) AddCallback(_ context.Context, cb Callback) (string, error) {
	c.added = append(c.added, cb)
	return "1-0", nil
}
func (c *recCallbacks) Callbacks(context.Context, bool) ([]Callback, error) { return nil, nil }
func (c *recCallbacks) TakeCallback(context.Context, string, string) (Callback, error) {
	return Callback{}, nil
}
func (c *recCallbacks) DoneCallback(context.Context, string, string, string) (Callback, error) {
	return Callback{}, nil
}

// An overflow and a callback request carry the source of the call they
// belong to, agi when the request names none.
func TestOverflowAndCallbackCarryTheCallsSource(t *testing.T) {
	line, cbs := &recLine{}, &recCallbacks{}
	s := NewService(testRoster(t), &fakeStore{}, nil)
	s.Line, s.Callbacks = line, cbs
	loop := Loop{ID: "1", Overflow: OverflowCallback}
	for _, src := range []Source{SourceFreeSWITCH, ""} {
		req := RouteRequest{Call: "c-" + CallID(src), Loop: "1", CallerNumber: "40000001", Source: src}
		if _, _, err := s.overflow(context.Background(), req, loop, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RequestCallbackFrom(context.Background(), SourceFreeSWITCH, "c-fs", "1", "40000001", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequestCallback(context.Background(), "c-agi", "1", "40000001", ""); err != nil {
		t.Fatal(err)
	}
	if len(line.left) != 2 || line.left[0] != (Actor{SourceFreeSWITCH, "c-freeswitch"}) || line.left[1] != (Actor{SourceAGI, "c-"}) {
		t.Errorf("left the line as %+v", line.left)
	}
	if len(cbs.added) != 2 || cbs.added[0].Source != SourceFreeSWITCH || cbs.added[1].Source != SourceAGI {
		t.Errorf("callbacks %+v", cbs.added)
	}
}
