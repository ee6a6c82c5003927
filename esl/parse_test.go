package esl

import (
	"bufio"
	"bytes"
	"reflect"
	"testing"

	"github.com/sentralbord/sentralbord/esl/esltest"
)

// builtBodies are the event bodies the fake node sends, for the agents of
// fuzzRoster, one of each kind the listener classifies.
func builtBodies() [][]byte {
	evs := []esltest.Event{
		esltest.Channel("CHANNEL_ANSWER", "u-1", "1000", "inbound"),
		esltest.Channel("CHANNEL_HANGUP_COMPLETE", "u-1", "1000", "outbound"),
		esltest.Registration("sofia::register", "1000", "c-1"),
		esltest.Registration("sofia::expire", "9001", "c-2"),
		esltest.Callcenter("agent-status-change", "1000@default", "On Break"),
		esltest.Callcenter("agent-state-change", "1000@default", "In a queue call"),
		esltest.Status("1000", "logout", "ferie"),
		esltest.Status("9001", "status", "lunch"),
	}
	var out [][]byte
	for i, ev := range evs {
		hs := append([]esltest.Header{{Name: "Event-Name", Value: ev.Name}, {Name: "Event-Subclass", Value: ev.Subclass},
			{Name: "Core-UUID", Value: "core"}, {Name: "Event-Sequence", Value: string(rune('1' + i))},
			{Name: "Variable_sb_agent", Value: ""}}, ev.Headers...)
		f := esltest.PlainFrame(hs)
		fr, err := ReadFrame(bufioReader(f))
		if err != nil {
			panic(err)
		}
		out = append(out, fr.Body)
	}
	return out
}

// TestListenerParsesWhatClassifyReads: the listener's parser keeps only the
// headers in classified; every event classifies as with all headers.
func TestListenerParsesWhatClassifyReads(t *testing.T) {
	cls := &classifier{roster: fuzzRoster, node: "fs1", callcenter: true}
	for i, b := range builtBodies() {
		if e, _ := ParsePlainEvent(b); cls.classify(e).Fact == 0 {
			t.Fatalf("built event %d concerns no agent: %+v", i, e.Headers)
		}
	}
	bodies := append(eventBodies(t, TypeEventPlain), builtBodies()...)
	for i, b := range bodies {
		if !classifiesAlike(b) {
			t.Errorf("event %d classifies differently with only the classified headers", i)
		}
	}
}

func TestListenerParsesWhatClassifyReadsInJSON(t *testing.T) {
	bodies := eventBodies(t, TypeEventJSON)
	for _, b := range builtBodies() {
		e, _ := ParsePlainEvent(b)
		var hs []esltest.Header
		for k, v := range e.Headers {
			hs = append(hs, esltest.Header{Name: k, Value: v})
		}
		f, err := ReadFrame(bufioReader(esltest.JSONFrame(hs)))
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, f.Body)
	}
	cls := &classifier{roster: fuzzRoster, node: "fs1", callcenter: true}
	p := &eventParser{keep: classified, names: map[string]headerName{}, headers: map[string]string{}}
	for i, b := range bodies {
		all, err := ParseJSONEvent(b)
		if err != nil {
			t.Fatal(err)
		}
		want := cls.classify(all)
		some, err := p.parseJSON(b)
		if err != nil || !reflect.DeepEqual(cls.classify(some), want) {
			t.Errorf("event %d classifies differently with only the classified headers: %v", i, err)
		}
	}
}

// classifiesAlike reports whether body classifies the same whether parsed
// whole or as the listener parses it.
func classifiesAlike(body []byte) bool {
	all, err := ParsePlainEvent(body)
	if err != nil {
		return true
	}
	p := &eventParser{keep: classified, names: map[string]headerName{}}
	some, err := p.parse(body)
	if err != nil {
		return false
	}
	cls := &classifier{roster: fuzzRoster, node: "fs1", callcenter: true}
	return reflect.DeepEqual(cls.classify(all), cls.classify(some)) && all.Order() == some.Order()
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
