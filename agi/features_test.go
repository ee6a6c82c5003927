package agi

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/agi/agitest"
	"github.com/sentralbord/sentralbord/internal/redistest"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

var _ Presence = (*presence.Store)(nil)

// featureServer serves feature codes on a real presence store in Redis.
func featureServer(t *testing.T) (string, *presence.Store) {
	t.Helper()
	agents := []routing.Agent{
		{ID: "anna", Name: "Anna", Extension: "2101", AsteriskDial: "PJSIP/2101"},
		{ID: "bjorn", Name: "Bjørn", Extension: "2102", AsteriskDial: "PJSIP/2102"},
	}
	r, err := routing.NewRoster(agents, []routing.Loop{{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, Members: []routing.AgentID{"anna", "bjorn"}}})
	if err != nil {
		t.Fatal(err)
	}
	store := presence.New(redistest.Start(t).Client(t), "agitest", r)
	if err := store.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	log, _ := newLog()
	srv := &Server{Handler: &Routes{Router: newRouter(), Features: &Features{Presence: store, Agents: r}}, Log: log, EnvTimeout: time.Second}
	addr, _, _ := startServer(t, srv)
	return addr, store
}

func agentState(t *testing.T, s *presence.Store, id routing.AgentID) routing.AgentState {
	t.Helper()
	m, err := s.States(context.Background(), []routing.AgentID{id})
	if err != nil {
		t.Fatal(err)
	}
	return m[id]
}

// lamps lists the DEVICE_STATE writes of a call, "Custom:sb-anna=BUSY".
func lamps(res agitest.Result) []string {
	var out []string
	for _, c := range res.Commands {
		argv := agitest.ParseArgs(c)
		if len(argv) == 4 && strings.HasPrefix(argv[2], "DEVICE_STATE(") {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(argv[2], "DEVICE_STATE("), ")")+"="+argv[3])
		}
	}
	return out
}

// played lists the prompts of a call's Playback and Read commands.
func played(res agitest.Result) []string {
	var out []string
	for _, c := range res.Commands {
		argv := agitest.ParseArgs(c)
		if len(argv) == 3 && strings.EqualFold(argv[0], "EXEC") {
			switch strings.ToLower(argv[1]) {
			case "playback":
				out = append(out, argv[2])
			case "read":
				out = append(out, "read:"+strings.Split(argv[2], ",")[1])
			}
		}
	}
	return out
}

