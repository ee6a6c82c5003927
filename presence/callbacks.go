package presence

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.Callbacks = (*Store)(nil)

// Callback requests: each is a hash {ns}:callback:<id> (its state), its id
// listed in the stream {ns}:callbacks (the durable log, in arrival order).
// Redis with AOF keeps both across restarts.

// AddCallback implements routing.Callbacks.
func (s *Store) AddCallback(ctx context.Context, cb routing.Callback) (string, error) {
	id, err := s.c.XAdd(ctx, &redis.XAddArgs{
		Stream: s.Key("callbacks"),
		Values: []any{"ts", cb.Time.UnixMilli(), "call", string(cb.Call), "loop", string(cb.Loop)},
	}).Result()
	if err != nil {
		return "", fmt.Errorf("add callback: %w", err)
	}
	err = s.c.HSet(ctx, s.Key("callback:"+id), "ts", cb.Time.UnixMilli(), "call", string(cb.Call),
		"loop", string(cb.Loop), "number", cb.Number, "name", cb.Name, "state", string(routing.CallbackOpen)).Err()
	if err != nil {
		return "", fmt.Errorf("add callback: %w", err)
	}
	src := cb.Source
	if src == "" {
		src = routing.SourceAGI
	}
	s.auditPlain(ctx, routing.Actor{Source: src, Name: string(cb.Call)}, string(cb.Call), "callback-requested", string(cb.Loop))
	return id, nil
}

// Callbacks implements routing.Callbacks: open and taken requests, oldest
// first; with all, done ones too.
func (s *Store) Callbacks(ctx context.Context, all bool) ([]routing.Callback, error) {
	msgs, err := s.c.XRange(ctx, s.Key("callbacks"), "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("callbacks: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(msgs))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, m := range msgs {
			cmds[i] = p.HGetAll(ctx, s.Key("callback:"+m.ID))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("callbacks: %w", err)
	}
	var out []routing.Callback
	for i, m := range msgs {
		cb := decodeCallback(m.ID, cmds[i].Val())
		if cb.State == "" || (!all && cb.State == routing.CallbackDone) {
			continue
		}
		out = append(out, cb)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func decodeCallback(id string, f map[string]string) routing.Callback {
	return routing.Callback{
		ID: id, Time: ms(f["ts"]), Call: routing.CallID(f["call"]), Loop: routing.LoopID(f["loop"]),
		Number: f["number"], Name: f["name"], State: routing.CallbackState(f["state"]),
		TakenBy: f["taken_by"], TakenAt: ms(f["taken_at"]), DoneAt: ms(f["done_at"]), Note: f["note"],
	}
}

// takeScript and doneScript change a request's state atomically.
var takeScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return redis.error_reply('SBUNKNOWN no such callback') end
if st == 'done' then return redis.error_reply('SBDONE callback done') end
redis.call('HSET', KEYS[1], 'state', 'taken', 'taken_by', ARGV[1], 'taken_at', ARGV[2])
return 1`)

var doneScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if not st then return redis.error_reply('SBUNKNOWN no such callback') end
if st == 'done' then return redis.error_reply('SBDONE callback done') end
redis.call('HSET', KEYS[1], 'state', 'done', 'done_at', ARGV[2], 'note', ARGV[3])
if not redis.call('HGET', KEYS[1], 'taken_by') then redis.call('HSET', KEYS[1], 'taken_by', ARGV[1]) end
return 1`)

// TakeCallback implements routing.Callbacks: by promises to call back.
func (s *Store) TakeCallback(ctx context.Context, id, by string) (routing.Callback, error) {
	return s.changeCallback(ctx, takeScript, id, by, "", "callback-taken")
}

// DoneCallback implements routing.Callbacks.
func (s *Store) DoneCallback(ctx context.Context, id, by, note string) (routing.Callback, error) {
	return s.changeCallback(ctx, doneScript, id, by, note, "callback-done")
}

func (s *Store) changeCallback(ctx context.Context, sc *redis.Script, id, by, note, event string) (routing.Callback, error) {
	key := s.Key("callback:" + id)
	err := sc.Run(ctx, s.c, []string{key}, by, s.Now().UnixMilli(), note).Err()
	switch {
	case err != nil && strings.Contains(err.Error(), "SBUNKNOWN"):
		return routing.Callback{}, fmt.Errorf("%w %q", routing.ErrUnknownCallback, id)
	case err != nil && strings.Contains(err.Error(), "SBDONE"):
		return routing.Callback{}, fmt.Errorf("%w: %s", routing.ErrCallbackClosed, id)
	case err != nil:
		return routing.Callback{}, fmt.Errorf("callback %s: %w", id, err)
	}
	f, err := s.c.HGetAll(ctx, key).Result()
	if err != nil {
		return routing.Callback{}, fmt.Errorf("callback %s: %w", id, err)
	}
	cb := decodeCallback(id, f)
	s.auditPlain(ctx, routing.Actor{Source: routing.SourceCLI, Name: by}, string(cb.Call), event, id)
	return cb, nil
}

// auditPlain appends an entry that goes with no agent's state change. It is
// best effort: the change itself is already stored.
func (s *Store) auditPlain(ctx context.Context, a routing.Actor, call, event, detail string) {
	_ = s.c.XAdd(ctx, &redis.XAddArgs{
		Stream: s.Key("audit"), MaxLen: s.AuditMax, Approx: true,
		Values: []any{"ts", s.Now().UnixMilli(), "src", string(a.Source), "actor", a.Name, "agent", "", "call", call, "event", event, "detail", detail},
	}).Err()
}
