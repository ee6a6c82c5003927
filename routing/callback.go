package routing

import (
	"context"
	"errors"
	"time"
)

// Callback is a caller's request to be called back, made when the wait in
// line was too long: the procedure's "we agree whether they call back or we
// contact them".
type Callback struct {
	ID     string
	Time   time.Time
	Call   CallID
	Loop   LoopID
	Number string // the number to call back
	Name   string // the member's name when known
	// Source is the adapter the request came through, for the audit
	// stream (SourceAGI when empty).
	Source  Source
	State   CallbackState
	TakenBy string
	TakenAt time.Time
	DoneAt  time.Time
	Note    string
}

// CallbackState is where a callback request stands.
type CallbackState string

// Callback states.
const (
	CallbackOpen  CallbackState = "open"
	CallbackTaken CallbackState = "taken"
	CallbackDone  CallbackState = "done"
)

// Callbacks keeps callback requests durably.
type Callbacks interface {
	AddCallback(ctx context.Context, cb Callback) (string, error)
	Callbacks(ctx context.Context, all bool) ([]Callback, error)
	TakeCallback(ctx context.Context, id, by string) (Callback, error)
	DoneCallback(ctx context.Context, id, by, note string) (Callback, error)
}

// Callback errors.
var (
	ErrUnknownCallback = errors.New("unknown callback")
	ErrCallbackClosed  = errors.New("callback already done")
	ErrNoNumber        = errors.New("caller's number unknown")
)

// RequestCallback records that the caller of call, an Asterisk call, wants
// to be called back.
func (s *Service) RequestCallback(ctx context.Context, call CallID, loop LoopID, number, name string) (string, error) {
	return s.RequestCallbackFrom(ctx, SourceAGI, call, loop, number, name)
}

// RequestCallbackFrom records that the caller of call, which came through
// src, wants to be called back.
func (s *Service) RequestCallbackFrom(ctx context.Context, src Source, call CallID, loop LoopID, number, name string) (string, error) {
	if s.Callbacks == nil {
		return "", errors.New("callbacks not configured")
	}
	if number == "" {
		return "", ErrNoNumber
	}
	return s.Callbacks.AddCallback(ctx, Callback{
		Time: s.Now(), Call: call, Loop: loop, Number: number, Name: name, Source: callActor(src, call).Source, State: CallbackOpen,
	})
}
