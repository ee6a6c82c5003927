package presence

import (
	"context"
	"errors"
	"testing"

	"github.com/sentralbord/sentralbord/routing"
)

func TestCallbackLifecycle(t *testing.T) {
	s, clk := newStore(t)
	ctx := context.Background()
	id, err := s.AddCallback(ctx, routing.Callback{Time: clk.Now(), Call: "c1", Loop: "1", Number: "40000001", Name: "Kari Nordmann"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.Callbacks(ctx, false)
	if err != nil || len(open) != 1 || open[0].Number != "40000001" || open[0].State != routing.CallbackOpen || !open[0].Time.Equal(clk.Now()) {
		t.Fatalf("open callbacks %+v %v", open, err)
	}
	cb, err := s.TakeCallback(ctx, id, "janet")
	if err != nil || cb.State != routing.CallbackTaken || cb.TakenBy != "janet" {
		t.Fatalf("take: %+v %v", cb, err)
	}
	cb, err = s.DoneCallback(ctx, id, "janet", "ringte tilbake")
	if err != nil || cb.State != routing.CallbackDone || cb.Note != "ringte tilbake" {
		t.Fatalf("done: %+v %v", cb, err)
	}
	if open, _ := s.Callbacks(ctx, false); len(open) != 0 {
		t.Fatalf("done callback still listed as open: %+v", open)
	}
	if all, _ := s.Callbacks(ctx, true); len(all) != 1 {
		t.Fatalf("all callbacks: %+v", all)
	}
	if _, err := s.DoneCallback(ctx, id, "janet", ""); !errors.Is(err, routing.ErrCallbackClosed) {
		t.Fatalf("done twice: %v", err)
	}
	if _, err := s.TakeCallback(ctx, "1-0", "janet"); !errors.Is(err, routing.ErrUnknownCallback) {
		t.Fatalf("unknown id: %v", err)
	}
}
