package presence

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.PhoneEvents = (*Store)(nil)

var phoneScript = script("verbs", "phone")

// tombstone is how long an ended channel remembers its last event, so an
// answer handled after its hangup is recognised as old.
const tombstone = time.Hour

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// PhoneCall implements routing.PhoneEvents.
func (s *Store) PhoneCall(ctx context.Context, agent routing.AgentID, channel string, up bool, at routing.EventOrder, actor routing.Actor) (bool, error) {
	return s.phoneOne(ctx, "phone call", routing.PhoneEvent{Agent: agent, Fact: routing.PhoneCallFact, ID: channel, Up: up, At: at}, actor)
}

// PhoneRegistration implements routing.PhoneEvents.
func (s *Store) PhoneRegistration(ctx context.Context, agent routing.AgentID, contact string, registered bool, at routing.EventOrder, actor routing.Actor) (bool, error) {
	return s.phoneOne(ctx, "phone reg", routing.PhoneEvent{Agent: agent, Fact: routing.PhoneRegFact, ID: contact, Up: registered, At: at}, actor)
}

// PhoneStatus implements routing.PhoneEvents: the event's order is checked
// and recorded, and the change made through the same verbs as the CLI and
// AGI, in one script. An event without order always applies.
func (s *Store) PhoneStatus(ctx context.Context, agent routing.AgentID, change routing.PhoneChange, at routing.EventOrder, actor routing.Actor) (bool, error) {
	return s.phoneOne(ctx, "phone status", routing.PhoneEvent{Agent: agent, Fact: routing.PhoneStatusFact, Change: change, At: at}, actor)
}

func (s *Store) phoneOne(ctx context.Context, what string, e routing.PhoneEvent, actor routing.Actor) (bool, error) {
	r, err := s.PhoneBatch(ctx, []routing.PhoneEvent{e}, actor)
	if err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return r.Changed > 0, nil
}

// PhoneResync implements routing.PhoneEvents with one pipeline per batch of agents.
func (s *Store) PhoneResync(ctx context.Context, node string, snaps []routing.PhoneSnapshot, actor routing.Actor) error {
	for _, sn := range snaps {
		if err := s.agent(sn.Agent); err != nil {
			return fmt.Errorf("phone resync: %w", err)
		}
	}
	if err := phoneScript.Load(ctx, s.c).Err(); err != nil {
		return fmt.Errorf("phone resync: load script: %w", err)
	}
	for start := 0; start < len(snaps); start += syncBatch {
		batch := snaps[start:min(start+syncBatch, len(snaps))]
		cmds, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, sn := range batch {
				argv := []any{s.prefix, s.Now().UnixMilli(), string(actor.Source), actor.Name, s.AuditMax,
					"resync", string(sn.Agent), node, flag(sn.Tracked), s.MaxCall.Milliseconds(), len(sn.Channels)}
				for _, c := range sn.Channels {
					argv = append(argv, c)
				}
				for _, c := range sn.Contacts {
					argv = append(argv, c)
				}
				phoneScript.EvalSha(ctx, p, []string{s.Key("audit")}, argv...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("phone resync: %w", err)
		}
		for _, c := range cmds {
			if c.Err() != nil {
				return fmt.Errorf("phone resync: %w", c.Err())
			}
		}
	}
	return nil
}

// PutNodeStatus keeps the latest status of an event-socket node (JSON) for
// `sentralbord esl status`; it is dropped after ttl without an update.
func (s *Store) PutNodeStatus(ctx context.Context, node string, status []byte, ttl time.Duration) error {
	k := s.Key("esl:" + node)
	if err := s.c.Set(ctx, k, status, ttl).Err(); err != nil {
		return fmt.Errorf("node status: %w", err)
	}
	return s.c.SAdd(ctx, s.Key("esl:nodes"), node).Err()
}

// NodeStatuses returns the saved status of each node; a node whose listener
// stopped reporting is missing from the map.
func (s *Store) NodeStatuses(ctx context.Context) (map[string][]byte, error) {
	nodes, err := s.c.SMembers(ctx, s.Key("esl:nodes")).Result()
	if err != nil {
		return nil, fmt.Errorf("node status: %w", err)
	}
	out := make(map[string][]byte, len(nodes))
	for _, n := range nodes {
		b, err := s.c.Get(ctx, s.Key("esl:"+n)).Bytes()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("node status: %w", err)
		}
		out[n] = b
	}
	return out, nil
}
