package esl

import (
	"sync"

	"github.com/sentralbord/sentralbord/routing"
)

// facts remembers, for one connection, the last change queued for each
// channel and registration, so that an event that would change nothing —
// a bridge after its answer, a hangup-complete after its hangup, a
// registration refreshed — or that is older than one already queued never
// costs Redis a script step. The store still checks the order of what it
// gets; this only spares it the events it would find stale or idle.
//
// Skipping an idle event leaves the store with the order of the event
// before it, so an even older event could pass the store's check: facts
// keeps the newer order and stops it here. What facts holds is true only
// while the store holds what was queued, so it is emptied when the store
// is told something else (a resynchronisation) or may not have written a
// batch (a failed write). It holds two generations of facts: when the
// newer fills up, the older is dropped, so the facts in use stay and the
// memory is bounded.
type facts struct {
	mu       sync.Mutex
	now, old map[factKey]factState
}

type factKey struct {
	fact  routing.PhoneFact
	agent routing.AgentID
	id    string
}

type factState struct {
	up bool
	at routing.EventOrder
}

// maxFacts bounds the memory: some 120 bytes a fact, in two generations.
const maxFacts = 64 * 1024

// admit reports whether e should be queued, and remembers its order when
// it is newer than the one remembered. Statuses always are: the CLI and
// AGI change them too.
func (f *facts) admit(e routing.PhoneEvent) bool {
	if e.Fact == routing.PhoneStatusFact || e.At.Zero() {
		return true
	}
	k := factKey{e.Fact, e.Agent, e.ID}
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.now[k]
	if !ok {
		old, ok = f.old[k]
	}
	admit := true
	if ok {
		if !e.At.After(old.at) {
			return false // stale: the store would ignore it
		}
		admit = old.up != e.Up // idle, but newer: later events are checked against it
	}
	if f.now == nil || len(f.now) >= maxFacts/2 {
		f.now, f.old = make(map[factKey]factState, 1024), f.now
	}
	f.now[k] = factState{e.Up, e.At}
	return admit
}

// forget empties the memory: the store may not hold what was queued.
func (f *facts) forget() {
	f.mu.Lock()
	f.now, f.old = nil, nil
	f.mu.Unlock()
}
