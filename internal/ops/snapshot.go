package ops

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/routing"
)

// States an agent is shown in, on the board and in the agents metric.
const (
	StateFree        = "free"
	StateRinging     = "ringing"
	StateOnCall      = "on-call"
	StateWrapUp      = "wrap-up"
	StateMeeting     = "meeting"
	StateAway        = "away"
	StateUnreachable = "unreachable"
	StateLoggedOut   = "logged-out"
)

// States lists every state in board order.
var States = []string{StateFree, StateRinging, StateOnCall, StateWrapUp, StateMeeting, StateAway, StateUnreachable, StateLoggedOut}

// Classify puts one candidate into a board state, with the detail staff
// read next to it, in Norwegian like the board ("ferie til 2026-12-31",
// "til 12:00 (Styremøte)", "lunch").
func Classify(c routing.Candidate, now time.Time) (state, detail string) {
	st := c.State
	switch {
	case !st.LoggedIn:
		d := string(st.LogoutReason)
		if !st.LogoutUntil.IsZero() {
			d += " til " + st.LogoutUntil.Format("2006-01-02")
		}
		return StateLoggedOut, strings.TrimSpace(d)
	case st.OnCall != "" || st.DirectCall:
		return StateOnCall, ""
	case st.Claimed(now):
		return StateRinging, ""
	case st.Unreachable || c.Reason == "phone unreachable":
		return StateUnreachable, ""
	case st.Status == routing.StatusMeeting:
		return StateMeeting, st.StatusReason
	case strings.HasPrefix(c.Reason, "in meeting"):
		d := strings.TrimSpace(strings.TrimPrefix(c.Reason, "in meeting"))
		d = strings.Replace(strings.Replace(d, "until end of ", "ut ", 1), "until ", "til ", 1)
		return StateMeeting, d
	case st.Status != routing.StatusAvailable:
		d := string(st.Status)
		if st.StatusReason != "" {
			d += " (" + st.StatusReason + ")"
		}
		return StateAway, d
	case now.Before(st.WrapUntil):
		return StateWrapUp, "til " + st.WrapUntil.Format("15:04:05")
	case c.Reason == "":
		return StateFree, ""
	}
	return StateAway, c.Reason
}

// Snapshot is the whole board at one moment.
type Snapshot struct {
	At    time.Time  `json:"at"`
	Loops []LoopView `json:"loops"`
}

// LoopView is one loop: its members and its line.
type LoopView struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Waiting int         `json:"waiting"`
	Longest float64     `json:"longest_wait_seconds"` // of the first caller in line; 0 when none
	Free    int         `json:"free"`
	Agents  []AgentView `json:"agents"`
}

// AgentView is one member as the board shows them.
type AgentView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
}

// Source reads what the board and the scrape-time metrics show.
type Source struct {
	Service *routing.Service
	Client  redis.UniversalClient
	// Key builds a Redis key of the deployment's namespace
	// (presence.Store.Key); the waiting line of a loop is Key("wait:"+loop),
	// a sorted set scored by arrival in Unix milliseconds.
	Key func(string) string
}

// Snapshot reads every loop's members and line.
func (s *Source) Snapshot(ctx context.Context) (Snapshot, error) {
	now := s.Service.Now()
	snap := Snapshot{At: now}
	for _, l := range s.Service.Roster.Loops() {
		cands, err := s.Service.Explain(ctx, l.ID)
		if err != nil {
			return Snapshot{}, err
		}
		v := LoopView{ID: string(l.ID), Name: l.Name, Agents: make([]AgentView, 0, len(cands))}
		for _, c := range cands {
			state, detail := Classify(c, now)
			if state == StateFree {
				v.Free++
			}
			v.Agents = append(v.Agents, AgentView{ID: string(c.Agent.ID), Name: c.Agent.Name, State: state, Detail: detail})
		}
		if v.Waiting, v.Longest, err = s.line(ctx, l.ID, now); err != nil {
			return Snapshot{}, err
		}
		snap.Loops = append(snap.Loops, v)
	}
	return snap, nil
}

// line returns how many callers wait in loop and how long the first has.
func (s *Source) line(ctx context.Context, loop routing.LoopID, now time.Time) (int, float64, error) {
	key := s.Key("wait:" + string(loop))
	pipe := s.Client.Pipeline()
	n := pipe.ZCard(ctx, key)
	first := pipe.ZRangeWithScores(ctx, key, 0, 0)
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return 0, 0, fmt.Errorf("waiting line %s: %w", loop, err)
	}
	var longest float64
	if zs := first.Val(); len(zs) > 0 {
		longest = max(0, now.Sub(time.UnixMilli(int64(zs[0].Score))).Seconds())
	}
	return int(n.Val()), longest, nil
}
