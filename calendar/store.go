package calendar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var _ routing.Calendar = (*Store)(nil)

// Store keeps each agent's synced calendar in Redis, in one hash
// "{ns}:cal:<agent>":
//
//	busy     JSON [[startMs,endMs,"what"],…] of busy entries only, for BusyAt
//	entries  JSON []Entry of every entry, for the command line
//	from, to the synced window (Unix ms)
//	synced   when the last good fetch finished (Unix ms)
//	tried    when the last fetch finished, good or not (Unix ms)
//	error    why the last fetch failed ("" when it did not)
//	source   ics-url, ics-file or graph
type Store struct {
	c      redis.UniversalClient
	prefix string
	// MaxStale is how long data from the last good fetch is used after
	// fetches start failing; older data is ignored.
	MaxStale time.Duration
	// Zone is where Busy.Until is given, so "until 12:00" is local time.
	Zone *time.Location
	Now  func() time.Time
	// Lookups serves BusyAt: the client itself, or (serve) its
	// autopipeliner, so routing's checks share the pipelines of the calls'
	// scripts instead of taking a connection each. Set it before use.
	Lookups redis.Cmdable
}

// NewStore returns a Store for the deployment's namespace ("sb" gives "{sb}:cal:…").
func NewStore(c redis.UniversalClient, namespace string) *Store {
	if namespace == "" {
		namespace = "sb"
	}
	return &Store{c: c, prefix: "{" + namespace + "}:", MaxStale: 24 * time.Hour, Zone: time.Local, Now: time.Now, Lookups: c}
}

// Key returns the full key for a suffix such as "cal:anna".
func (s *Store) Key(suffix string) string { return s.prefix + suffix }

func (s *Store) agentKey(a routing.AgentID) string { return s.Key("cal:" + string(a)) }

// Record is what the Store holds about one agent's calendar.
type Record struct {
	Agent    routing.AgentID `json:"agent"`
	Source   string          `json:"source,omitempty"`
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Synced   time.Time       `json:"synced"`
	Tried    time.Time       `json:"tried"`
	Error    string          `json:"error,omitempty"`
	Stale    bool            `json:"stale"`   // the last fetch failed; data is from Synced
	Expired  bool            `json:"expired"` // data older than MaxStale: ignored
	Entries  []Entry         `json:"entries"`
	Never    bool            `json:"never_synced,omitempty"`
	MaxStale time.Duration   `json:"-"`
}

type busySpan [3]any // startMs, endMs, what

// Save stores a good fetch.
func (s *Store) Save(ctx context.Context, agent routing.AgentID, source string, from, to time.Time, es []Entry) error {
	busy := make([]busySpan, 0, len(es))
	for _, e := range es {
		if e.Busy {
			busy = append(busy, busySpan{e.Start.UnixMilli(), e.End.UnixMilli(), e.What()})
		}
	}
	bj, err := json.Marshal(busy)
	if err != nil {
		return err
	}
	ej, err := json.Marshal(es)
	if err != nil {
		return err
	}
	now := s.Now().UnixMilli()
	pipe := s.c.TxPipeline()
	pipe.HSet(ctx, s.agentKey(agent), "busy", bj, "entries", ej, "from", from.UnixMilli(), "to", to.UnixMilli(),
		"synced", now, "tried", now, "error", "", "source", source)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save calendar of %s: %w", agent, err)
	}
	return nil
}

// Fail records a failed fetch and keeps the data of the last good one.
func (s *Store) Fail(ctx context.Context, agent routing.AgentID, source, why string) error {
	if err := s.c.HSet(ctx, s.agentKey(agent), "tried", s.Now().UnixMilli(), "error", why, "source", source).Err(); err != nil {
		return fmt.Errorf("save calendar error of %s: %w", agent, err)
	}
	return nil
}

// Forget drops what the Store holds about agent (no calendar configured any more).
func (s *Store) Forget(ctx context.Context, agent routing.AgentID) error {
	return s.c.Del(ctx, s.agentKey(agent)).Err()
}

// BusyAt implements routing.Calendar with one HMGET: the agent is busy when
// a busy entry holds at, until the end of the run of busy entries that
// follow without a gap. A meeting ending at 12:00 is over at 12:00.
func (s *Store) BusyAt(ctx context.Context, agent routing.AgentID, at time.Time) (routing.Busy, error) {
	v, err := s.Lookups.HMGet(ctx, s.agentKey(agent), "busy", "synced").Result()
	if err != nil {
		return routing.Busy{}, fmt.Errorf("calendar of %s: %w", agent, err)
	}
	raw, _ := v[0].(string)
	synced := msField(v[1])
	if raw == "" || synced.IsZero() || s.expired(synced) {
		return routing.Busy{}, nil
	}
	var spans [][3]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &spans); err != nil {
		return routing.Busy{}, fmt.Errorf("calendar of %s: %w", agent, err)
	}
	ms := at.UnixMilli()
	var b routing.Busy
	until := int64(0)
	// Spans are sorted by start; extend until over overlapping or touching ones.
	for _, sp := range spans {
		st, en := rawInt(sp[0]), rawInt(sp[1])
		switch {
		case !b.Busy && st <= ms && ms < en:
			b.Busy, until = true, en
			_ = json.Unmarshal(sp[2], &b.What)
		case b.Busy && st <= until && en > until:
			until = en
		}
	}
	if b.Busy {
		b.Until = time.UnixMilli(until).In(s.zone())
	}
	return b, nil
}

func (s *Store) zone() *time.Location {
	if s.Zone == nil {
		return time.Local
	}
	return s.Zone
}

func (s *Store) expired(synced time.Time) bool {
	return s.MaxStale > 0 && s.Now().Sub(synced) > s.MaxStale
}

// Load returns the record of agent; Never is set when nothing was synced.
func (s *Store) Load(ctx context.Context, agent routing.AgentID) (Record, error) {
	m, err := s.c.HGetAll(ctx, s.agentKey(agent)).Result()
	if err != nil {
		return Record{}, fmt.Errorf("calendar of %s: %w", agent, err)
	}
	r := Record{Agent: agent, Source: m["source"], Error: m["error"], MaxStale: s.MaxStale,
		From: msField(m["from"]), To: msField(m["to"]), Synced: msField(m["synced"]), Tried: msField(m["tried"])}
	r.Never = r.Synced.IsZero()
	r.Stale = r.Error != ""
	r.Expired = !r.Never && s.expired(r.Synced)
	if e := m["entries"]; e != "" {
		if err := json.Unmarshal([]byte(e), &r.Entries); err != nil {
			return r, fmt.Errorf("calendar of %s: %w", agent, err)
		}
	}
	return r, nil
}

func msField(v any) time.Time {
	s, _ := v.(string)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

func rawInt(m json.RawMessage) int64 {
	n, _ := strconv.ParseInt(string(m), 10, 64)
	return n
}

// ErrLocked means another instance holds the sync lock.
var ErrLocked = errors.New("another instance is syncing calendars")

// unlockScript deletes the lock only while it still holds our token.
var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// lock takes "{ns}:cal:lock" for ttl; the returned func releases it early.
func (s *Store) lock(ctx context.Context, token string, ttl time.Duration) (func(), error) {
	ok, err := s.c.SetNX(ctx, s.Key("cal:lock"), token, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("calendar sync lock: %w", err)
	}
	if !ok {
		return nil, ErrLocked
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = unlockScript.Run(ctx, s.c, []string{s.Key("cal:lock")}, token).Err()
	}, nil
}
