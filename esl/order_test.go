package esl

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
)

// script is a random history of calls and registrations for the test agents,
// with the state it must end in when applied in order.
type script struct {
	events []esltest.Event
	direct map[string]bool // agent id -> on a call at the end
	reach  map[string]bool // agent id -> registered at the end
}

func randomScript(rng *rand.Rand, round, n int, up, reg map[string]map[string]bool) script {
	s := script{direct: map[string]bool{}, reach: map[string]bool{}}
	for i := 0; i < n; i++ {
		a := testAgents[rng.IntN(len(testAgents))]
		id, ext := a[0], a[1]
		if up[id] == nil {
			up[id] = map[string]bool{}
		}
		if reg[id] == nil {
			reg[id] = map[string]bool{}
		}
		switch rng.IntN(4) {
		case 0, 1: // a call: answer, maybe bridge, then maybe hangup
			ch := fmt.Sprintf("r%d-%s-%d", round, id, rng.IntN(3))
			name := []string{"CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_HANGUP_COMPLETE"}[rng.IntN(4)]
			s.events = append(s.events, esltest.Channel(name, ch, ext, "inbound"))
			up[id][ch] = name != "CHANNEL_HANGUP_COMPLETE"
		default:
			c := fmt.Sprintf("%s-reg-%d", id, rng.IntN(2))
			sub := []string{"sofia::register", "sofia::unregister", "sofia::expire"}[rng.IntN(3)]
			s.events = append(s.events, esltest.Registration(sub, ext, c))
			reg[id][c] = sub == "sofia::register"
		}
	}
	for _, a := range testAgents {
		for _, v := range up[a[0]] {
			s.direct[a[0]] = s.direct[a[0]] || v
		}
		for _, v := range reg[a[0]] {
			s.reach[a[0]] = s.reach[a[0]] || v
		}
	}
	return s
}

// TestShuffledDeliveriesEndInTheRightState stamps histories in order, then
// delivers them shuffled: 10 rounds of 1,000 events.
func TestShuffledDeliveriesEndInTheRightState(t *testing.T) {
	fake := esltest.Start(t)
	store, r := newPresence(t)
	l, _ := run(t, fake, store, r, Node{Registrations: true}, Options{})
	waitSynced(t, l, 5*time.Second)
	rng := rand.New(rand.NewPCG(4, 2026))
	reg, up := map[string]map[string]bool{}, map[string]map[string]bool{}
	sent := uint64(0)
	for round := 0; round < 10; round++ {
		sc := randomScript(rng, round, 1000, up, reg)
		stamped := make([][]esltest.Header, len(sc.events))
		for i, ev := range sc.events {
			stamped[i] = fake.Stamp(ev)
		}
		rng.Shuffle(len(stamped), func(i, j int) { stamped[i], stamped[j] = stamped[j], stamped[i] })
		for _, hs := range stamped {
			fake.Send(hs)
		}
		sent += uint64(len(stamped))
		eventually(t, 20*time.Second, "all events applied", func() bool { return settled(l, sent) })
		for _, a := range testAgents {
			st := state(t, store, a[0])
			if st.DirectCall != sc.direct[a[0]] || st.Unreachable == sc.reach[a[0]] {
				t.Fatalf("round %d, %s: direct=%v unreachable=%v; want direct=%v reachable=%v",
					round, a[0], st.DirectCall, st.Unreachable, sc.direct[a[0]], sc.reach[a[0]])
			}
		}
	}
	if s := l.Statuses()[0]; s.Failed != 0 {
		t.Fatalf("failed applies: %+v", s)
	}
}

// TestIngestRate measures events per second from the socket to Redis with
// the final state checked (go test -run IngestRate -v).
func TestIngestRate(t *testing.T) {
	if testing.Short() {
		t.Skip("measurement")
	}
	fake := esltest.Start(t)
	store, r := newPresence(t)
	l, _ := run(t, fake, store, r, Node{Registrations: true}, Options{})
	waitSynced(t, l, 5*time.Second)
	rng := rand.New(rand.NewPCG(7, 7))
	sc := randomScript(rng, 0, 20000, map[string]map[string]bool{}, map[string]map[string]bool{})
	stamped := make([][]esltest.Header, len(sc.events))
	for i, ev := range sc.events {
		stamped[i] = fake.Stamp(ev)
	}
	start := time.Now()
	for _, hs := range stamped {
		fake.Send(hs)
	}
	eventually(t, 60*time.Second, "all applied", func() bool { return settled(l, uint64(len(stamped))) })
	took := time.Since(start)
	for _, a := range testAgents {
		st := state(t, store, a[0])
		if st.DirectCall != sc.direct[a[0]] || st.Unreachable == sc.reach[a[0]] {
			t.Fatalf("%s: wrong final state %+v", a[0], st)
		}
	}
	t.Logf("%d events in %s: %.0f events/s with correct final state", len(stamped), took.Round(time.Millisecond),
		float64(len(stamped))/took.Seconds())
}

func TestReconnectResynchronises(t *testing.T) {
	fake := esltest.Start(t)
	for _, a := range testAgents {
		fake.SetRegistration(a[1], a[0]+"-reg")
	}
	store, r := newPresence(t)
	l, _ := run(t, fake, store, r, Node{Registrations: true}, Options{})
	waitSynced(t, l, 5*time.Second)
	fake.SetChannel("u-anna", "2101", "inbound")
	fake.SetChannel("u-bjorn", "2102", "outbound")
	fake.Fire(esltest.Channel("CHANNEL_ANSWER", "u-anna", "2101", "inbound"))
	fake.Fire(esltest.Channel("CHANNEL_ANSWER", "u-bjorn", "2102", "outbound"))
	eventually(t, 3*time.Second, "both on calls", func() bool {
		return state(t, store, "anna").DirectCall && state(t, store, "bjorn").DirectCall
	})

	fake.Kill() // mid-stream: no notice
	eventually(t, 3*time.Second, "loss noticed", func() bool { return !l.Statuses()[0].Connected })
	// While the link is down: anna's call ends, cato answers one, dina's phone unregisters.
	fake.DropChannel("u-anna")
	fake.SetChannel("u-cato", "2103", "inbound")
	fake.DropRegistration("dina-reg")
	time.Sleep(300 * time.Millisecond)
	restarted := time.Now()
	fake.Restart()
	eventually(t, 5*time.Second, "reconnected", func() bool {
		s := l.Statuses()[0]
		return s.Connected && s.ConnectedAt.After(restarted)
	})
	took := time.Since(restarted)
	for id, want := range map[string][2]bool{"anna": {false, false}, "bjorn": {true, false}, "cato": {true, false}, "dina": {false, true}} {
		st := state(t, store, id)
		if st.DirectCall != want[0] || st.Unreachable != want[1] {
			t.Errorf("%s after reconnect: direct=%v unreachable=%v, want %v", id, st.DirectCall, st.Unreachable, want)
		}
	}
	// The restarted node numbers its events from the start again: they still apply.
	fake.Fire(esltest.Channel("CHANNEL_HANGUP_COMPLETE", "u-bjorn", "2102", "outbound"))
	eventually(t, 3*time.Second, "bjorn freed by the new process's event", func() bool { return !state(t, store, "bjorn").DirectCall })
	t.Logf("reconnected and resynchronised %s after the node came back (%s inside the listener)", took.Round(time.Millisecond), l.Statuses()[0].ReconnectTook.Round(time.Millisecond))
}
