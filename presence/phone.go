package presence

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.PhoneEvents = (*Store)(nil)

var phoneScript = script("phone")

// tombstone is how long an ended channel remembers its last event, so an
// answer handled after its hangup is recognised as old.
const tombstone = time.Hour

// statusLocks serialise the order check and the verb of a status event per
// agent within this process; the order itself lives in Redis.
var statusLocks [64]sync.Mutex

func statusLock(agent routing.AgentID) *sync.Mutex {
	h := fnv.New32a()
	_, _ = h.Write([]byte(agent))
	return &statusLocks[h.Sum32()%uint32(len(statusLocks))]
}

func orderArgs(o routing.EventOrder) []any {
	var ts int64
	if !o.Time.IsZero() {
		ts = o.Time.UnixMicro()
	}
	return []any{o.Core, strconv.FormatUint(o.Seq, 10), ts}
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (s *Store) phone(ctx context.Context, what string, agent routing.AgentID, actor routing.Actor, args ...any) (bool, error) {
	if err := s.agent(agent); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	n, err := s.run(ctx, phoneScript, actor, append([]any{what, string(agent)}, args...)...).Int()
	if err != nil {
		return false, fmt.Errorf("phone %s: %w", what, err)
	}
	return n == 1, nil
}

// PhoneCall implements routing.PhoneEvents.
func (s *Store) PhoneCall(ctx context.Context, agent routing.AgentID, channel string, up bool, at routing.EventOrder, actor routing.Actor) (bool, error) {
	args := append([]any{channel, flag(up), actor.Name}, orderArgs(at)...)
	args = append(args, tombstone.Milliseconds(), s.MaxCall.Milliseconds())
	return s.phone(ctx, "call", agent, actor, args...)
}

// PhoneRegistration implements routing.PhoneEvents.
func (s *Store) PhoneRegistration(ctx context.Context, agent routing.AgentID, contact string, registered bool, at routing.EventOrder, actor routing.Actor) (bool, error) {
	args := append([]any{contact, flag(registered), actor.Name}, orderArgs(at)...)
	return s.phone(ctx, "reg", agent, actor, args...)
}

// PhoneStatus implements routing.PhoneEvents: the event's order is checked
// and recorded atomically, then the change goes through the same verbs as
// the CLI and AGI.
func (s *Store) PhoneStatus(ctx context.Context, agent routing.AgentID, change routing.PhoneChange, at routing.EventOrder, actor routing.Actor) (bool, error) {
	mu := statusLock(agent)
	mu.Lock()
	defer mu.Unlock()
	if !at.Zero() {
		fresh, err := s.phone(ctx, "order", agent, actor, orderArgs(at)...)
		if err != nil || !fresh {
			return false, err
		}
	}
	changed := false
	apply := func(ok bool, err error) error {
		changed = changed || ok
		return err
	}
	if change.Logout != "" {
		// An agent a supervisor logged out keeps their reason and return
		// date: the phone system only knows "logged out".
		st, err := s.States(ctx, []routing.AgentID{agent})
		if err != nil {
			return false, err
		}
		if st[agent].LoggedIn {
			if err := apply(s.Logout(ctx, agent, change.Logout, time.Time{}, actor)); err != nil {
				return changed, err
			}
		}
	}
	if change.Login {
		if err := apply(s.Login(ctx, agent, actor)); err != nil {
			return changed, err
		}
	}
	if change.Status != "" {
		if err := apply(s.SetStatus(ctx, agent, change.Status, actor)); err != nil {
			return changed, err
		}
	}
	return changed, nil
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
