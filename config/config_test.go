package config

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

const example = "../examples/sentralbord.yaml"

func loadExample(t *testing.T) *Config {
	t.Helper()
	cfg, err := Load(example)
	if err != nil {
		t.Fatalf("example does not load:\n%v", err)
	}
	return cfg
}

func ids(s ...string) []routing.AgentID {
	out := make([]routing.AgentID, len(s))
	for i, id := range s {
		out[i] = routing.AgentID(id)
	}
	return out
}

func TestExampleReproducesTheProcedure(t *testing.T) {
	cfg := loadExample(t)
	r := cfg.Roster()
	for _, tc := range []struct {
		digit, id, name, tag string
		members              []routing.AgentID
	}{
		{"1", "1", "Forsikring og faktura", "111", ids("may-tove", "janet", "annicke", "rita", "jenny", "serwa",
			"denisa", "elina", "bente", "beate", "shabir", "lisa")},
		{"2", "2", "Lønns- og arbeidsspørsmål", "222", ids("kari", "ola", "ingrid", "knut", "nina", "lars", "silje",
			"bjorn", "geir", "hilde", "per", "solveig", "astrid", "tor", "marit", "erik")},
		{"3", "3", "Andre henvendelser", "333", ids("mette-k", "lill", "ann-kristin", "liv", "rose-thuy", "gunn")},
	} {
		l, ok := r.LoopByDigit(tc.digit)
		if !ok {
			t.Fatalf("no loop on digit %s", tc.digit)
		}
		if string(l.ID) != tc.id || l.Name != tc.name || l.Tag != tc.tag || l.Overflow != "sentralbord" {
			t.Errorf("digit %s: loop %s %q tag %s overflow %s", tc.digit, l.ID, l.Name, l.Tag, l.Overflow)
		}
		if !slices.Equal(l.Members, tc.members) {
			t.Errorf("loop %s members:\n got %v\nwant %v", l.ID, l.Members, tc.members)
		}
	}
	if cfg.Switchboard != "sentralbord" || cfg.EnglishKey != "9" {
		t.Errorf("switchboard %q on english key %q", cfg.Switchboard, cfg.EnglishKey)
	}
	sb, _ := r.Loop(cfg.Switchboard)
	if want := ids("mette-k", "lill", "ann-kristin", "liv", "rose-thuy", "gunn"); !slices.Equal(sb.Members, want) {
		t.Errorf("switchboard members = %v, want %v", sb.Members, want)
	}
	if sb.Digit != "" || sb.Fallback != "PJSIP/2301&PJSIP/2302" || sb.MaxWait != 5*time.Minute {
		t.Errorf("switchboard loop = %+v", sb)
	}
}

func TestExampleLoop2ComesFromRoles(t *testing.T) {
	l, _ := loadExample(t).Loop("2")
	if want := []string{"ds", "org-arbeider", "saksbehandler", "anleggssekretaer"}; !slices.Equal(l.Roles, want) {
		t.Errorf("roles = %v, want %v", l.Roles, want)
	}
	got := map[routing.AgentID][]string{}
	for _, m := range l.Membership {
		if m.ByName {
			t.Errorf("%s is listed by name; loop 2 is by role only", m.Agent)
		}
		got[m.Agent] = m.Roles
	}
	for agent, want := range map[routing.AgentID][]string{
		"kari":   {"ds"},
		"ingrid": {"ds", "saksbehandler"},
		"bjorn":  {"org-arbeider", "anleggssekretaer"},
		"hilde":  {"saksbehandler"},
		"erik":   {"anleggssekretaer"},
	} {
		if !slices.Equal(got[agent], want) {
			t.Errorf("%s came in through %v, want %v", agent, got[agent], want)
		}
	}
	if len(l.Membership) != len(l.Members) {
		t.Errorf("%d memberships for %d members", len(l.Membership), len(l.Members))
	}
}

func TestExampleDefaults(t *testing.T) {
	cfg := loadExample(t)
	l, _ := cfg.Loop("2")
	if l.RingTimeout != 20*time.Second || l.WrapUp != 15*time.Second || l.MaxWait != 3*time.Minute {
		t.Errorf("loop 2 durations %v %v %v, want the defaults", l.RingTimeout, l.WrapUp, l.MaxWait)
	}
	if !strings.HasPrefix(l.Fallback, "PJSIP/2201&PJSIP/2202&PJSIP/2203&") || strings.Count(l.Fallback, "&") != 15 {
		t.Errorf("loop 2 fallback = %q, want all 16 members' phones", l.Fallback)
	}
	a, err := cfg.Roster().FindAgent("may tove")
	if err != nil || a.ID != "may-tove" || a.AsteriskDial != "PJSIP/2101" || a.FreeSWITCHDial != "user/2101" {
		t.Errorf("May Tove = %+v, %v", a, err)
	}
	if ds, ok := cfg.Role("ds"); !ok || ds.Name != "Distriktssekretær" {
		t.Errorf("role ds = %+v", ds)
	}
}

func TestMembersByNameComeBeforeRoleHoldersWithoutDuplicates(t *testing.T) {
	doc := strings.Replace(base, "members: [Jenny]", "members: [LIV, jenny]", 1)
	cfg := mustParse(t, doc)
	l, _ := cfg.Loop("1")
	if want := ids("liv", "jenny", "kari"); !slices.Equal(l.Members, want) {
		t.Errorf("members = %v, want %v", l.Members, want)
	}
	want := []Member{
		{Agent: "liv", ByName: true},
		{Agent: "jenny", ByName: true, Roles: []string{"ds"}},
		{Agent: "kari", Roles: []string{"ds"}},
	}
	for i, m := range l.Membership {
		if m.Agent != want[i].Agent || m.ByName != want[i].ByName || !slices.Equal(m.Roles, want[i].Roles) {
			t.Errorf("membership[%d] = %+v, want %+v", i, m, want[i])
		}
	}
	if l.Fallback != "PJSIP/2103&PJSIP/2101&PJSIP/2102" {
		t.Errorf("fallback = %q", l.Fallback)
	}
	if got := cfg.Roster().LoopsOf("liv"); !slices.Equal(got, []routing.LoopID{"1", "sb"}) {
		t.Errorf("loops of liv = %v", got)
	}
}

func TestSummaryExplainsMembership(t *testing.T) {
	s := loadExample(t).Summary()
	text := s.String()
	for _, want := range []string{
		"examples/sentralbord.yaml: 34 agents, 6 roles, 4 loops\n",
		"menu: 1 → 1 (Forsikring og faktura), 2 → 2 (Lønns- og arbeidsspørsmål), 3 → 3 (Andre henvendelser), 9 → sentralbord in English; no or invalid key → sentralbord\n",
		"agi 127.0.0.1:4573, redis embedded, keys {sb}:…, decision budget 500ms\n",
		"loop 2 \"Lønns- og arbeidsspørsmål\", digit 2, tag 222, ring 20s, wrap-up 15s, max wait 3m, then sentralbord\n",
		"    Ingrid   ingrid   roles ds, saksbehandler\n",
		"    May Tove  may-tove  by name\n",
		"    Mette K.     mette-k      role sentralbord\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"switchboard":"sentralbord"`,
		`{"id":"ingrid","name":"Ingrid","by_name":false,"by_roles":["ds","saksbehandler"]}`,
		`{"id":"janet","name":"Janet","by_name":true}`,
		`"max_wait":"3m"`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestLoadFailures(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	var ce *Error
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &ce) {
		t.Errorf("missing file: %v; want a not-exist error, not *Error", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); !errors.As(err, &ce) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}
