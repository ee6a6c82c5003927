package presence

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.Store = (*Store)(nil)

// Store is the Redis implementation of routing.Store.
type Store struct {
	c      redis.UniversalClient
	prefix string // "{sb}:"
	roster *routing.Roster
	// Now is the clock; scripts get the time from here so tests can move it.
	Now func() time.Time
	// AuditMax caps the audit stream (approximately).
	AuditMax int64
	// CallTTL is how long a call's record (tried agents, wrap-up) lives.
	CallTTL time.Duration
	// MaxCall is the longest call: an agent still on a call after it is
	// freed, in case the call's hangup never reached the service.
	MaxCall time.Duration

	// Scripts is where the routing scripts are sent: the client itself, or
	// (serve) its autopipeliner, which sends the scripts of concurrent
	// calls to Redis as one pipeline. Set it before the Store is used.
	Scripts redis.Scripter
	// DirectUpTo: while at most this many scripts are in flight, a script
	// goes on the client itself, not through Scripts. A pipeline pays for
	// hand-offs between goroutines on each side, which only calls sent
	// together repay; a call that has the store to itself waits for one
	// round trip instead. 0: always through Scripts.
	DirectUpTo int32

	loads    *scriptLoads
	inFlight atomic.Int32
}

// syncBatch bounds one pipeline of Sync so a large roster never meets a write timeout.
const syncBatch = 500

// New returns a Store for the agents and loops of roster. namespace is the
// hash tag every key shares ("sb" gives "{sb}:agent:…").
func New(c redis.UniversalClient, namespace string, roster *routing.Roster) *Store {
	if namespace == "" {
		namespace = "sb"
	}
	return &Store{
		c: c, prefix: "{" + namespace + "}:", roster: roster,
		Now: time.Now, AuditMax: 100_000, CallTTL: 12 * time.Hour, MaxCall: 4 * time.Hour,
		Scripts: c, loads: &scriptLoads{},
	}
}

// Client is the Redis client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.c }

// Key returns the full key for a suffix such as "audit" or "agent:anna".
func (s *Store) Key(suffix string) string { return s.prefix + suffix }

func (s *Store) run(ctx context.Context, sc *redis.Script, actor routing.Actor, args ...any) *redis.Cmd {
	argv := make([]any, 0, 5+len(args))
	argv = append(argv, s.prefix, s.Now().UnixMilli(), string(actor.Source), actor.Name, s.AuditMax)
	argv = append(argv, args...)
	defer s.inFlight.Add(-1)
	return s.loads.evalSha(ctx, s.scripter(), sc, []string{s.Key("audit")}, argv...)
}

// scripter counts a script in flight (run counts it back) and says where it
// goes: on the client while at most DirectUpTo are in flight, else through
// Scripts.
func (s *Store) scripter() redis.Scripter {
	if s.inFlight.Add(1) <= s.DirectUpTo {
		return s.c
	}
	return s.Scripts
}

func (s *Store) agent(id routing.AgentID) error {
	if _, ok := s.roster.Agent(id); !ok {
		return fmt.Errorf("%w %q", routing.ErrUnknownAgent, id)
	}
	return nil
}

