package app_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/members"
)

// importDemo loads the shipped demo directory into the system's Redis.
func importDemo(t *testing.T, s *system) []members.Record {
	t.Helper()
	f, err := os.Open("../../examples/members-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := members.ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := members.NewHasher([]byte("e2e-member-key-0123456789"))
	list := make([]members.Member, len(recs))
	for i, r := range recs {
		if list[i], err = h.Member(r); err != nil {
			t.Fatal(err)
		}
	}
	d := members.NewDirectory(s.redis.Client(t), "e2e")
	if _, _, err := d.Import(context.Background(), list, false); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRouteShowsTheMembersName(t *testing.T) {
	s := start(t)
	recs := importDemo(t, s)
	tests := []struct {
		name, caller, language, want string // the fake Asterisk defaults to "en"
	}{
		{"one member's number", "01000001", "no", "Kari Nordmann"},
		{"number in international form", "+4701000009", "no", "Solveig Nordmann"},
		{"number of two members", "01000007", "no", members.SeveralMembers},
		{"English caller", "01000001", "en", "(EN) Kari Nordmann"},
		{"not a member", "01009999", "no", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			call := s.callID()
			v := s.request(agitest.Call{Request: "route", Args: []string{"1"}, UniqueID: call, CallerID: tt.caller, Language: tt.language})
			if v["SB_RESULT"] != "ok" || v["SB_CALLERID_NAME"] != tt.want {
				t.Fatalf("route: SB_CALLERID_NAME %q, want %q (vars %v)", v["SB_CALLERID_NAME"], tt.want, v)
			}
			s.hangup(call)
		})
	}
	logs := s.log.String()
	for _, r := range recs {
		if len(r.Fnr) == 11 && strings.Contains(logs, r.Fnr) {
			t.Fatalf("the fødselsnummer of member %s reached the log", r.No)
		}
	}
}
