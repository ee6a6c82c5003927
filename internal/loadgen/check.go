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

// AgentIDs lists a roster's agents.
func AgentIDs(r *routing.Roster) []routing.AgentID {
	var ids []routing.AgentID
	for _, a := range r.Agents() {
		ids = append(ids, a.ID)
	}
	return ids
}
