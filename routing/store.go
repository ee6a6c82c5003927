package routing

import (
	"context"
	"time"
)

// Store keeps agent state and performs the atomic steps of a call. The presence
// package implements it on Redis; every method that changes more than one
// thing does so atomically and appends to the audit stream.
type Store interface {
	// ClaimLongestIdle claims, across every loop the agent belongs to, the
	// agent of req.Loop who has been idle the longest and is eligible by state
	// (logged in, available, not on a call, not claimed, out of wrap-up, not
	// excluded and not already tried on this call). It returns
	// ErrNoAgentAvailable when nobody is.
	ClaimLongestIdle(ctx context.Context, req ClaimRequest) (Claim, error)
	// Unclaim drops the claim a call holds on an agent without touching the
	// idle clock; see UnclaimRequest.
	Unclaim(ctx context.Context, req UnclaimRequest) error
	// Answer turns call's claim on agent into "on call".
	Answer(ctx context.Context, call CallID, agent AgentID, actor Actor) error
	// EndCall releases whatever call holds: an answered call puts its agent
	// into wrap-up and restarts the idle clock; an open claim is dropped.
	// It returns the agent that was released ("" when none).
	EndCall(ctx context.Context, call CallID, actor Actor) (AgentID, error)

	// Login, Logout and SetStatus report whether anything changed, so verbs
	// can be idempotent.
	Login(ctx context.Context, agent AgentID, actor Actor) (bool, error)
	Logout(ctx context.Context, agent AgentID, reason LogoutReason, until time.Time, actor Actor) (bool, error)
	SetStatus(ctx context.Context, agent AgentID, status Status, actor Actor) (bool, error)

	// States returns the state of each agent; agents never seen get the
	// default state (logged in, available).
	States(ctx context.Context, agents []AgentID) (map[AgentID]AgentState, error)
}

// ClaimRequest asks the store to claim an agent of a loop for a call.
type ClaimRequest struct {
	Call    CallID
	Loop    LoopID
	Exclude []AgentID
	// TTL is how long the claim lives without an answer; it covers the ring
	// timeout plus a margin so a vanished call never holds an agent.
	TTL time.Duration
	// WrapUp is recorded on the call and applied when it ends.
	WrapUp time.Duration
	Actor  Actor
	// Enqueue puts the call in the loop's waiting line when nobody is free
	// (or keeps it there, renewing its Lease).
	Enqueue bool
	Lease   time.Duration
	// Arrival keeps a caller's place when they move to this loop from
	// another one; zero means now (or the place the call already holds).
	Arrival time.Time
	// Read names a hash of the store to read along with the claim (a
	// ClaimReader's), so a lookup the decision needs costs no request of
	// its own; "" reads nothing.
	Read string
}

// UnclaimRequest frees an agent a call had claimed.
type UnclaimRequest struct {
	Call  CallID
	Agent AgentID
	// Tried remembers the agent as tried for this call (they rang); false
	// for routing's own rejections (calendar, phone state).
	Tried bool
	// Status is how ringing them ended. After MaxNoAnswer NOANSWERs in a
	// row the agent is set away (0: never).
	Status      DialStatus
	MaxNoAnswer int
	Actor       Actor
}

// Claim is an agent held for a call, or the call's place in line.
type Claim struct {
	Agent  AgentID // "" when the call waits in line
	Call   CallID
	Expiry time.Time
	// Position is the call's place in its loop's line (1 = next) when it
	// waits; 0 otherwise. Arrival is when it joined the line (kept across
	// retries and overflows).
	Position int
	Arrival  time.Time
	// Read is the hash ClaimRequest.Read named (empty when it does not
	// exist). It comes with ErrNoAgentAvailable too. ReadErr says why it
	// could not be read; the claim stands.
	Read    map[string]string
	ReadErr error
}

// ClaimReader is a Store whose ClaimLongestIdle reads ClaimRequest.Read.
type ClaimReader interface {
	Store
	ReadsWithClaim() bool
}

// Line is the waiting line's side that is not a claim: leaving it, and
// being woken when an agent of a loop may have become free.
type Line interface {
	// Leave takes call out of loop's line and returns when it arrived; ok
	// is false when it was not in line. The audit entry names actor: the
	// call, with the adapter it came through.
	Leave(ctx context.Context, call CallID, loop LoopID, why string, actor Actor) (arrival time.Time, ok bool, err error)
	// Join registers a waiting call for wake-ups and keeps its place alive
	// while the session lasts; the returned Waiting must be stopped.
	Join(call CallID, loop LoopID, arrival time.Time) Waiting
}

// Waiting is one call's registration in the Line.
type Waiting interface {
	// Wake receives when an agent of the loop may be free.
	Wake() <-chan struct{}
	Stop()
}

// Calendar tells whether an agent is busy in their calendar at a moment.
type Calendar interface {
	BusyAt(ctx context.Context, agent AgentID, at time.Time) (Busy, error)
}

// Busy describes a calendar entry that makes an agent unavailable.
type Busy struct {
	Busy  bool
	Until time.Time
	What  string // subject or free/busy word, never personal data
}

// Reachability tells whether an agent's phone can ring (registered, not in use).
type Reachability interface {
	Reachable(ctx context.Context, agent AgentID) (bool, error)
}

// NoCalendar is a Calendar in which nobody is ever busy.
type NoCalendar struct{}

// BusyAt implements Calendar.
func (NoCalendar) BusyAt(context.Context, AgentID, time.Time) (Busy, error) { return Busy{}, nil }

// AlwaysReachable is a Reachability in which every phone can ring.
type AlwaysReachable struct{}

// Reachable implements Reachability.
func (AlwaysReachable) Reachable(context.Context, AgentID) (bool, error) { return true, nil }

// Directory tells who is calling, for the name the agent sees.
type Directory interface {
	// CallerName returns the name to show for a calling number: the
	// member's name when exactly one member has the number, a neutral label
	// when several do, "" when none. Never a national identity number.
	CallerName(ctx context.Context, number string) (string, error)
}

// DirectoryStarter is a Directory that can start a lookup and be asked for
// its answer later, so the lookup rides along with the claim without a
// goroutine of its own.
type DirectoryStarter interface {
	Directory
	// StartCallerName starts CallerName's lookup; the function returned
	// gives its answer, waiting for it if need be.
	StartCallerName(ctx context.Context, number string) func() (string, error)
}

// KeyedDirectory is a Directory whose lookup is one hash of the Store: a
// ClaimReader's claim reads it on the way (ClaimRequest.Read).
type KeyedDirectory interface {
	Directory
	// CallerNameKey is the hash CallerName reads for number; false when
	// number cannot be anyone's (withheld, foreign, internal).
	CallerNameKey(number string) (key string, ok bool)
	// CallerNameIn is CallerName's answer from that hash.
	CallerNameIn(fields map[string]string) string
}

// NoDirectory knows nobody.
type NoDirectory struct{}

// CallerName implements Directory.
func (NoDirectory) CallerName(context.Context, string) (string, error) { return "", nil }
