package budget

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

var errGone = errors.New("gone")

func TestCall(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	if v, err, late := Call(ctx, time.Second, nil, errGone, log, func(context.Context) (int, error) { return 7, nil }); v != 7 || err != nil || late != nil {
		t.Fatalf("in time: %v %v %v", v, err, late)
	}
	release := make(chan struct{})
	_, err, late := Call(ctx, 20*time.Millisecond, nil, errGone, log, func(context.Context) (int, error) { <-release; return 8, nil })
	if !errors.Is(err, ErrExceeded) || late == nil {
		t.Fatalf("past the budget: %v %v", err, late)
	}
	close(release)
	if o := <-late; o.V != 8 || o.Err != nil {
		t.Fatalf("late outcome %+v", o)
	}
	abort := make(chan struct{})
	close(abort)
	if _, err, _ := Call(ctx, time.Second, abort, errGone, log, func(c context.Context) (int, error) { <-c.Done(); return 0, c.Err() }); !errors.Is(err, errGone) {
		t.Fatalf("aborted: %v", err)
	}
	if _, err, _ := Call(ctx, time.Second, nil, errGone, log, func(context.Context) (int, error) { panic("boom") }); !errors.Is(err, ErrPanic) {
		t.Fatalf("panic: %v", err)
	}
}

// watcher is a Watcher whose Wait ends on Wake, on ctx, or on hangup.
type watcher struct {
	woken  chan struct{}
	hangup chan struct{}
}

func (w *watcher) Wake() { close(w.woken) }

func (w *watcher) Wait(ctx context.Context) bool {
	select {
	case <-w.woken:
	case <-ctx.Done():
	case <-w.hangup:
		return true
	}
	return false
}

func newWatcher() *watcher { return &watcher{woken: make(chan struct{}), hangup: make(chan struct{})} }

func TestCallWatched(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	if v, err, late := CallWatched(ctx, time.Second, newWatcher(), errGone, log, func(context.Context) (int, error) { return 7, nil }); v != 7 || err != nil || late != nil {
		t.Fatalf("in time: %v %v %v", v, err, late)
	}
	release := make(chan struct{})
	_, err, late := CallWatched(ctx, 20*time.Millisecond, newWatcher(), errGone, log, func(context.Context) (int, error) { <-release; return 8, nil })
	if !errors.Is(err, ErrExceeded) || late == nil {
		t.Fatalf("past the budget: %v %v", err, late)
	}
	close(release)
	if o := <-late; o.V != 8 || o.Err != nil {
		t.Fatalf("late outcome %+v", o)
	}
	w := newWatcher()
	close(w.hangup)
	if _, err, late := CallWatched(ctx, time.Second, w, errGone, log, func(c context.Context) (int, error) { <-c.Done(); return 0, c.Err() }); !errors.Is(err, errGone) || late == nil {
		t.Fatalf("hung up: %v %v", err, late)
	}
	if _, err, _ := CallWatched(ctx, time.Second, newWatcher(), errGone, log, func(context.Context) (int, error) { panic("boom") }); !errors.Is(err, ErrPanic) {
		t.Fatalf("panic: %v", err)
	}
}

// Start runs f while the caller does other work; Wait then returns its
// outcome, and Abandon ends f's context and still delivers the outcome.
func TestStartThenWaitOrAbandon(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	began := make(chan struct{})
	w := newWatcher()
	p := Start(ctx, time.Second, w, log, func(context.Context) (int, error) { close(began); return 9, nil })
	select {
	case <-began: // running before anyone waits
	case <-time.After(time.Second):
		t.Fatal("f did not start before Wait")
	}
	if v, err, late := p.Wait(w, errGone); v != 9 || err != nil || late != nil {
		t.Fatalf("wait: %v %v %v", v, err, late)
	}
	w = newWatcher()
	p = Start(ctx, time.Minute, w, log, func(c context.Context) (int, error) { <-c.Done(); return 10, c.Err() })
	select {
	case o := <-p.Abandon():
		if o.V != 10 || !errors.Is(o.Err, context.Canceled) {
			t.Fatalf("abandoned outcome %+v, want 10 and context.Canceled", o)
		}
	case <-time.After(time.Second):
		t.Fatal("abandon did not end f's context")
	}
}
