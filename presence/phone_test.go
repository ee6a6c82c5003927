package presence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/routing"
)

var fs1 = routing.Actor{Source: routing.SourceESL, Name: "fs1"}

// twoStores are stores of the same agents in two namespaces of one Redis.
func twoStores(t *testing.T, n int) (*Store, *Store, []routing.AgentID) {
	t.Helper()
	agents := make([]routing.Agent, n)
	ids := make([]routing.AgentID, n)
	for i := range agents {
		ids[i] = routing.AgentID(fmt.Sprintf("a%02d", i))
		agents[i] = routing.Agent{ID: ids[i], Name: string(ids[i])}
	}
	r, err := routing.NewRoster(agents, []routing.Loop{{ID: "1", Members: ids}})
	if err != nil {
		t.Fatal(err)
	}
	c := redistest.Start(t).Client(t)
	var out [2]*Store
	for i, ns := range []string{"one", "many"} {
		out[i] = New(c, ns, r)
		if err := out[i].Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1], ids
}

// TestPhoneBatchEndsAsOneAtATime: histories with logouts, statuses, calls
// and registrations, delivered in a shuffled order, end in the same state
// whether written one event at a time or in batches of any size.
func TestPhoneBatchEndsAsOneAtATime(t *testing.T) {
	one, many, ids := twoStores(t, 8)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	var seq uint64
	var evs []routing.PhoneEvent
	for range 3000 {
		seq++
		e := routing.PhoneEvent{Agent: ids[rng.IntN(len(ids))], At: routing.EventOrder{Core: "c", Seq: seq, Time: time.UnixMicro(int64(seq))}}
		switch rng.IntN(5) {
		case 0, 1:
			e.Fact, e.ID, e.Up = routing.PhoneCallFact, fmt.Sprintf("%s-ch%d", e.Agent, rng.IntN(3)), rng.IntN(2) == 0
		case 2:
			e.Fact, e.ID, e.Up = routing.PhoneRegFact, fmt.Sprintf("%s-reg%d", e.Agent, rng.IntN(2)), rng.IntN(2) == 0
		case 3:
			e.Fact, e.Change = routing.PhoneStatusFact, routing.PhoneChange{Status: routing.Statuses[rng.IntN(len(routing.Statuses))]}
		default:
			e.Fact = routing.PhoneStatusFact
			if rng.IntN(2) == 0 {
				e.Change.Logout = routing.LogoutReasons[rng.IntN(len(routing.LogoutReasons))]
			} else {
				e.Change.Login = true
			}
		}
		evs = append(evs, e)
	}
	// Mostly in order, some events swapped with a neighbour a few places on.
	for i := range evs {
		if j := i + rng.IntN(4); j < len(evs) && rng.IntN(3) == 0 {
			evs[i], evs[j] = evs[j], evs[i]
		}
	}
	for _, e := range evs {
		if _, err := one.PhoneBatch(ctx, []routing.PhoneEvent{e}, fs1); err != nil {
			t.Fatal(err)
		}
	}
	var total routing.PhoneBatchResult
	for rest := evs; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(600))
		r, err := many.PhoneBatch(ctx, rest[:n], fs1)
		if err != nil {
			t.Fatal(err)
		}
		total.Applied, total.Stale, total.Superseded = total.Applied+r.Applied, total.Stale+r.Stale, total.Superseded+r.Superseded
		rest = rest[n:]
	}
	if total.Applied+total.Stale+total.Superseded != len(evs) || total.Superseded == 0 || total.Stale == 0 {
		t.Errorf("batches counted %+v of %d events", total, len(evs))
	}
	a, _ := one.States(ctx, ids)
	b, _ := many.States(ctx, ids)
	for _, id := range ids {
		x, y := a[id], b[id]
		if x.LoggedIn != y.LoggedIn || x.LogoutReason != y.LogoutReason || x.Status != y.Status ||
			x.DirectCall != y.DirectCall || x.Unreachable != y.Unreachable {
			t.Errorf("%s: one at a time %+v\nin batches %+v", id, x, y)
		}
	}
}

// TestPhoneBatchAuditsWhatChanged: a call that starts and ends within one
// batch leaves the agent as it was and the audit stream without it; every
// status is audited.
func TestPhoneBatchAuditsWhatChanged(t *testing.T) {
	s, _, ids := twoStores(t, 1)
	ctx := context.Background()
	at := func(seq uint64) routing.EventOrder { return routing.EventOrder{Core: "c", Seq: seq} }
	batch := []routing.PhoneEvent{
		{Agent: ids[0], Fact: routing.PhoneCallFact, ID: "ch", Up: true, At: at(1)},
		{Agent: ids[0], Fact: routing.PhoneStatusFact, Change: routing.PhoneChange{Status: routing.StatusLunch}, At: at(2)},
		{Agent: ids[0], Fact: routing.PhoneStatusFact, Change: routing.PhoneChange{Status: routing.StatusAvailable}, At: at(3)},
		{Agent: ids[0], Fact: routing.PhoneCallFact, ID: "ch", Up: false, At: at(4)},
	}
	r, err := s.PhoneBatch(ctx, batch, fs1)
	if err != nil || r.Applied != 3 || r.Superseded != 1 || r.Changed != 1 {
		t.Fatalf("result %+v, %v", r, err)
	}
	es, err := s.Audit(ctx, ids[0], 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Event+" "+e.Detail)
	}
	if fmt.Sprint(got) != "[status available status lunch]" {
		t.Errorf("audit %q, want the two statuses only", got)
	}
}

func TestPhoneEventOlderThanTheRecordedOneIsStale(t *testing.T) {
	s, _, ids := twoStores(t, 1)
	ctx := context.Background()
	up := routing.PhoneEvent{Agent: ids[0], Fact: routing.PhoneCallFact, ID: "ch", Up: true, At: routing.EventOrder{Core: "c", Seq: 5}}
	down := up
	down.Up, down.At.Seq = false, 4
	if _, err := s.PhoneBatch(ctx, []routing.PhoneEvent{up}, fs1); err != nil {
		t.Fatal(err)
	}
	r, err := s.PhoneBatch(ctx, []routing.PhoneEvent{down}, fs1)
	if err != nil || r.Stale != 1 || r.Applied != 0 {
		t.Fatalf("late hangup: %+v, %v", r, err)
	}
	if st, _ := s.States(ctx, ids); !st[ids[0]].DirectCall {
		t.Error("a hangup older than the answer ended the call")
	}
}

// TestDirectCallWhoseHangupNeverCameEndsAtResync: a channel counts until it
// has outlived the longest call; any node's resynchronisation drops it then.
func TestDirectCallWhoseHangupNeverCameEndsAtResync(t *testing.T) {
	s, _, ids := twoStores(t, 1)
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s.Now, s.MaxCall = func() time.Time { return now }, time.Hour
	if _, err := s.PhoneCall(ctx, ids[0], "lost", true, routing.EventOrder{Core: "c", Seq: 1}, fs1); err != nil {
		t.Fatal(err)
	}
	other := routing.Actor{Source: routing.SourceESL, Name: "fs2"}
	resync := func() bool {
		t.Helper()
		if err := s.PhoneResync(ctx, "fs2", []routing.PhoneSnapshot{{Agent: ids[0]}}, other); err != nil {
			t.Fatal(err)
		}
		st, _ := s.States(ctx, ids)
		return st[ids[0]].DirectCall
	}
	if !resync() {
		t.Fatal("another node's resync ended fs1's call")
	}
	now = now.Add(61 * time.Minute)
	if resync() {
		t.Fatal("a call older than the longest call still counts after a resync")
	}
}