func TestFeatureCodes(t *testing.T) {
	addr, store := featureServer(t)
	tests := []struct {
		name      string
		call      agitest.Call
		keys      []string
		want      map[string]string
		lamps     []string
		prompts   []string
		wantState func(routing.AgentState) bool
	}{
		{name: "busy lights the lamp busy", call: agitest.Call{Request: "status", Args: []string{"busy"}, CallerID: "2101"},
			want: map[string]string{VarResult: "ok", VarStatus: "busy"}, lamps: []string{"Custom:sb-anna=BUSY"},
			prompts:   []string{"sentralbord/status-busy"},
			wantState: func(s routing.AgentState) bool { return s.Status == routing.StatusBusy }},
		{name: "lunch by query parameter", call: agitest.Call{Request: "status?status=lunch", CallerID: "2101"},
			want: map[string]string{VarResult: "ok", VarStatus: "lunch"}, lamps: []string{"Custom:sb-anna=BUSY"},
			prompts:   []string{"sentralbord/status-lunch"},
			wantState: func(s routing.AgentState) bool { return s.Status == routing.StatusLunch }},
		{name: "available frees the lamp", call: agitest.Call{Request: "status", Args: []string{"available"}, CallerID: "2101"},
			want: map[string]string{VarResult: "ok", VarStatus: "available"}, lamps: []string{"Custom:sb-anna=NOT_INUSE"},
			prompts:   []string{"sentralbord/status-available"},
			wantState: func(s routing.AgentState) bool { return s.Status == routing.StatusAvailable }},
		{name: "logout with 3 is permisjon", call: agitest.Call{Request: "logout", CallerID: "2101"}, keys: []string{"3"},
			want: map[string]string{VarResult: "ok", VarStatus: "logged-out:permisjon"}, lamps: []string{"Custom:sb-anna=UNAVAILABLE"},
			prompts:   []string{"read:sentralbord/utlogging-grunn", "sentralbord/utlogget"},
			wantState: func(s routing.AgentState) bool { return !s.LoggedIn && s.LogoutReason == routing.ReasonPermisjon }},
		{name: "login", call: agitest.Call{Request: "login", CallerID: "2101"},
			want: map[string]string{VarResult: "ok", VarStatus: "logged-in"}, lamps: []string{"Custom:sb-anna=NOT_INUSE"},
			prompts:   []string{"sentralbord/innlogget"},
			wantState: func(s routing.AgentState) bool { return s.LoggedIn }},
		{name: "wrong digit is asked again", call: agitest.Call{Request: "logout", CallerID: "2101"}, keys: []string{"9", "1"},
			want: map[string]string{VarResult: "ok", VarStatus: "logged-out:ferie"}, lamps: []string{"Custom:sb-anna=UNAVAILABLE"},
			prompts:   []string{"read:sentralbord/utlogging-grunn", "sentralbord/ugyldig-valg", "read:sentralbord/utlogging-grunn", "sentralbord/utlogget"},
			wantState: func(s routing.AgentState) bool { return !s.LoggedIn && s.LogoutReason == routing.ReasonFerie }},
		{name: "login again", call: agitest.Call{Request: "login", CallerID: "2101"},
			want: map[string]string{VarResult: "ok"}, lamps: []string{"Custom:sb-anna=NOT_INUSE"}, prompts: []string{"sentralbord/innlogget"},
			wantState: func(s routing.AgentState) bool { return s.LoggedIn }},
		{name: "two wrong answers cancel the logout", call: agitest.Call{Request: "logout", CallerID: "2101"}, keys: []string{"4", ""},
			want:      map[string]string{VarResult: "none", VarError: "cancelled"},
			prompts:   []string{"read:sentralbord/utlogging-grunn", "sentralbord/ugyldig-valg", "read:sentralbord/utlogging-grunn", "sentralbord/avbrutt"},
			wantState: func(s routing.AgentState) bool { return s.LoggedIn }},
		{name: "agent found by channel when caller id is rewritten", call: agitest.Call{Request: "status", Args: []string{"dnd"}, CallerID: "22334455", Channel: "PJSIP/2102-0000002a"},
			want: map[string]string{VarResult: "ok", VarStatus: "dnd"}, lamps: []string{"Custom:sb-bjorn=BUSY"},
			prompts: []string{"sentralbord/status-dnd"}},
		{name: "unknown extension hears why", call: agitest.Call{Request: "status", Args: []string{"away"}, CallerID: "9999"},
			want: map[string]string{VarResult: "error", VarError: "unknown extension"}, prompts: []string{"sentralbord/ukjent-lokalnummer"}},
		{name: "unknown status word", call: agitest.Call{Request: "status", Args: []string{"sleeping"}, CallerID: "2101"},
			want: map[string]string{VarResult: "error", VarError: "invalid status"}, prompts: []string{"sentralbord/feil"},
			wantState: func(s routing.AgentState) bool { return s.Status == routing.StatusAvailable }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, addr, &agitest.Client{Call: tt.call, Keys: tt.keys})
			for k, v := range tt.want {
				if res.Vars[k] != v {
					t.Errorf("%s = %q, want %q", k, res.Vars[k], v)
				}
			}
			if got := lamps(res); !slices.Equal(got, tt.lamps) {
				t.Errorf("lamps %q, want %q", got, tt.lamps)
			}
			if got := played(res); !slices.Equal(got, tt.prompts) {
				t.Errorf("prompts %q, want %q", got, tt.prompts)
			}
			if tt.wantState != nil {
				if s := agentState(t, store, "anna"); !tt.wantState(s) {
					t.Errorf("anna: %+v", s)
				}
			}
		})
	}
	es, err := store.Audit(context.Background(), "anna", 1, 100)
	if err != nil || len(es) == 0 || es[0].Source != "agi" || es[0].Actor != "anna" {
		t.Fatalf("last audit entry %+v (%v), want source agi by anna", es, err)
	}
}

func TestLampFollowsCallsAndStatus(t *testing.T) {
	tests := []struct {
		st   routing.AgentState
		want string
	}{
		{routing.AgentState{LoggedIn: true, Status: routing.StatusAvailable}, LampFree},
		{routing.AgentState{LoggedIn: true, Status: routing.StatusAvailable, OnCall: "c1"}, LampOnCall},
		{routing.AgentState{LoggedIn: true, Status: routing.StatusAway, DirectCall: true}, LampOnCall},
		{routing.AgentState{LoggedIn: true, Status: routing.StatusMeeting}, LampBusy},
		{routing.AgentState{LoggedIn: false, Status: routing.StatusAvailable, OnCall: "c1"}, LampUnavailable},
	}
	for _, tt := range tests {
		if got := Lamp(tt.st); got != tt.want {
			t.Errorf("Lamp(%+v) = %s, want %s", tt.st, got, tt.want)
		}
	}
}

func TestBLFRefreshWritesEveryLamp(t *testing.T) {
	addr, store := featureServer(t)
	actor := routing.Actor{Source: routing.SourceCLI, Name: "supervisor"}
	if _, err := store.SetStatus(context.Background(), "bjorn", routing.StatusAway, actor); err != nil {
		t.Fatal(err)
	}
	res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "blf"}})
	want := []string{"Custom:sb-anna=NOT_INUSE", "Custom:sb-bjorn=BUSY"}
	if got := lamps(res); !slices.Equal(got, want) || res.Vars[VarResult] != "ok" {
		t.Fatalf("lamps %q result %q, want %q ok", got, res.Vars[VarResult], want)
	}
}

func TestFeatureCodesWithoutStoreFailClearly(t *testing.T) {
	log, _ := newLog()
	addr, _, _ := startServer(t, &Server{Handler: &Routes{Router: newRouter()}, Log: log, EnvTimeout: time.Second})
	res := run(t, addr, &agitest.Client{Call: agitest.Call{Request: "login", CallerID: "2101"}})
	if res.Vars[VarResult] != "error" || res.Vars[VarError] != "feature codes not configured" {
		t.Fatalf("vars %v", res.Vars)
	}
}
