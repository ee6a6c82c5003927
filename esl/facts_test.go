package esl

import (
	"fmt"
	"testing"

	"github.com/sentralbord/sentralbord/routing"
)

func TestFactsAdmitOnlyWhatCanChangeTheStore(t *testing.T) {
	call := func(seq uint64, up bool) routing.PhoneEvent {
		return routing.PhoneEvent{Agent: "anna", Fact: routing.PhoneCallFact, ID: "u-1", Up: up, At: routing.EventOrder{Core: "c", Seq: seq}}
	}
	var f facts
	for _, c := range []struct {
		name string
		e    routing.PhoneEvent
		want bool
	}{
		{"the first answer", call(10, true), true},
		{"a bridge after it changes nothing", call(11, true), false},
		{"a hangup older than the bridge is stale", call(10, false), false},
		{"the hangup", call(12, false), true},
		{"hangup-complete changes nothing", call(13, false), false},
		{"an answer older than the hangup is stale", call(11, true), false},
		{"a status always goes", routing.PhoneEvent{Agent: "anna", Fact: routing.PhoneStatusFact, At: routing.EventOrder{Core: "c", Seq: 1}}, true},
		{"an event without order always goes", routing.PhoneEvent{Agent: "anna", Fact: routing.PhoneCallFact, ID: "u-1"}, true},
		{"another agent's channel is another fact", routing.PhoneEvent{Agent: "bjorn", Fact: routing.PhoneCallFact, ID: "u-1", At: routing.EventOrder{Core: "c", Seq: 1}}, true},
	} {
		if got := f.admit(c.e); got != c.want {
			t.Errorf("%s: admitted %v, want %v", c.name, got, c.want)
		}
	}
	f.forget()
	if !f.admit(call(13, false)) {
		t.Error("after forget, an idle event must go to the store, which decides")
	}
}

func TestFactsKeepTheRecentGenerations(t *testing.T) {
	var f facts
	reg := func(i int, seq uint64) routing.PhoneEvent {
		return routing.PhoneEvent{Agent: "anna", Fact: routing.PhoneRegFact, ID: fmt.Sprint(i), Up: true, At: routing.EventOrder{Core: "c", Seq: seq}}
	}
	for i := range maxFacts / 2 {
		f.admit(reg(i, 10))
	}
	f.admit(reg(-1, 10)) // a new generation starts
	if f.admit(reg(0, 11)) {
		t.Error("a fact of the older generation was forgotten")
	}
	for i := range maxFacts {
		f.admit(reg(maxFacts+i, 10))
	}
	if !f.admit(reg(1, 12)) {
		t.Error("a fact two generations old is still remembered")
	}
}
