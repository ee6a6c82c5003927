package routing

import (
	"context"
	"errors"
	"fmt"
)

// ErrOverloaded is a route decision that found every decision slot taken
// until its budget ran out: the caller gets the loop's fallback at once
// instead of queueing behind work the service cannot finish in time.
var ErrOverloaded = errors.New("too many routing decisions in flight")

// DefaultMaxDecisions bounds route decisions in flight. A decision takes a
// few milliseconds of Redis and CPU; when callers arrive faster than that,
// more decisions at once only make every one of them slower, until all
// miss their budget and the service does work nobody waits for. Parked
// behind the bound, a decision costs nothing, and releases (dial results,
// hangups) are never held by it.
const DefaultMaxDecisions = 64

// admit takes a decision slot, waiting at most until ctx ends. release
// gives it back.
func (s *Service) admit(ctx context.Context) (release func(), err error) {
	s.slotsOnce.Do(func() {
		if s.MaxDecisions > 0 {
			s.slots = make(chan struct{}, s.MaxDecisions)
		}
	})
	if s.slots == nil {
		return func() {}, nil
	}
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
	}
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("route: %w (%d)", ErrOverloaded, s.MaxDecisions)
	}
}
