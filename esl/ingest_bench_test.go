package esl

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
	"github.com/sentralbord/sentralbord/routing"
)

// benchEvents stamps n events of every kind the listener classifies for
// agents, as the fake node would send them.
func benchEvents(fake *esltest.Server, rng *rand.Rand, agents [][2]string, n int) [][]esltest.Header {
	out := make([][]esltest.Header, n)
	for i := range out {
		a := agents[rng.IntN(len(agents))]
		var ev esltest.Event
		switch rng.IntN(6) {
		case 0, 1:
			name := []string{"CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE"}[rng.IntN(4)]
			ev = esltest.Channel(name, fmt.Sprintf("u-%s-%d", a[0], rng.IntN(3)), a[1], "inbound")
		case 2:
			ev = esltest.Registration([]string{"sofia::register", "sofia::unregister"}[rng.IntN(2)], a[1], a[0]+"-reg")
		case 3:
			ev = esltest.Callcenter("agent-status-change", a[1]+"@default", []string{"Available", "On Break", "Logged Out"}[rng.IntN(3)])
		case 4:
			ev = esltest.Status(a[1], "status", string(routing.Statuses[rng.IntN(len(routing.Statuses))]))
		default:
			ev = esltest.Channel("CHANNEL_ANSWER", fmt.Sprintf("x-%d", i), "5550100", "outbound") // no agent's
		}
		out[i] = fake.Stamp(ev)
	}
	return out
}

// BenchmarkClassify measures what the listener does with each event frame
// on the connection's reader, Redis left out: parse and classify.
func BenchmarkClassify(b *testing.B) {
	fake := esltest.Start(b)
	_, r := newPresence(b)
	var bodies [][]byte
	for _, hs := range benchEvents(fake, rand.New(rand.NewPCG(1, 1)), testAgents, 1024) {
		f, err := ReadFrame(bufio.NewReader(bytes.NewReader(esltest.PlainFrame(hs))))
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, f.Body)
	}
	cls := &classifier{roster: r, node: "fs1", callcenter: true, logoutReason: routing.ReasonFri}
	p := &eventParser{keep: classified, names: map[string]headerName{}, headers: map[string]string{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := p.parse(bodies[i%len(bodies)])
		if err != nil {
			b.Fatal(err)
		}
		_ = cls.classify(e)
	}
}

// BenchmarkIngest measures events from the node's socket to Redis, final
// state written, through the whole listener against a real Redis; the fake
// node shares the process. Events are made first, then go out in chunks as
// fast as the listener reads them. With 5 agents most events of a batch are superseded by newer
// ones of the same channel; with 1,000 almost none are.
func BenchmarkIngest(b *testing.B) {
	for _, n := range []int{5, 1000} {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) { benchIngest(b, manyAgents(n)) })
	}
}

func benchIngest(b *testing.B, agents [][2]string) {
	fake := esltest.Start(b)
	store, r := newPresenceOf(b, agents)
	l, _ := run(b, fake, store, r, Node{Registrations: true, Callcenter: true}, Options{})
	waitSynced(b, l, 5*time.Second)
	rng := rand.New(rand.NewPCG(2, 2))
	var chunks [][]byte // made before the clock starts: the listener must not get ahead unmeasured
	for sent := 0; sent < b.N; sent += 256 {
		var buf []byte
		for _, hs := range benchEvents(fake, rng, agents, min(256, b.N-sent)) {
			buf = append(buf, esltest.PlainFrame(hs)...)
		}
		chunks = append(chunks, buf)
	}
	base := l.Statuses()[0].Received
	b.ResetTimer()
	for _, c := range chunks {
		fake.SendRaw(c)
	}
	for !settled(l, base+uint64(b.N)) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if s := l.Statuses()[0]; s.Failed != 0 {
		b.Fatalf("failed writes: %+v", s)
	}
}
