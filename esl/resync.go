package esl

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

// Queries a (re)connection asks before trusting events again.
const (
	queryChannels      = "show channels as json"
	queryRegistrations = "show registrations as json"
	queryAgents        = "callcenter_config agent list"
)

// rows parses the JSON of "show … as json": {"row_count":N,"rows":[{…}]};
// with no rows FreeSWITCH leaves "rows" out.
func rows(body string) ([]map[string]string, error) {
	body = strings.TrimSpace(body)
	if strings.HasPrefix(body, "-ERR") {
		return nil, fmt.Errorf("%s", short(body))
	}
	var v struct {
		Count int                 `json:"row_count"`
		Rows  []map[string]string `json:"rows"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	return v.Rows, nil
}

// ccAgent is one line of "callcenter_config agent list".
type ccAgent struct{ name, status, state string }

// ccAgents parses the pipe-separated table "callcenter_config agent list"
// prints: a header line naming the columns, rows, then "+OK". An -ERR (the
// module is not loaded) means no agents.
func ccAgents(body string) ([]ccAgent, error) {
	body = strings.TrimSpace(body)
	if body == "" || strings.HasPrefix(body, "-ERR") {
		return nil, nil
	}
	lines := strings.Split(body, "\n")
	cols := map[string]int{}
	for i, c := range strings.Split(lines[0], "|") {
		cols[strings.TrimSpace(c)] = i
	}
	ni, ok1 := cols["name"]
	si, ok2 := cols["status"]
	ti, ok3 := cols["state"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("%w: agent list header %q", ErrFrame, short(lines[0]))
	}
	var out []ccAgent
	for _, l := range lines[1:] {
		l = strings.TrimRight(l, "\r")
		if l == "+OK" || l == "" {
			continue
		}
		f := strings.Split(l, "|")
		if len(f) <= max(ni, si, ti) {
			continue // a contact with '|' in it: skip the line rather than misread it
		}
		out = append(out, ccAgent{name: f[ni], status: f[si], state: f[ti]})
	}
	return out, nil
}

// answered reports whether a "show channels" row is a call in progress.
func answered(r map[string]string) bool {
	switch r["callstate"] {
	case "ACTIVE", "HELD", "UNHELD":
		return true
	}
	return false
}

// snapshot builds, for every agent this node reports on, what the node said.
type snapshot struct {
	byAgent map[routing.AgentID]*routing.PhoneSnapshot
	status  map[routing.AgentID]routing.PhoneChange
}

func (c *classifier) snapshot(chans, regs []map[string]string, agents []ccAgent, registrations bool) snapshot {
	s := snapshot{byAgent: map[routing.AgentID]*routing.PhoneSnapshot{}, status: map[routing.AgentID]routing.PhoneChange{}}
	for _, a := range c.roster.Agents() {
		s.byAgent[a.ID] = &routing.PhoneSnapshot{Agent: a.ID, Tracked: registrations}
	}
	for _, r := range chans {
		if !answered(r) || r["uuid"] == "" {
			continue
		}
		cands := []string{r["presence_id"]}
		if strings.HasPrefix(r["name"], "sofia/") {
			cands = append(cands, r["name"])
		}
		if r["direction"] == "inbound" {
			cands = append(cands, r["cid_num"])
		}
		if a, ok := c.agent(cands...); ok {
			s.byAgent[a].Channels = append(s.byAgent[a].Channels, r["uuid"])
		}
	}
	if registrations {
		for _, r := range regs {
			if a, ok := c.agent(r["reg_user"]); ok {
				id := r["token"]
				if id == "" {
					id = r["url"]
				}
				s.byAgent[a].Contacts = append(s.byAgent[a].Contacts, id)
			}
		}
	}
	if c.callcenter {
		for _, ag := range agents {
			a, ok := c.agent(ag.name)
			if !ok {
				continue
			}
			if pc, ok := c.ccStatus(ag.status); ok {
				s.status[a] = pc
			}
			if up, ok := ccState(ag.state); ok && up {
				s.byAgent[a].Channels = append(s.byAgent[a].Channels, ccChannel(c.node, a))
			}
		}
	}
	return s
}

func (s snapshot) list(r *routing.Roster) []routing.PhoneSnapshot {
	out := make([]routing.PhoneSnapshot, 0, len(s.byAgent))
	for _, a := range r.Agents() {
		out = append(out, *s.byAgent[a.ID])
	}
	return out
}