// ClaimLongestIdle implements routing.Store. The claim's script reads
// req.Read too.
func (s *Store) ClaimLongestIdle(ctx context.Context, req routing.ClaimRequest) (routing.Claim, error) {
	if _, ok := s.roster.Loop(req.Loop); !ok {
		return routing.Claim{}, fmt.Errorf("claim: %w %q", routing.ErrUnknownLoop, req.Loop)
	}
	enqueue, arrival := "0", ""
	if req.Enqueue {
		enqueue = "1"
	}
	if !req.Arrival.IsZero() {
		arrival = strconv.FormatInt(req.Arrival.UnixMilli(), 10)
	}
	args := []any{string(req.Call), string(req.Loop), req.TTL.Milliseconds(), req.WrapUp.Milliseconds(), s.CallTTL.Milliseconds(),
		enqueue, req.Lease.Milliseconds(), arrival, req.Read}
	for _, a := range req.Exclude {
		args = append(args, string(a))
	}
	reply, err := s.run(ctx, claimScript, req.Actor, args...).Result()
	if errors.Is(err, redis.Nil) {
		return routing.Claim{}, routing.ErrNoAgentAvailable
	}
	if err != nil {
		return routing.Claim{}, fmt.Errorf("claim: %w", err)
	}
	if req.Read == "" {
		return claimOf(req.Call, reply)
	}
	both, ok := reply.([]any)
	if !ok || len(both) != 2 {
		return routing.Claim{}, fmt.Errorf("claim: unexpected reply %v", reply)
	}
	c, err := claimOf(req.Call, both[0])
	c.Read, c.ReadErr = hashOf(both[1])
	if c.ReadErr != nil {
		c.ReadErr = fmt.Errorf("read %s with the claim: %w", req.Read, c.ReadErr)
	}
	return c, err
}

// ReadsWithClaim implements routing.ClaimReader.
func (s *Store) ReadsWithClaim() bool { return true }

// hashOf is a hash from an HGETALL reply inside a script: its fields and
// values in turn.
func hashOf(reply any) (map[string]string, error) {
	flat, ok := reply.([]any)
	if !ok || len(flat)%2 != 0 {
		return nil, fmt.Errorf("unexpected hash %v", reply)
	}
	h := make(map[string]string, len(flat)/2)
	for i := 0; i < len(flat); i += 2 {
		k, kok := flat[i].(string)
		v, vok := flat[i+1].(string)
		if !kok || !vok {
			return nil, fmt.Errorf("unexpected hash %v", reply)
		}
		h[k] = v
	}
	return h, nil
}

// claimOf is the claim a claim script's reply gives (nil: nobody free).
func claimOf(call routing.CallID, reply any) (routing.Claim, error) {
	if reply == nil {
		return routing.Claim{}, routing.ErrNoAgentAvailable
	}
	res, ok := reply.([]any)
	if !ok || len(res) < 2 {
		return routing.Claim{}, fmt.Errorf("claim: unexpected reply %v", reply)
	}
	id, _ := res[0].(string)
	numStr, _ := res[1].(string)
	num, err := strconv.ParseInt(numStr, 10, 64)
	if err != nil {
		return routing.Claim{}, fmt.Errorf("claim: unexpected reply %v", res)
	}
	if id == "" {
		c := routing.Claim{Call: call, Position: int(num)}
		if len(res) > 2 {
			if s, ok := res[2].(string); ok {
				if a, err := strconv.ParseInt(s, 10, 64); err == nil {
					c.Arrival = time.UnixMilli(a)
				}
			}
		}
		return c, nil
	}
	return routing.Claim{Agent: routing.AgentID(id), Call: call, Expiry: time.UnixMilli(num)}, nil
}

// Unclaim implements routing.Store.
func (s *Store) Unclaim(ctx context.Context, req routing.UnclaimRequest) error {
	t := "0"
	if req.Tried {
		t = "1"
	}
	err := s.run(ctx, unclaimScript, req.Actor, string(req.Call), string(req.Agent), t, s.CallTTL.Milliseconds(),
		string(req.Status), req.MaxNoAnswer).Err()
	if err != nil {
		return fmt.Errorf("unclaim: %w", err)
	}
	return nil
}

