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

// DefaultMaxDecisions bounds route decisions in flight, which bounds the
// memory and goroutines a flood of calls can take. A decision holds no
// Redis connection of its own (serve sends the scripts of all calls in
// flight through one autopipeliner), so the bound is set above the
// sessions one instance is sized for: at 1,000 concurrent sessions a bound
// of 64 left decisions queueing past their budget on a loaded machine
// (3,300-4,600 fallbacks in 8 s) where 512 left none (docs/BENCHMARKS.md).
// Releases (dial results, hangups) are never held by it.
const DefaultMaxDecisions = 1024

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
