package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

var (
	errBudget = errors.New("decision budget exceeded")
	errPanic  = errors.New("panic in router")
)

type outcome[T any] struct {
	v   T
	err error
}

// within runs f in its own goroutine under budget, so a router blocked on a
// slow store cannot hold the caller past it; abort (the hangup) gives up
// early too. When it gives up, late delivers f's outcome once it arrives,
// so a claim made too late can be released. A panic in f becomes an error.
func within[T any](ctx context.Context, budget time.Duration, abort <-chan struct{},
	log *slog.Logger, f func(context.Context) (T, error)) (T, error, <-chan outcome[T]) {
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	ch := make(chan outcome[T], 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in router", "panic", r, "stack", string(debug.Stack()))
				ch <- outcome[T]{err: fmt.Errorf("%w: %v", errPanic, r)}
			}
		}()
		v, err := f(cctx)
		ch <- outcome[T]{v: v, err: err}
	}()
	var zero T
	select {
	case o := <-ch:
		return o.v, o.err, nil
	case <-cctx.Done():
	case <-abort:
	}
	select {
	case o := <-ch:
		return o.v, o.err, nil
	default:
	}
	switch {
	case cctx.Err() == nil:
		return zero, ErrHangup, ch
	case ctx.Err() != nil:
		return zero, ctx.Err(), ch
	}
	return zero, errBudget, ch
}

// release frees what call holds. It outlives the call's context; a failure
// is retried in the background for a while (claims also expire on their own).
func (rt *Routes) release(ctx context.Context, log *slog.Logger, call routing.CallID, why string) {
	rctx := context.WithoutCancel(ctx)
	agent, err, _ := within(rctx, rt.releaseTimeout(), nil, log, func(c context.Context) (routing.AgentID, error) {
		return rt.Router.Hangup(c, call)
	})
	if err == nil {
		if agent != "" {
			log.Info("call released", "why", why, "released_agent", agent)
		} else {
			log.Debug("call ended holding no agent", "why", why)
		}
		return
	}
	log.Error("releasing the call failed; retrying in the background", "why", why, "err", err)
	go func() {
		deadline := time.Now().Add(2 * time.Minute)
		for delay := 250 * time.Millisecond; time.Now().Before(deadline); delay = min(delay*2, 5*time.Second) {
			time.Sleep(delay)
			if _, err, _ := within(rctx, rt.releaseTimeout(), nil, log, func(c context.Context) (routing.AgentID, error) {
				return rt.Router.Hangup(c, call)
			}); err == nil {
				log.Info("call released after retrying")
				return
			}
		}
		log.Error("gave up releasing the call; its claim expires on its own")
	}()
}

// reason is the short text for sb_error: the kind of failure only.
func reason(err error) string {
	switch {
	case errors.Is(err, routing.ErrUnknownLoop):
		return "unknown loop"
	case errors.Is(err, routing.ErrStoreUnavailable):
		return "store unavailable"
	case errors.Is(err, errBudget), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errPanic):
		return "internal error"
	}
	return "routing failed"
}
