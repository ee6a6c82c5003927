package esl

import (
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

// change is an event reduced to what presence needs; its Fact is zero when
// the event concerns no agent.
type change struct {
	routing.PhoneEvent
	what    string // for logs: event name
	invalid string // why an event for an agent was not usable
}

// ccChannel stands for an agent's mod_callcenter queue call on a node: the
// node reports the agent's state, not the channel.
func ccChannel(node string, agent routing.AgentID) string { return "cc:" + node + ":" + string(agent) }

// Subscription is what the listener asks each node for.
var Subscription = []string{
	"CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "HEARTBEAT",
	"CUSTOM", "sofia::register", "sofia::unregister", "sofia::expire", "callcenter::info", "sentralbord::status",
}

// classified names, canonically, every header classify and Event.Order
// read: the listener parses no other (the transcripts test checks that
// classification sees no difference).
var classified = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range []string{
		"Event-Name", "Event-Subclass", "Core-Uuid", "Event-Sequence", "Event-Date-Timestamp",
		"Unique-Id", "Channel-Name", "Call-Direction", "Channel-Presence-Id", "Caller-Username",
		"Variable_sb_agent", "Variable_dialed_user",
		"From-User", "Username", "User", "Call-Id", "Contact",
		"Cc-Agent", "Cc-Action", "Cc-Agent-Status", "Cc-Agent-State",
		"Sb-Agent", "Sb-Action", "Sb-Status", "Sb-Reason", "Caller-Caller-Id-Number",
	} {
		m[h] = true
	}
	return m
}()

// classifier turns events into changes for the agents of a roster.
type classifier struct {
	roster *routing.Roster
	node   string
	// callcenter: mod_callcenter's agent status decides login and status.
	callcenter bool
	// logoutReason is recorded when mod_callcenter logs an agent out.
	logoutReason routing.LogoutReason
}

// agent finds the agent a user part, extension or id names.
func (c *classifier) agent(cands ...string) (routing.AgentID, bool) {
	for _, s := range cands {
		s = userPart(s)
		if s == "" {
			continue
		}
		if a, ok := c.roster.AgentByExtension(s); ok {
			return a.ID, true
		}
		if a, ok := c.roster.Agent(routing.AgentID(s)); ok {
			return a.ID, true
		}
	}
	return "", false
}

// userPart reduces "sofia/internal/2101@pbx:5060", "sip:2101@pbx",
// "2101@default" or "user/2101" to "2101".
func userPart(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimPrefix(s, "sip:")
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	return s
}

// channelAgent: an explicit sb_agent channel variable, the user the call was
// dialed to, the presence id, the SIP user in the channel name, and for
// calls the phone placed, the caller's user name. A B-leg carries the
// A-leg's Caller-Username, so that one is trusted only inbound.
func (c *classifier) channelAgent(e Event) (routing.AgentID, bool) {
	cands := []string{e.Get("Variable_sb_agent"), e.Get("Variable_dialed_user"), e.Get("Channel-Presence-Id")}
	if strings.HasPrefix(e.Get("Channel-Name"), "sofia/") {
		cands = append(cands, e.Get("Channel-Name"))
	}
	if strings.EqualFold(e.Get("Call-Direction"), "inbound") {
		cands = append(cands, e.Get("Caller-Username"))
	}
	return c.agent(cands...)
}

