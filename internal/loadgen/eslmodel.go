package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/sentralbord/sentralbord/esl/esltest"
	"github.com/sentralbord/sentralbord/routing"
)

// ESLMix weighs the kinds of events the generator sends.
type ESLMix struct {
	Call       int // CHANNEL_ANSWER / BRIDGE / HANGUP / HANGUP_COMPLETE on agents' phones
	Reg        int // sofia::register / unregister / expire
	Callcenter int // callcenter::info agent-status-change and agent-state-change
	Feature    int // sentralbord::status: status, login, logout
	Other      int // channels of phones that are no agent's (the listener ignores them)
}

// DefaultESLMix resembles a busy site: mostly channels, then registrations
// and mod_callcenter, some feature codes, and calls that are no agent's.
var DefaultESLMix = ESLMix{Call: 40, Reg: 15, Callcenter: 20, Feature: 10, Other: 15}

func (m ESLMix) total() int { return m.Call + m.Reg + m.Callcenter + m.Feature + m.Other }

func (m ESLMix) String() string {
	return fmt.Sprintf("call=%d,reg=%d,callcenter=%d,feature=%d,other=%d", m.Call, m.Reg, m.Callcenter, m.Feature, m.Other)
}

// ParseESLMix reads "call=40,reg=15,callcenter=20,feature=10,other=15";
// kinds left out weigh nothing.
func ParseESLMix(s string) (ESLMix, error) {
	var m ESLMix
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return m, fmt.Errorf("mix %q: want kind=weight with a weight of 0 or more", part)
		}
		switch k {
		case "call":
			m.Call = n
		case "reg":
			m.Reg = n
		case "callcenter":
			m.Callcenter = n
		case "feature":
			m.Feature = n
		case "other":
			m.Other = n
		default:
			return m, fmt.Errorf("mix: unknown kind %q (call, reg, callcenter, feature, other)", k)
		}
	}
	if m.total() == 0 {
		return m, fmt.Errorf("mix %q: no events", s)
	}
	return m, nil
}

// eslAgent is what the events sent so far make of one agent: the state the
// listener must leave in Redis once it has taken them all.
type eslAgent struct {
	id  routing.AgentID
	ext string

	loggedIn bool
	reason   routing.LogoutReason
	status   routing.Status
	call     string // the phone's current channel, "" when none
	callStep int    // 1 answered, 2 bridged, 3 hung up (HANGUP_COMPLETE follows)
	calls    int
	queue    bool    // mod_callcenter: in a queue call
	regs     [2]bool // two SIP registrations (desk phone, softphone)
}

// eslModel generates events for agents and keeps what they must end as.
type eslModel struct {
	rng     *rand.Rand
	mix     ESLMix
	agents  []*eslAgent
	logout  routing.LogoutReason // the node's reason for mod_callcenter's Logged Out
	run     int
	serial  int
	ignored int // events for no agent
}

func newESLModel(agents []routing.Agent, mix ESLMix, seed uint64, run int) *eslModel {
	m := &eslModel{rng: rand.New(rand.NewPCG(seed, uint64(run))), mix: mix, logout: routing.ReasonFri, run: run}
	for _, a := range agents {
		// After Sync and the first resync on a node that tracks registrations:
		// logged in, available, no call, no registration.
		m.agents = append(m.agents, &eslAgent{id: a.ID, ext: a.Extension, loggedIn: true, status: routing.StatusAvailable})
	}
	return m
}

var (
	eslStatuses = []routing.Status{routing.StatusAvailable, routing.StatusBusy, routing.StatusAway, routing.StatusLunch, routing.StatusDND, routing.StatusMeeting}
	eslReasons  = []routing.LogoutReason{routing.ReasonFerie, routing.ReasonFri, routing.ReasonPermisjon}
	ccStatuses  = []string{"Available", "Available (On Demand)", "On Break", "Logged Out"}
	ccStates    = []string{"In a queue call", "Waiting", "Idle", "Receiving"}
)

// next returns the next event and updates the expected state as the
// listener must.
func (m *eslModel) next() esltest.Event {
	r := m.rng.IntN(m.mix.total())
	a := m.agents[m.rng.IntN(len(m.agents))]
	switch {
	case r < m.mix.Call:
		return m.callEvent(a)
	case r < m.mix.Call+m.mix.Reg:
		slot := m.rng.IntN(2)
		sub := []string{"sofia::register", "sofia::register", "sofia::unregister", "sofia::expire"}[m.rng.IntN(4)]
		a.regs[slot] = sub == "sofia::register"
		return esltest.Registration(sub, a.ext, a.ext+"-reg-"+strconv.Itoa(slot))
	case r < m.mix.Call+m.mix.Reg+m.mix.Callcenter:
		return m.callcenterEvent(a)
	case r < m.mix.Call+m.mix.Reg+m.mix.Callcenter+m.mix.Feature:
		return m.featureEvent(a)
	}
	m.ignored++
	m.serial++
	return esltest.Channel("CHANNEL_ANSWER", fmt.Sprintf("x%d-%d", m.run, m.serial), "55"+strconv.Itoa(m.rng.IntN(100000)), "outbound")
}

