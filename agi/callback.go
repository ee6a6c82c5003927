package agi

import (
	"context"
	"errors"

	"github.com/sentralbord/sentralbord/routing"
)

// Callbacker is implemented by a Router that records callback requests
// (*routing.Service does when it has Callbacks).
type Callbacker interface {
	RequestCallback(ctx context.Context, call routing.CallID, loop routing.LoopID, number, name string) (string, error)
}

var _ Callbacker = (*routing.Service)(nil)

// callback records the caller's wish to be called back, after they pressed
// the key the dialplan offered when the wait was too long.
func (rt *Routes) callback(ctx context.Context, s *Session) error {
	cb, ok := rt.Router.(Callbacker)
	if !ok {
		s.Log().Error("callback request, but callbacks are not configured")
		return rt.result(ctx, s, routing.ResultError, "callbacks not configured")
	}
	env := &s.env
	loop := env.param("loop", 1)
	if loop != "" && !validID(loop) {
		s.Log().Warn("callback request with an invalid loop", "loop", short(loop))
		return rt.result(ctx, s, routing.ResultError, "bad loop")
	}
	id, err, _ := callWithin(ctx, rt.budget(), nil, s.Log(), func(c context.Context) (string, error) {
		return cb.RequestCallback(c, routing.CallID(env.UniqueID), routing.LoopID(loop), env.CallerID, env.CallerIDName)
	})
	switch {
	case errors.Is(err, routing.ErrNoNumber):
		s.Log().Warn("callback request without the caller's number")
		return rt.result(ctx, s, routing.ResultError, "no number")
	case err != nil:
		s.Log().Error("recording callback request failed", "err", err)
		return rt.result(ctx, s, routing.ResultError, reason(err))
	}
	s.Log().Info("callback requested", "callback", id, "loop", loop)
	return rt.result(ctx, s, routing.ResultOK, "")
}