// Answer implements routing.Store.
func (s *Store) Answer(ctx context.Context, call routing.CallID, agent routing.AgentID, actor routing.Actor) error {
	if err := s.agent(agent); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	if err := s.run(ctx, answerScript, actor, string(call), string(agent), s.CallTTL.Milliseconds(), s.MaxCall.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// EndCall implements routing.Store.
func (s *Store) EndCall(ctx context.Context, call routing.CallID, actor routing.Actor) (routing.AgentID, error) {
	id, err := s.run(ctx, endCallScript, actor, string(call)).Text()
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", fmt.Errorf("end call: %w", err)
	}
	return routing.AgentID(id), nil
}

func (s *Store) verb(ctx context.Context, agent routing.AgentID, actor routing.Actor, verb string, args ...any) (bool, error) {
	if err := s.agent(agent); err != nil {
		return false, fmt.Errorf("%s: %w", verb, err)
	}
	n, err := s.run(ctx, agentScript, actor, append([]any{string(agent), verb}, args...)...).Int()
	if err != nil {
		return false, fmt.Errorf("%s: %w", verb, err)
	}
	return n == 1, nil
}

// Login implements routing.Store.
func (s *Store) Login(ctx context.Context, agent routing.AgentID, actor routing.Actor) (bool, error) {
	return s.verb(ctx, agent, actor, "login")
}

// Logout implements routing.Store.
func (s *Store) Logout(ctx context.Context, agent routing.AgentID, reason routing.LogoutReason, until time.Time, actor routing.Actor) (bool, error) {
	if _, err := routing.ParseLogoutReason(string(reason)); err != nil {
		return false, fmt.Errorf("logout: %w", err)
	}
	u := ""
	if !until.IsZero() {
		u = until.Format(time.DateOnly)
	}
	return s.verb(ctx, agent, actor, "logout", string(reason), u)
}

// SetStatus implements routing.Store.
func (s *Store) SetStatus(ctx context.Context, agent routing.AgentID, status routing.Status, actor routing.Actor) (bool, error) {
	if _, err := routing.ParseStatus(string(status)); err != nil {
		return false, fmt.Errorf("status: %w", err)
	}
	return s.verb(ctx, agent, actor, "status", string(status))
}

// Reap releases claims whose calls vanished, ends calls that outlived
// MaxCall and drops waiting callers whose lease lapsed. The claim script
// does not reap (each call would pay for it): serve runs this every second.
// It returns how many claims and calls it released.
func (s *Store) Reap(ctx context.Context) (int, error) {
	n, err := s.run(ctx, agentScript, routing.Actor{Source: routing.SourceSystem, Name: "reaper"}, "", "reap").Int()
	if err != nil {
		return 0, fmt.Errorf("reap: %w", err)
	}
	return n, nil
}

// Sync brings Redis in line with the configuration: every configured agent
// gets a state (logged in and available when new) and the ready sets hold
// exactly the configured members of each loop. Run it at start-up.
func (s *Store) Sync(ctx context.Context) error {
	actor := routing.Actor{Source: routing.SourceSystem, Name: "sync"}
	// Every script is loaded now, so the first calls after a start do not
	// each find it missing and wait for one of them to load it. (Not in a
	// pipeline: Script.Load takes the hash from the reply it reads at once.)
	for _, sc := range allScripts() {
		if err := sc.Load(ctx, s.c).Err(); err != nil {
			return fmt.Errorf("sync agents: load scripts: %w", err)
		}
	}
	agents := s.roster.Agents()
	for start := 0; start < len(agents); start += syncBatch {
		batch := agents[start:min(start+syncBatch, len(agents))]
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, a := range batch {
				loops := make([]string, 0, 4)
				for _, l := range s.roster.LoopsOf(a.ID) {
					loops = append(loops, string(l))
				}
				argv := []any{s.prefix, s.Now().UnixMilli(), string(actor.Source), actor.Name, s.AuditMax, string(a.ID), "sync", strings.Join(loops, ",")}
				agentScript.EvalSha(ctx, p, []string{s.Key("audit")}, argv...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("sync agents: %w", err)
		}
	}
	for _, l := range s.roster.Loops() {
		want := make(map[string]bool, len(l.Members))
		for _, m := range l.Members {
			want[string(m)] = true
		}
		have, err := s.c.ZRange(ctx, s.Key("ready:"+string(l.ID)), 0, -1).Result()
		if err != nil {
			return fmt.Errorf("sync loop %s: %w", l.ID, err)
		}
		for _, id := range have {
			if !want[id] {
				if err := s.c.ZRem(ctx, s.Key("ready:"+string(l.ID)), id).Err(); err != nil {
					return fmt.Errorf("sync loop %s: %w", l.ID, err)
				}
			}
		}
	}
	return nil
}
