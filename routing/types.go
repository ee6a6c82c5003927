package routing

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// AgentID identifies an agent; it is the id from the configuration.
type AgentID string

// LoopID identifies a loop (hunt group); it is the id from the configuration.
type LoopID string

// CallID identifies one call; on Asterisk it is the channel's UNIQUEID.
type CallID string

// Agent is a member of staff who answers calls. The configuration is the only
// source of agents; Redis holds only their state.
type Agent struct {
	ID        AgentID
	Name      string   // display name, e.g. "May Tove"
	Roles     []string // role ids, e.g. "ds", "saksbehandler"
	Extension string   // internal extension, e.g. "2101"
	// AsteriskDial and FreeSWITCHDial are what the PBX dials to ring the agent,
	// e.g. "PJSIP/2101" and "user/2101".
	AsteriskDial   string
	FreeSWITCHDial string
}

// Loop is a hunt group: the set of agents a menu choice rings.
type Loop struct {
	ID          LoopID
	Name        string
	Digit       string // menu digit ("" when the loop is not on the menu)
	Tag         string // three digits appended to the caller's number
	RingTimeout time.Duration
	WrapUp      time.Duration
	MaxWait     time.Duration
	// Announce is how often a waiting caller hears their place in line
	// (0: never).
	Announce time.Duration
	// Fallback is the static dial target used when routing fails (Redis down).
	Fallback string
	// Overflow is the loop that takes callers after MaxWait ("" for none).
	Overflow LoopID
	// Members is the resolved membership: named members and role holders, in
	// configuration order, without duplicates.
	Members []AgentID
}

// Overflow actions a loop may take after its maximum wait instead of another loop.
const (
	OverflowVoicemail LoopID = "voicemail" // the caller leaves a message
	OverflowCallback  LoopID = "callback"  // the caller is offered a call back
)

// IsOverflowAction reports whether id names an overflow action, not a loop.
func IsOverflowAction(id LoopID) bool { return id == OverflowVoicemail || id == OverflowCallback }

// Status is what an agent has set on their phone or what a supervisor set.
type Status string

// Statuses an agent can have. Only StatusAvailable receives queue calls.
const (
	StatusAvailable Status = "available"
	StatusBusy      Status = "busy"
	StatusAway      Status = "away"
	StatusLunch     Status = "lunch"
	StatusDND       Status = "dnd"
	StatusMeeting   Status = "meeting"
)

// Statuses lists every valid status in display order.
var Statuses = []Status{StatusAvailable, StatusBusy, StatusAway, StatusLunch, StatusDND, StatusMeeting}

// ParseStatus parses a status word, case-insensitively.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if strings.EqualFold(strings.TrimSpace(s), string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("%w %q (allowed: %s)", ErrInvalidStatus, s, joinStatuses())
}

func joinStatuses() string {
	parts := make([]string, len(Statuses))
	for i, s := range Statuses {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// LogoutReason is why an agent left the queue. The procedure allows logging out
// only for vacation, time off or leave.
type LogoutReason string

// The only logout reasons the procedure knows.
const (
	ReasonFerie     LogoutReason = "ferie"     // vacation
	ReasonFri       LogoutReason = "fri"       // time off
	ReasonPermisjon LogoutReason = "permisjon" // leave
)

// LogoutReasons lists the allowed reasons.
var LogoutReasons = []LogoutReason{ReasonFerie, ReasonFri, ReasonPermisjon}

// ParseLogoutReason parses a logout reason, case-insensitively.
func ParseLogoutReason(s string) (LogoutReason, error) {
	for _, r := range LogoutReasons {
		if strings.EqualFold(strings.TrimSpace(s), string(r)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("%w %q (allowed: ferie, fri, permisjon)", ErrInvalidReason, s)
}

// Source says which part of the system made a change; it is recorded in the audit stream.
type Source string

// Sources of state changes.
const (
	SourceCLI      Source = "cli"
	SourceAGI      Source = "agi"
	SourceESL      Source = "esl"
	SourceCalendar Source = "calendar"
	SourceSystem   Source = "system"
	// SourceFreeSWITCH: calls routed through FreeSWITCH's outbound event
	// socket (SourceAGI: Asterisk's FastAGI).
	SourceFreeSWITCH Source = "freeswitch"
)

// Actor is who made a change and through what.
type Actor struct {
	Source Source
	Name   string // supervisor's user name, call id, FreeSWITCH node …
}

func (a Actor) String() string { return string(a.Source) + ":" + a.Name }

// AgentState is the live state of one agent, as kept by the Store.
type AgentState struct {
	LoggedIn     bool
	LogoutReason LogoutReason
	LogoutUntil  time.Time // optional expected return date
	LogoutBy     string
	LogoutAt     time.Time

	Status      Status
	StatusSince time.Time
	StatusBy    string
	// StatusReason says why the system set the status ("no answer").
	StatusReason string

	OnCall      CallID // the call the agent is talking on ("" when none)
	OnCallSince time.Time
	DirectCall  bool // on a call that did not come through a loop
	Unreachable bool // the phone is not registered (from PBX events)

	ClaimedBy   CallID // the call ringing the agent ("" when none)
	ClaimExpiry time.Time

	IdleSince time.Time // when the agent last finished a call (or became ready)
	WrapUntil time.Time // no queue calls before this
}

// Claimed reports whether a live (unexpired) claim holds the agent at now.
func (s AgentState) Claimed(now time.Time) bool {
	return s.ClaimedBy != "" && now.Before(s.ClaimExpiry)
}

// Sentinel errors. Adapters translate them at their edge.
var (
	ErrNoAgentAvailable = errors.New("no agent available")
	ErrUnknownLoop      = errors.New("unknown loop")
	ErrUnknownAgent     = errors.New("unknown agent")
	ErrAmbiguousAgent   = errors.New("ambiguous agent name")
	ErrInvalidStatus    = errors.New("invalid status")
	ErrInvalidReason    = errors.New("invalid logout reason")
	ErrUnknownCall      = errors.New("unknown call")
	ErrStoreUnavailable = errors.New("presence store unavailable")
)