// callEvent walks the agent's phone through answer, bridge, hangup and
// hangup-complete.
func (m *eslModel) callEvent(a *eslAgent) esltest.Event {
	dir := "inbound"
	if a.calls%2 == 1 {
		dir = "outbound"
	}
	switch {
	case a.call == "":
		a.calls++
		a.call, a.callStep = fmt.Sprintf("c%d-%s-%d", m.run, a.ext, a.calls), 1
		return esltest.Channel("CHANNEL_ANSWER", a.call, a.ext, dir)
	case a.callStep == 1 && m.rng.IntN(2) == 0:
		a.callStep = 2
		return esltest.Channel("CHANNEL_BRIDGE", a.call, a.ext, dir)
	case a.callStep < 3:
		a.callStep = 3
		return esltest.Channel("CHANNEL_HANGUP", a.call, a.ext, dir)
	}
	ev := esltest.Channel("CHANNEL_HANGUP_COMPLETE", a.call, a.ext, dir)
	a.call, a.callStep = "", 0
	return ev
}

func (m *eslModel) callcenterEvent(a *eslAgent) esltest.Event {
	name := a.ext + "@default"
	if m.rng.IntN(10) < 3 {
		st := ccStates[m.rng.IntN(len(ccStates))]
		switch st {
		case "In a queue call":
			a.queue = true
		case "Waiting", "Idle":
			a.queue = false
		}
		return esltest.Callcenter("agent-state-change", name, st)
	}
	st := ccStatuses[m.rng.IntN(len(ccStatuses))]
	switch st {
	case "Logged Out":
		m.logoutAgent(a, m.logout)
	case "On Break":
		a.loggedIn, a.status = true, routing.StatusAway
	default:
		a.loggedIn, a.status = true, routing.StatusAvailable
	}
	return esltest.Callcenter("agent-status-change", name, st)
}

func (m *eslModel) featureEvent(a *eslAgent) esltest.Event {
	switch m.rng.IntN(4) {
	case 0:
		a.loggedIn = true
		return esltest.Status(a.ext, "login", "")
	case 1:
		r := eslReasons[m.rng.IntN(len(eslReasons))]
		m.logoutAgent(a, r)
		return esltest.Status(a.ext, "logout", string(r))
	}
	st := eslStatuses[m.rng.IntN(len(eslStatuses))]
	a.status = st
	return esltest.Status(a.ext, "status", string(st))
}

// logoutAgent: an agent already logged out keeps the reason they left with.
func (m *eslModel) logoutAgent(a *eslAgent, r routing.LogoutReason) {
	if a.loggedIn {
		a.loggedIn, a.reason = false, r
	}
}

// ESLExpect is the state the events sent leave an agent in.
type ESLExpect struct {
	Agent       routing.AgentID      `json:"agent"`
	LoggedIn    bool                 `json:"logged_in"`
	Reason      routing.LogoutReason `json:"reason,omitempty"`
	Status      routing.Status       `json:"status"`
	DirectCall  bool                 `json:"direct_call"`
	Unreachable bool                 `json:"unreachable"`
}

// expect is what the events sent so far make of every agent.
func (m *eslModel) expect() []ESLExpect {
	out := make([]ESLExpect, len(m.agents))
	for i, a := range m.agents {
		out[i] = ESLExpect{Agent: a.id, LoggedIn: a.loggedIn, Reason: a.reason, Status: a.status,
			DirectCall: a.call != "" && a.callStep < 3 || a.queue, Unreachable: !a.regs[0] && !a.regs[1]}
	}
	return out
}

// Mismatch says how st differs from x, "" when it does not.
func (x ESLExpect) Mismatch(st routing.AgentState) string {
	var d []string
	if st.LoggedIn != x.LoggedIn {
		d = append(d, fmt.Sprintf("logged in %v, want %v", st.LoggedIn, x.LoggedIn))
	} else if !x.LoggedIn && st.LogoutReason != x.Reason {
		d = append(d, fmt.Sprintf("logout reason %s, want %s", st.LogoutReason, x.Reason))
	}
	if st.Status != x.Status {
		d = append(d, fmt.Sprintf("status %s, want %s", st.Status, x.Status))
	}
	if st.DirectCall != x.DirectCall {
		d = append(d, fmt.Sprintf("on a direct call %v, want %v", st.DirectCall, x.DirectCall))
	}
	if st.Unreachable != x.Unreachable {
		d = append(d, fmt.Sprintf("unreachable %v, want %v", st.Unreachable, x.Unreachable))
	}
	if len(d) == 0 {
		return ""
	}
	return string(x.Agent) + ": " + strings.Join(d, "; ")
}
