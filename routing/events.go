package routing

import (
	"context"
	"time"
)

// EventOrder places a PBX event in time. FreeSWITCH numbers its events
// (Event-Sequence) per process; the process is named by Core-UUID, which
// changes on restart, when the sequence starts again. Events of one process
// are ordered by sequence, events of different processes by time.
type EventOrder struct {
	Core string    // Core-UUID of the process that fired the event ("" when unknown)
	Seq  uint64    // Event-Sequence
	Time time.Time // Event-Date-Timestamp (microseconds)
}

// Zero reports whether the order is unknown; an unordered change always applies.
func (o EventOrder) Zero() bool { return o.Core == "" && o.Seq == 0 && o.Time.IsZero() }

// After reports whether o happened after p (see EventOrder).
func (o EventOrder) After(p EventOrder) bool {
	if p.Zero() {
		return true
	}
	if o.Core != "" && o.Core == p.Core {
		return o.Seq > p.Seq
	}
	return !o.Time.Before(p.Time)
}

// PhoneChange is a status, login or logout that came from the phone system
// (a feature code, mod_callcenter) rather than a supervisor.
type PhoneChange struct {
	Login  bool         // log in (before any status)
	Logout LogoutReason // log out for this reason ("" for none)
	Status Status       // set this status ("" for none)
}

// PhoneSnapshot is what one PBX node reports when asked, for one agent: the
// channels the agent's phone is talking on and the registrations it holds
// there. Registrations are only meaningful when Tracked is set.
type PhoneSnapshot struct {
	Agent    AgentID
	Channels []string // ids of answered channels on the agent's endpoints
	Contacts []string // registration ids (SIP Call-ID) on this node
	Tracked  bool     // the node decides whether the phone is reachable
}

// PhoneFact is what a PhoneEvent is about.
type PhoneFact uint8

const (
	PhoneCallFact   PhoneFact = iota + 1 // a channel on the agent's phone answered or ended
	PhoneRegFact                         // a registration of the agent's phone made or ended
	PhoneStatusFact                      // a status, login or logout
)

// PhoneEvent is one report of the phone system, for PhoneEvents.PhoneBatch.
type PhoneEvent struct {
	Agent  AgentID
	Fact   PhoneFact
	ID     string      // the channel or registration (calls and registrations)
	Up     bool        // answered or registered (calls and registrations)
	Change PhoneChange // statuses
	At     EventOrder
}

// PhoneBatchResult counts what a batch did with its events.
type PhoneBatchResult struct {
	Applied    int // newer than what was recorded, so recorded
	Stale      int // older than what was recorded, so ignored
	Superseded int // made moot by a newer event of the same channel or registration in the batch
	Changed    int // agents whose state changed
}

// PhoneEvents records what the phone system reports about agents' phones.
// The presence package implements it on Redis. Every method applies a change
// only when its order is after the last change of the same thing (a channel,
// a registration, an agent's status), so events handled out of order never
// overwrite newer state; each reports whether anything changed, and every
// change is audited with actor.
type PhoneEvents interface {
	// PhoneCall records that channel on agent's phone was answered (up) or
	// ended. While any channel is up the agent counts as on a direct call.
	PhoneCall(ctx context.Context, agent AgentID, channel string, up bool, at EventOrder, actor Actor) (bool, error)
	// PhoneRegistration records that the phone registered (contact is the
	// registration's id) or that the registration ended. An agent with no
	// live registration on any node is unreachable.
	PhoneRegistration(ctx context.Context, agent AgentID, contact string, registered bool, at EventOrder, actor Actor) (bool, error)
	// PhoneStatus applies a status, login or logout reported by the phone system.
	PhoneStatus(ctx context.Context, agent AgentID, change PhoneChange, at EventOrder, actor Actor) (bool, error)
	// PhoneResync replaces what node said earlier about each agent with the
	// snapshot, after a (re)connection: channels that ended and registrations
	// that expired while no events arrived are dropped.
	PhoneResync(ctx context.Context, node string, snapshots []PhoneSnapshot, actor Actor) error
	// PhoneBatch records many events at once, ending in the state they
	// give when applied one at a time in the order given. Only the newest
	// event of a channel or registration in the batch is written, so a call
	// that starts and ends within one batch leaves no trace in the audit
	// stream; every status, login and logout is applied and audited.
	PhoneBatch(ctx context.Context, events []PhoneEvent, actor Actor) (PhoneBatchResult, error)
}
