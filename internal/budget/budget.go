// Package budget runs a routing call under a time budget for the protocol
// adapters (FastAGI and the FreeSWITCH event socket), so a store that hangs
// can never hold a caller past the budget.
package budget

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Errors Call returns when it gives up.
var (
	ErrExceeded = errors.New("decision budget exceeded")
	ErrPanic    = errors.New("panic in router")
)

// Outcome is what f returned, delivered late when Call gave up first.
type Outcome[T any] struct {
	V   T
	Err error
}

// Call runs f in its own goroutine under d, so f blocked on a slow store,
// even one ignoring its context, cannot hold the call past the budget; abort
// (the caller hanging up) gives up early and returns aborted. When Call gives
// up, late delivers f's outcome once it arrives, so a claim made too late can
// be released. A panic in f becomes an error wrapping ErrPanic.
func Call[T any](ctx context.Context, d time.Duration, abort <-chan struct{}, aborted error,
	log *slog.Logger, f func(context.Context) (T, error)) (T, error, <-chan Outcome[T]) {
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	ch := start(cctx, log, f, nil)
	select {
	case o := <-ch:
		return o.V, o.Err, nil
	case <-cctx.Done():
	case <-abort:
	}
	return settle(ctx, cctx, ch, aborted)
}

// Watcher waits for the outcome of CallWatched its own way, such as by
// reading a connection meanwhile.
type Watcher interface {
	// Wait returns once Wake has been called, ctx has ended or the caller
	// hung up; it reports the hangup.
	Wait(ctx context.Context) (hungUp bool)
	// Wake is called once f's outcome is there, possibly before Wait.
	Wake()
}

// CallWatched is Call with w's Wait in place of the abort channel.
func CallWatched[T any](ctx context.Context, d time.Duration, w Watcher, aborted error,
	log *slog.Logger, f func(context.Context) (T, error)) (T, error, <-chan Outcome[T]) {
	return Start(ctx, d, w, log, f).Wait(w, aborted)
}

// Pending is f started by Start and not yet waited for.
type Pending[T any] struct {
	ctx, cctx context.Context
	cancel    context.CancelFunc
	ch        <-chan Outcome[T]
}

// Start is the first half of CallWatched: f starts now, under d, and runs
// while the caller does other work; its end calls w's Wake. Wait or Abandon
// must follow.
func Start[T any](ctx context.Context, d time.Duration, w Watcher, log *slog.Logger,
	f func(context.Context) (T, error)) *Pending[T] {
	cctx, cancel := context.WithTimeout(ctx, d)
	return &Pending[T]{ctx: ctx, cctx: cctx, cancel: cancel, ch: start(cctx, log, f, w.Wake)}
}

// Wait is the second half of CallWatched: w waits, then f's outcome or why
// it was given up, with late as in Call.
func (p *Pending[T]) Wait(w Watcher, aborted error) (T, error, <-chan Outcome[T]) {
	defer p.cancel()
	w.Wait(p.cctx)
	return settle(p.ctx, p.cctx, p.ch, aborted)
}

// Abandon gives f up: its context ends now, and its outcome, which may
// still hold something to undo, comes on the channel returned.
func (p *Pending[T]) Abandon() <-chan Outcome[T] {
	p.cancel()
	return p.ch
}

// start runs f in its own goroutine and delivers its outcome on the channel
// it returns, then calls wake if set.
func start[T any](cctx context.Context, log *slog.Logger, f func(context.Context) (T, error), wake func()) <-chan Outcome[T] {
	ch := make(chan Outcome[T], 1)
	go func() {
		if wake != nil {
			defer wake()
		}
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in router", "panic", r, "stack", string(debug.Stack()))
				ch <- Outcome[T]{Err: fmt.Errorf("%w: %v", ErrPanic, r)}
			}
		}()
		v, err := f(cctx)
		ch <- Outcome[T]{V: v, Err: err}
	}()
	return ch
}

// settle returns f's outcome if it is there after all, else why Call gave
// up, with ch to deliver the outcome later.
func settle[T any](ctx, cctx context.Context, ch <-chan Outcome[T], aborted error) (T, error, <-chan Outcome[T]) {
	select {
	case o := <-ch: // it made it after all
		return o.V, o.Err, nil
	default:
	}
	var zero T
	switch {
	case cctx.Err() == nil:
		return zero, aborted, ch
	case ctx.Err() != nil:
		return zero, ctx.Err(), ch
	}
	return zero, ErrExceeded, ch
}
