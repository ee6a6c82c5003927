package loadgen

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// Stuck waits up to within for every agent of the store's roster to be
// eligible again (no claim, no call, no wrap-up) and returns those that are
// not, with why. Calls end with their hangup request, so after a run with no
// errors nothing should be left.
func Stuck(ctx context.Context, store *presence.Store, agents []routing.AgentID, within time.Duration) ([]string, error) {
	deadline := time.Now().Add(within)
	for {
		var stuck []string
		for start := 0; start < len(agents); start += 1000 {
			batch := agents[start:min(start+1000, len(agents))]
			states, err := store.States(ctx, batch)
			if err != nil {
				return nil, fmt.Errorf("read agent states: %w", err)
			}
			now := time.Now()
			for _, id := range batch {
				if why := routing.Eligible(states[id], now); why != "" {
					stuck = append(stuck, string(id)+": "+why)
				}
			}
		}
		if len(stuck) == 0 || time.Now().After(deadline) {
			sort.Strings(stuck)
			return stuck, nil
		}
		select {
		case <-ctx.Done():
			return stuck, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ReleaseGrace is how long the check waits, after Stuck's first window,
// for agents that are released late rather than never: a claim whose
// route result never reached the caller expires after the ring timeout and
// a margin (35 s with the example's 20 s), and a release that failed under
// load is retried in the background.
const ReleaseGrace = 60 * time.Second

// StuckOrSlow runs Stuck for within and, if any agent is left, again for
// ReleaseGrace: it returns the agents still not eligible after that and how
// many were released between the two.
func StuckOrSlow(ctx context.Context, store *presence.Store, agents []routing.AgentID, within time.Duration) ([]string, int, error) {
	first, err := Stuck(ctx, store, agents, within)
	if err != nil || len(first) == 0 {
		return first, 0, err
	}
	later, err := Stuck(ctx, store, agents, ReleaseGrace)
	return later, len(first) - len(later), err
}

// AgentIDs lists a roster's agents.
func AgentIDs(r *routing.Roster) []routing.AgentID {
	var ids []routing.AgentID
	for _, a := range r.Agents() {
		ids = append(ids, a.ID)
	}
	return ids
}
