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

// DefaultMaxDecisions bounds route decisions in flight. A decision holds
// no Redis connection of its own (serve sends the scripts of all calls in
// flight through one autopipeliner), but every decision admitted joins that
// one stream, and the releases (dial results, hangups) queue behind it:
// when calls arrive faster than the machine can decide them, more decisions
// at once only make every one of them, and every release, slower until all
// miss their budget. Measured on two cores (docs/BENCHMARKS.md): at 2,000
// calls/s offered, 1,024 slots carried 635 calls/s with hangups timing out,
// 128 carried 520-1,421 with none; at 1,000 concurrent sessions 64 slots
// gave 135 budget timeouts in 6 s where 128 gave none. Releases are never
// held by it.
const DefaultMaxDecisions = 128

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
