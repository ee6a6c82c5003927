package outbound

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sentralbord/sentralbord/internal/budget"
	"github.com/sentralbord/sentralbord/routing"
)

var (
	errBudget = budget.ErrExceeded
	errPanic  = budget.ErrPanic
)

type outcome[T any] = budget.Outcome[T]

// within is budget.Call with this package's hangup error.
func within[T any](ctx context.Context, d time.Duration, abort <-chan struct{},
	log *slog.Logger, f func(context.Context) (T, error)) (T, error, <-chan outcome[T]) {
	return budget.Call(ctx, d, abort, ErrHangup, log, f)
}

// release frees what call holds. It outlives the call's context; a failure
// is retried in the background for a while (claims also expire on their own).
func (rt *Routes) release(ctx context.Context, log *slog.Logger, call routing.CallID, why string) {
	rctx := context.WithoutCancel(ctx)
	agent, err, _ := within(rctx, rt.releaseTimeout(), nil, log, func(c context.Context) (routing.AgentID, error) {
		return rt.Router.HangupFrom(c, routing.SourceFreeSWITCH, call)
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
				return rt.Router.HangupFrom(c, routing.SourceFreeSWITCH, call)
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
