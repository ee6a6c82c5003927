package presence

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

var stateFields = []string{
	"login", "reason", "until", "out_by", "out_at",
	"status", "status_at", "status_by",
	"call", "call_at", "claim", "claim_exp", "idle", "wrap",
	"direct", "unreach", "status_reason",
}

// States implements routing.Store with one pipelined round trip.
func (s *Store) States(ctx context.Context, agents []routing.AgentID) (map[routing.AgentID]routing.AgentState, error) {
	cmds := make([]*redis.SliceCmd, len(agents))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, a := range agents {
			cmds[i] = p.HMGet(ctx, s.Key("agent:"+string(a)), stateFields...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("agent states: %w", err)
	}
	out := make(map[routing.AgentID]routing.AgentState, len(agents))
	for i, a := range agents {
		out[a] = decodeState(cmds[i].Val())
	}
	return out, nil
}

func decodeState(v []any) routing.AgentState {
	f := make(map[string]string, len(stateFields))
	for i, name := range stateFields {
		if i < len(v) {
			if s, ok := v[i].(string); ok {
				f[name] = s
			}
		}
	}
	st := routing.AgentState{
		LoggedIn:     f["login"] != "0",
		LogoutReason: routing.LogoutReason(f["reason"]),
		LogoutBy:     f["out_by"],
		LogoutAt:     ms(f["out_at"]),
		Status:       routing.Status(f["status"]),
		StatusSince:  ms(f["status_at"]),
		StatusBy:     f["status_by"],
		StatusReason: f["status_reason"],
		OnCall:       routing.CallID(f["call"]),
		OnCallSince:  ms(f["call_at"]),
		ClaimedBy:    routing.CallID(f["claim"]),
		ClaimExpiry:  ms(f["claim_exp"]),
		IdleSince:    ms(f["idle"]),
		WrapUntil:    ms(f["wrap"]),
		DirectCall:   f["direct"] != "",
		Unreachable:  f["unreach"] == "1",
	}
	if st.Status == "" {
		st.Status = routing.StatusAvailable
	}
	if u := f["until"]; u != "" {
		st.LogoutUntil, _ = time.Parse(time.DateOnly, u)
	}
	return st
}

func ms(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// AuditEntry is one change from the audit stream.
type AuditEntry struct {
	ID     string
	Time   time.Time
	Source string
	Actor  string
	Agent  string
	Call   string
	Event  string
	Detail string
}

// Audit returns the latest entries of the audit stream, newest first; with
// agent set, only that agent's (scanning at most scan entries).
func (s *Store) Audit(ctx context.Context, agent routing.AgentID, limit int, scan int64) ([]AuditEntry, error) {
	if scan < int64(limit) {
		scan = int64(limit)
	}
	msgs, err := s.c.XRevRangeN(ctx, s.Key("audit"), "+", "-", scan).Result()
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []AuditEntry
	for _, m := range msgs {
		e := AuditEntry{ID: m.ID}
		get := func(k string) string { v, _ := m.Values[k].(string); return v }
		e.Time, e.Source, e.Actor, e.Agent = ms(get("ts")), get("src"), get("actor"), get("agent")
		e.Call, e.Event, e.Detail = get("call"), get("event"), get("detail")
		if agent != "" && e.Agent != string(agent) {
			continue
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
