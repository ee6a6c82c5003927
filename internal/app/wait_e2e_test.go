package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/routing"
)

// noWrapConfig is testConfig without wrap-up, so a freed agent takes the
// next caller at once.
var noWrapConfig = strings.ReplaceAll(testConfig, "wrap_up: 1s", "wrap_up: 0s")

func TestPhoneInUseIsNotOffered(t *testing.T) {
	s := startWith(t, noWrapConfig)
	s.setEach(routing.StatusLunch, "cato", "dina", "emil")
	// Anna (longest idle) is on a direct call; Asterisk knows, Redis does not.
	call := agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: s.callID(), CallerID: "40000001",
		Vars: map[string]string{"DEVICE_STATE(PJSIP/2101)": "INUSE", "DEVICE_STATE(PJSIP/2102)": "NOT_INUSE"}}
	v := s.request(call)
	if v["SB_RESULT"] != "ok" || v["SB_AGENT"] != "bente" {
		t.Fatalf("got %v, want bente (anna's phone is in use)", v)
	}
	if st := s.state("anna"); st.ClaimedBy != "" {
		t.Fatalf("anna still claimed: %+v", st)
	}
	// Another call whose Asterisk sees anna's phone free gets her.
	if v := s.route(s.callID(), "1", "40000002"); v["SB_AGENT"] != "anna" {
		t.Fatalf("next call got %v, want anna", v)
	}
}

// announceConfig is noWrapConfig with loop 1 telling waiting callers their
// place in line every second.
var announceConfig = strings.Replace(noWrapConfig, "wrap_up: 0s,\n     members: [anna", "wrap_up: 0s, announce: 1s,\n     members: [anna", 1)

func TestWaitingCallerHearsTheirPlaceInLine(t *testing.T) {
	s := startWith(t, announceConfig)
	s.setEach(routing.StatusLunch, "anna", "bente", "cato", "dina", "emil")
	c := &agitest.Client{Call: agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: s.callID(), CallerID: "40000001"}}
	freed := make(chan error, 1)
	go func() {
		until(5*time.Second, func() bool { return len(s.waiting("1")) > 0 })
		time.Sleep(1300 * time.Millisecond) // one announcement
		_, err := s.store.SetStatus(context.Background(), "anna", routing.StatusAvailable, routing.Actor{Source: routing.SourceCLI, Name: "test"})
		freed <- err
	}()
	defer func() {
		if err := <-freed; err != nil {
			t.Error(err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Run(ctx, s.addr)
	if err != nil || res.Vars["SB_RESULT"] != "ok" || res.Vars["SB_WAITED"] != "1" {
		t.Fatalf("vars %v err %v", res.Vars, err)
	}
	got := strings.Join(res.Commands, "\n")
	want := "SET MUSIC OFF\nEXEC Playback sentralbord/plass-i-ko\nEXEC SayNumber 1\nSET MUSIC ON default"
	if !strings.Contains(got, want) {
		t.Fatalf("no announcement in the session:\n%s", got)
	}
	if strings.LastIndex(got, "SET MUSIC ON") > strings.LastIndex(got, "SET MUSIC OFF") {
		t.Fatalf("music left on after the wait:\n%s", got)
	}
}
