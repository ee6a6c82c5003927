package members

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Read hands consumer up to count messages of dept to follow up: first those
// another reader left unfinished for ClaimAfter, then new ones. They stay
// pending under consumer until Done, so a reader that dies loses nothing.
func (s *Messages) Read(ctx context.Context, dept, consumer string, count int64) ([]Message, error) {
	if err := s.ensureGroup(ctx, dept); err != nil {
		return nil, err
	}
	var out []Message
	claimed, _, err := s.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: s.stream(dept), Group: dept, Consumer: consumer, MinIdle: s.ClaimAfter, Start: "0-0", Count: count,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("read messages: claim: %w", err)
	}
	for _, x := range claimed {
		out = append(out, decode(dept, x))
	}
	if n := count - int64(len(out)); n > 0 {
		res, err := s.c.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: dept, Consumer: consumer, Streams: []string{s.stream(dept), ">"}, Count: n, Block: -1,
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read messages: %w", err)
		}
		for _, st := range res {
			for _, x := range st.Messages {
				out = append(out, decode(dept, x))
			}
		}
	}
	return s.dropDone(ctx, dept, out)
}

// dropDone acknowledges and leaves out messages marked done before anyone
// read them.
func (s *Messages) dropDone(ctx context.Context, dept string, ms []Message) ([]Message, error) {
	if len(ms) == 0 {
		return ms, nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID[len(dept)+1:]
	}
	done, err := s.c.HMGet(ctx, s.prefix+"msgdone:"+dept, ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	out := ms[:0]
	for i, m := range ms {
		if done[i] != nil {
			_ = s.c.XAck(ctx, s.stream(dept), dept, ids[i]).Err()
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// List returns up to limit of the department's messages, oldest first, with
// who holds each and whether it is done; open leaves out those done.
func (s *Messages) List(ctx context.Context, dept string, open bool, limit int64) ([]Message, error) {
	if err := s.ensureGroup(ctx, dept); err != nil {
		return nil, err
	}
	done, err := s.c.HGetAll(ctx, s.prefix+"msgdone:"+dept).Result()
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	xs, err := s.c.XRange(ctx, s.stream(dept), "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	pend, err := s.c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: s.stream(dept), Group: dept, Start: "-", End: "+", Count: 10_000}).Result()
	if err != nil {
		return nil, fmt.Errorf("list messages: pending: %w", err)
	}
	held := make(map[string]redis.XPendingExt, len(pend))
	for _, p := range pend {
		held[p.ID] = p
	}
	var out []Message
	for _, x := range xs {
		m := decode(dept, x)
		if d, ok := done[x.ID]; ok {
			if open {
				continue
			}
			m.Done = parseDone(d)
		}
		if p, ok := held[x.ID]; ok {
			m.HeldBy, m.Deliveries = p.Consumer, p.RetryCount
		}
		out = append(out, m)
	}
	if limit > 0 && int64(len(out)) > limit {
		out = out[int64(len(out))-limit:]
	}
	return out, nil
}

// doneScript marks a message done and takes it out of the group's pending
// list in one step. ARGV: prefix, dept, id, done value. Returns -1 for an
// unknown message, 0 when it was already done, 1 when it is now.
var doneScript = redis.NewScript(`
local stream = ARGV[1] .. 'msg:' .. ARGV[2]
local done = ARGV[1] .. 'msgdone:' .. ARGV[2]
if #redis.call('XRANGE', stream, ARGV[3], ARGV[3]) == 0 then return -1 end
if redis.call('HEXISTS', done, ARGV[3]) == 1 then return 0 end
pcall(redis.call, 'XACK', stream, ARGV[2], ARGV[3])
redis.call('HSET', done, ARGV[3], ARGV[4])
return 1
`)

// Done marks a message followed up; it reports false when it already was.
func (s *Messages) Done(ctx context.Context, id, by, note string) (bool, error) {
	dept, sid, err := SplitID(id)
	if err != nil {
		return false, err
	}
	val := by + "\t" + strconv.FormatInt(s.Now().UnixMilli(), 10) + "\t" + note
	res, err := doneScript.Run(ctx, s.c, []string{s.stream(dept)}, s.prefix, dept, sid, val).Int()
	switch {
	case err != nil:
		return false, fmt.Errorf("message done: %w", err)
	case res < 0:
		return false, fmt.Errorf("%w %s", ErrUnknownMessage, id)
	}
	return res == 1, nil
}

// Mine returns up to limit of the messages user sent, newest first. Whether
// a message is done is shown only when the sender asked for confirmation.
func (s *Messages) Mine(ctx context.Context, user string, limit int64) ([]Message, error) {
	ids, err := s.c.ZRevRange(ctx, s.prefix+"msgsent:"+user, 0, max(limit, 1)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("my messages: %w", err)
	}
	out := make([]Message, 0, len(ids))
	for _, id := range ids {
		dept, sid, err := SplitID(id)
		if err != nil {
			continue
		}
		xs, err := s.c.XRange(ctx, s.stream(dept), sid, sid).Result()
		if err != nil {
			return nil, fmt.Errorf("my messages: %w", err)
		}
		if len(xs) == 0 {
			continue // trimmed away
		}
		m := decode(dept, xs[0])
		if m.Confirm {
			d, err := s.c.HGet(ctx, s.prefix+"msgdone:"+dept, sid).Result()
			switch {
			case err == nil:
				m.Done = parseDone(d)
			case !errors.Is(err, redis.Nil):
				return nil, fmt.Errorf("my messages: %w", err)
			}
		}
		out = append(out, m)
	}
	return out, nil
}
