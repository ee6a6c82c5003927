package presence

import (
	"context"
	"fmt"

	"github.com/sentralbord/sentralbord/routing"
)

// phoneBatchMax bounds the events of one script run. Redis runs a script
// alone, so routing decisions wait for it: a few hundred events take
// about a millisecond.
const phoneBatchMax = 256

// phoneFields is how many arguments one event takes in the batch script.
const phoneFields = 7

// PhoneBatch implements routing.PhoneEvents: each agent's events go to
// Redis together, and of the events of one channel or registration only the
// newest (by EventOrder; the first of equals) is sent, since the script would
// find the others stale or overwritten. Statuses, logins and logouts are all
// sent, in order: each changes a different part of the agent's state. The
// agent's direct call and reachability are derived once, after its events,
// so the audit stream records what changed from one batch to the next.
func (s *Store) PhoneBatch(ctx context.Context, events []routing.PhoneEvent, actor routing.Actor) (routing.PhoneBatchResult, error) {
	var res routing.PhoneBatchResult
	if err := s.checkPhoneEvents(events); err != nil {
		return res, fmt.Errorf("phone batch: %w", err)
	}
	groups, live := groupPhoneEvents(events)
	res.Superseded = len(events) - live
	b := phoneArgs{s: s, actor: actor}
	for _, g := range groups {
		for _, i := range g.events {
			if err := b.add(ctx, g.agent, &events[i], &res); err != nil {
				return res, err
			}
		}
	}
	return res, b.flush(ctx, &res)
}

func (s *Store) checkPhoneEvents(events []routing.PhoneEvent) error {
	for i := range events {
		e := &events[i]
		if err := s.agent(e.Agent); err != nil {
			return err
		}
		switch e.Fact {
		case routing.PhoneCallFact, routing.PhoneRegFact:
		case routing.PhoneStatusFact:
			if e.Change.Status != "" {
				if _, err := routing.ParseStatus(string(e.Change.Status)); err != nil {
					return err
				}
			}
			if e.Change.Logout != "" {
				if _, err := routing.ParseLogoutReason(string(e.Change.Logout)); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("unknown phone fact %d", e.Fact)
		}
	}
	return nil
}

type phoneGroup struct {
	agent  routing.AgentID
	events []int // indexes into the batch, in the batch's order
}

type factKey struct {
	fact  routing.PhoneFact
	agent routing.AgentID
	id    string
}

// groupPhoneEvents groups events by agent (agents in order of first
// appearance) and keeps the newest event of each channel and registration;
// it returns the groups and how many events they hold.
func groupPhoneEvents(events []routing.PhoneEvent) ([]phoneGroup, int) {
	byAgent := make(map[routing.AgentID]int, len(events))
	newest := make(map[factKey]int, len(events))
	dead := make([]bool, len(events))
	var groups []phoneGroup
	for i := range events {
		e := &events[i]
		if e.Fact != routing.PhoneStatusFact {
			k := factKey{e.Fact, e.Agent, e.ID}
			if j, ok := newest[k]; ok {
				if !e.At.After(events[j].At) {
					dead[i] = true
					continue
				}
				dead[j] = true
			}
			newest[k] = i
		}
		g, ok := byAgent[e.Agent]
		if !ok {
			g = len(groups)
			byAgent[e.Agent] = g
			groups = append(groups, phoneGroup{agent: e.Agent})
		}
		groups[g].events = append(groups[g].events, i)
	}
	live := 0
	for gi := range groups {
		kept := groups[gi].events[:0]
		for _, i := range groups[gi].events {
			if !dead[i] {
				kept = append(kept, i)
			}
		}
		groups[gi].events = kept
		live += len(kept)
	}
	return groups, live
}

// phoneArgs builds the arguments of batch script runs and runs each once
// it holds phoneBatchMax events.
type phoneArgs struct {
	s      *Store
	actor  routing.Actor
	args   []any
	count  int // index in args of the current agent's event count
	agent  routing.AgentID
	events int
}

func (b *phoneArgs) add(ctx context.Context, agent routing.AgentID, e *routing.PhoneEvent, res *routing.PhoneBatchResult) error {
	if b.events == phoneBatchMax {
		if err := b.flush(ctx, res); err != nil {
			return err
		}
	}
	if b.args == nil {
		b.args = make([]any, 0, 4+2*8+phoneFields*phoneBatchMax)
		b.args = append(b.args, "batch", b.actor.Name, tombstone.Milliseconds(), b.s.MaxCall.Milliseconds())
		b.agent = ""
	}
	if agent != b.agent || b.count == 0 {
		b.agent, b.count = agent, len(b.args)+1
		b.args = append(b.args, string(agent), 0)
	}
	b.args[b.count] = b.args[b.count].(int) + 1
	var ts int64
	if !e.At.Time.IsZero() {
		ts = e.At.Time.UnixMicro()
	}
	switch e.Fact {
	case routing.PhoneCallFact:
		b.args = append(b.args, "c", e.ID, flag(e.Up), "")
	case routing.PhoneRegFact:
		b.args = append(b.args, "r", e.ID, flag(e.Up), "")
	default:
		c := e.Change
		b.args = append(b.args, "s", string(c.Logout), flag(c.Login), string(c.Status))
	}
	b.args = append(b.args, e.At.Core, e.At.Seq, ts)
	b.events++
	return nil
}

func (b *phoneArgs) flush(ctx context.Context, res *routing.PhoneBatchResult) error {
	if b.events == 0 {
		return nil
	}
	out, err := b.s.run(ctx, phoneScript, b.actor, b.args...).Int64Slice()
	b.args, b.count, b.events = nil, 0, 0
	if err != nil {
		return fmt.Errorf("phone batch: %w", err)
	}
	if len(out) != 3 {
		return fmt.Errorf("phone batch: unexpected reply %v", out)
	}
	res.Applied += int(out[0])
	res.Stale += int(out[1])
	res.Changed += int(out[2])
	return nil
}