// classify returns the change an event makes, with no Fact when it concerns no agent.
func (c *classifier) classify(e Event) change {
	ch := change{PhoneEvent: routing.PhoneEvent{At: e.Order()}, what: e.Name()}
	switch e.Name() {
	case "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE":
		a, ok := c.channelAgent(e)
		if !ok || e.Get("Unique-Id") == "" {
			return change{}
		}
		ch.Fact, ch.Agent, ch.ID = routing.PhoneCallFact, a, e.Get("Unique-Id")
		ch.Up = e.Name() == "CHANNEL_ANSWER" || e.Name() == "CHANNEL_BRIDGE"
		return ch
	case "CUSTOM":
	default:
		return change{}
	}
	ch.what = e.Subclass()
	switch e.Subclass() {
	case "sofia::register", "sofia::unregister", "sofia::expire":
		a, ok := c.agent(e.Get("From-User"), e.Get("Username"), e.Get("User"))
		if !ok {
			return change{}
		}
		id := e.Get("Call-Id")
		if id == "" {
			id = e.Get("Contact")
		}
		ch.Fact, ch.Agent, ch.ID, ch.Up = routing.PhoneRegFact, a, id, e.Subclass() == "sofia::register"
	case "callcenter::info":
		return c.callcenterEvent(e, ch)
	case "sentralbord::status":
		return c.featureEvent(e, ch)
	default:
		return change{}
	}
	return ch
}

func (c *classifier) callcenterEvent(e Event, ch change) change {
	if !c.callcenter {
		return change{}
	}
	a, ok := c.agent(e.Get("Cc-Agent"))
	if !ok {
		return change{}
	}
	ch.Agent = a
	switch e.Get("Cc-Action") {
	case "agent-status-change":
		pc, ok := c.ccStatus(e.Get("Cc-Agent-Status"))
		if !ok {
			ch.invalid = "unknown callcenter status " + e.Get("Cc-Agent-Status")
			return ch
		}
		ch.Fact, ch.Change = routing.PhoneStatusFact, pc
	case "agent-state-change":
		up, ok := ccState(e.Get("Cc-Agent-State"))
		if !ok {
			return change{}
		}
		ch.Fact, ch.ID, ch.Up = routing.PhoneCallFact, ccChannel(c.node, a), up
	default:
		return change{}
	}
	return ch
}

// ccStatus maps mod_callcenter's agent status. "Logged Out" has no reason
// in mod_callcenter; the node's configured one is recorded.
func (c *classifier) ccStatus(s string) (routing.PhoneChange, bool) {
	switch s {
	case "Logged Out":
		return routing.PhoneChange{Logout: c.logoutReason}, true
	case "Available", "Available (On Demand)":
		return routing.PhoneChange{Login: true, Status: routing.StatusAvailable}, true
	case "On Break":
		return routing.PhoneChange{Login: true, Status: routing.StatusAway}, true
	}
	return routing.PhoneChange{}, false
}

// ccState: an agent "In a queue call" is busy; Waiting and Idle are not;
// Receiving and Reserved (ringing) change nothing.
func ccState(s string) (up, ok bool) {
	switch s {
	case "In a queue call":
		return true, true
	case "Waiting", "Idle":
		return false, true
	}
	return false, false
}

// featureEvent reads the CUSTOM sentralbord::status events our FreeSWITCH
// dialplan fires: Sb-Action status|login|logout, Sb-Status, Sb-Reason; the
// agent is Sb-Agent or else the calling extension.
func (c *classifier) featureEvent(e Event, ch change) change {
	a, ok := c.agent(e.Get("Sb-Agent"), e.Get("Caller-Caller-Id-Number"))
	if !ok {
		return change{}
	}
	ch.Agent, ch.Fact = a, routing.PhoneStatusFact
	switch strings.ToLower(e.Get("Sb-Action")) {
	case "status":
		st, err := routing.ParseStatus(e.Get("Sb-Status"))
		if err != nil {
			ch.Fact, ch.invalid = 0, err.Error()
			return ch
		}
		ch.Change.Status = st
	case "login":
		ch.Change.Login = true
	case "logout":
		r, err := routing.ParseLogoutReason(e.Get("Sb-Reason"))
		if err != nil {
			ch.Fact, ch.invalid = 0, err.Error()
			return ch
		}
		ch.Change.Logout = r
	default:
		ch.Fact, ch.invalid = 0, "unknown Sb-Action "+e.Get("Sb-Action")
	}
	return ch
}
