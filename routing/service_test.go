package routing

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fakeStore is a Store whose behaviour tests set per method.
type fakeStore struct {
	claim   func(ClaimRequest) (Claim, error)
	unclaim func(CallID, AgentID, bool) error
	answer  func(CallID, AgentID) error
	end     func(CallID) (AgentID, error)
	states  func([]AgentID) (map[AgentID]AgentState, error)
}

func (f *fakeStore) ClaimLongestIdle(_ context.Context, r ClaimRequest) (Claim, error) {
	if f.claim == nil {
		return Claim{}, ErrNoAgentAvailable
	}
	return f.claim(r)
}
func (f *fakeStore) Unclaim(_ context.Context, r UnclaimRequest) error {
	if f.unclaim == nil {
		return nil
	}
	return f.unclaim(r.Call, r.Agent, r.Tried)
}
func (f *fakeStore) Answer(_ context.Context, c CallID, a AgentID, _ Actor) error {
	if f.answer == nil {
		return nil
	}
	return f.answer(c, a)
}
func (f *fakeStore) EndCall(_ context.Context, c CallID, _ Actor) (AgentID, error) {
	if f.end == nil {
		return "", nil
	}
	return f.end(c)
}
func (f *fakeStore) Login(context.Context, AgentID, Actor) (bool, error) { return true, nil }
func (f *fakeStore) Logout(context.Context, AgentID, LogoutReason, time.Time, Actor) (bool, error) {
	return true, nil
}
func (f *fakeStore) SetStatus(context.Context, AgentID, Status, Actor) (bool, error) {
	return true, nil
}
func (f *fakeStore) States(_ context.Context, ids []AgentID) (map[AgentID]AgentState, error) {
	if f.states == nil {
		m := map[AgentID]AgentState{}
		for _, id := range ids {
			m[id] = AgentState{LoggedIn: true, Status: StatusAvailable}
		}
		return m, nil
	}
	return f.states(ids)
}

type calendarFunc func(AgentID) Busy

func (f calendarFunc) BusyAt(_ context.Context, a AgentID, _ time.Time) (Busy, error) {
	return f(a), nil
}

func testRoster(t *testing.T) *Roster {
	t.Helper()
	r, err := NewRoster(
		[]Agent{{ID: "anna", Name: "Anna", AsteriskDial: "PJSIP/2101"}, {ID: "bente", Name: "Bente", AsteriskDial: "PJSIP/2102"}},
		[]Loop{{ID: "1", Tag: "111", RingTimeout: 20 * time.Second, Fallback: "PJSIP/2101&PJSIP/2102", Members: []AgentID{"anna", "bente"}}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRouteOutcomes(t *testing.T) {
	storeDown := errors.New("dial tcp: connection refused")
	tests := []struct {
		name       string
		claim      func(ClaimRequest) (Claim, error)
		loop       LoopID
		wantResult Result
		wantAgent  AgentID
		wantErr    error
	}{
		{"claimed agent is returned", func(r ClaimRequest) (Claim, error) { return Claim{Agent: "bente", Call: r.Call}, nil }, "1", ResultOK, "bente", nil},
		{"nobody free gives none", nil, "1", ResultNone, "", nil},
		{"store failure gives error with fallback", func(ClaimRequest) (Claim, error) { return Claim{}, storeDown }, "1", ResultError, "", storeDown},
		{"unknown loop gives error", nil, "7", ResultError, "", ErrUnknownLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewService(testRoster(t), &fakeStore{claim: tt.claim}, nil)
			d, err := s.Route(context.Background(), RouteRequest{Call: "c1", Loop: tt.loop, CallerNumber: "90595313"})
			if d.Result != tt.wantResult || d.Agent.ID != tt.wantAgent {
				t.Fatalf("got %s/%q, want %s/%q", d.Result, d.Agent.ID, tt.wantResult, tt.wantAgent)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.loop == "1" && d.CallerIDNumber != "90595313-111" {
				t.Errorf("caller id %q, want 90595313-111", d.CallerIDNumber)
			}
			if tt.wantResult == ResultError && tt.loop == "1" && d.Fallback != "PJSIP/2101&PJSIP/2102" {
				t.Errorf("fallback %q", d.Fallback)
			}
		})
	}
}

func TestRouteSkipsAgentBusyInCalendar(t *testing.T) {
	var unclaimed []AgentID
	var excluded [][]AgentID
	st := &fakeStore{
		claim: func(r ClaimRequest) (Claim, error) {
			excluded = append(excluded, r.Exclude)
			for _, id := range []AgentID{"anna", "bente"} {
				skip := false
				for _, e := range r.Exclude {
					skip = skip || e == id
				}
				if !skip {
					return Claim{Agent: id, Call: r.Call}, nil
				}
			}
			return Claim{}, ErrNoAgentAvailable
		},
		unclaim: func(_ CallID, a AgentID, tried bool) error {
			if tried {
				t.Errorf("hook rejection must not mark %s as tried", a)
			}
			unclaimed = append(unclaimed, a)
			return nil
		},
	}
	s := NewService(testRoster(t), st, nil)
	s.Calendar = calendarFunc(func(a AgentID) Busy { return Busy{Busy: a == "anna", What: "møte"} })
	d, err := s.Route(context.Background(), RouteRequest{Call: "c", Loop: "1"})
	if err != nil || d.Result != ResultOK || d.Agent.ID != "bente" {
		t.Fatalf("got %+v, %v; want bente", d, err)
	}
	if len(unclaimed) != 1 || unclaimed[0] != "anna" || len(excluded) != 2 || excluded[1][0] != "anna" {
		t.Fatalf("unclaimed %v, excludes %v", unclaimed, excluded)
	}
}

func TestDialResult(t *testing.T) {
	var answered, unclaimedTried bool
	st := &fakeStore{
		answer:  func(CallID, AgentID) error { answered = true; return nil },
		unclaim: func(_ CallID, _ AgentID, tried bool) error { unclaimedTried = tried; return nil },
	}
	s := NewService(testRoster(t), st, nil)
	if err := s.DialResult(context.Background(), "c", "anna", DialAnswer); err != nil || !answered {
		t.Fatalf("answer: %v, answered=%v", err, answered)
	}
	if err := s.DialResult(context.Background(), "c", "anna", DialNoAnswer); err != nil || !unclaimedTried {
		t.Fatalf("no answer: %v, tried=%v", err, unclaimedTried)
	}
}

func TestExplainOrdersEligibleByIdle(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	st := &fakeStore{states: func(ids []AgentID) (map[AgentID]AgentState, error) {
		return map[AgentID]AgentState{
			"anna":  {LoggedIn: true, Status: StatusAvailable, IdleSince: now.Add(-time.Minute)},
			"bente": {LoggedIn: true, Status: StatusAvailable, IdleSince: now.Add(-time.Hour)},
		}, nil
	}}
	s := NewService(testRoster(t), st, nil)
	s.Now = func() time.Time { return now }
	c, err := s.Explain(context.Background(), "1")
	if err != nil || len(c) != 2 || c[0].Agent.ID != "bente" || c[0].Reason != "" {
		t.Fatalf("got %+v, %v; want bente first", c, err)
	}
}

func TestEligibleReasons(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	avail := AgentState{LoggedIn: true, Status: StatusAvailable}
	tests := []struct {
		name string
		mod  func(*AgentState)
		want string
	}{
		{"available agent is eligible", func(*AgentState) {}, ""},
		{"logged out shows reason and date", func(s *AgentState) {
			s.LoggedIn, s.LogoutReason, s.LogoutUntil = false, ReasonFerie, time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
		}, "logged out (ferie until 2026-12-24)"},
		{"on a call", func(s *AgentState) { s.OnCall = "x" }, "on call"},
		{"live claim", func(s *AgentState) { s.ClaimedBy, s.ClaimExpiry = "x", now.Add(time.Second) }, "ringing for call x"},
		{"expired claim is ignored", func(s *AgentState) { s.ClaimedBy, s.ClaimExpiry = "x", now.Add(-time.Second) }, ""},
		{"lunch", func(s *AgentState) { s.Status = StatusLunch }, "status lunch"},
		{"wrap-up", func(s *AgentState) { s.WrapUntil = now.Add(5 * time.Second) }, "wrap-up until 10:00:05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := avail
			tt.mod(&s)
			if got := Eligible(s, now); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindAgent(t *testing.T) {
	r, err := NewRoster([]Agent{
		{ID: "may-tove", Name: "May Tove", Extension: "2101"},
		{ID: "mette-k", Name: "Mette K.", Extension: "2301"},
		{ID: "jenny", Name: "Jenny", Extension: "2105"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q, want string
		err     error
	}{
		{"MAY TOVE", "may-tove", nil},
		{"2301", "mette-k", nil},
		{"jen", "jenny", nil},
		{"m", "", ErrAmbiguousAgent},
		{"Jeny", "", ErrUnknownAgent},
	}
	for _, tt := range tests {
		a, err := r.FindAgent(tt.q)
		if string(a.ID) != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("FindAgent(%q) = %q, %v; want %q, %v", tt.q, a.ID, err, tt.want, tt.err)
		}
	}
	if _, err := r.FindAgent("Jeny"); err == nil || err.Error() != `unknown agent "Jeny" (did you mean "Jenny" (jenny)?)` {
		t.Errorf("suggestion message: %v", err)
	}
}

type directoryFunc func(string) (string, error)

func (f directoryFunc) CallerName(_ context.Context, n string) (string, error) { return f(n) }

func TestCallerName(t *testing.T) {
	claimAnna := func(r ClaimRequest) (Claim, error) { return Claim{Agent: "anna", Call: r.Call}, nil }
	tests := []struct {
		name     string
		dir      Directory
		req      RouteRequest
		wantName string
	}{
		{"member found", directoryFunc(func(string) (string, error) { return "Kari Nordmann", nil }),
			RouteRequest{CallerNumber: "90595313", CallerName: "unknown caller"}, "Kari Nordmann"},
		{"no member keeps the PBX's name", NoDirectory{}, RouteRequest{CallerNumber: "90595313", CallerName: "Foo AS"}, "Foo AS"},
		{"lookup failure keeps the call", directoryFunc(func(string) (string, error) { return "", errors.New("down") }),
			RouteRequest{CallerNumber: "90595313", CallerName: "Foo AS"}, "Foo AS"},
		{"English caller is marked", directoryFunc(func(string) (string, error) { return "Kari Nordmann", nil }),
			RouteRequest{CallerNumber: "90595313", Language: "en"}, "(EN) Kari Nordmann"},
		{"English caller without a name", NoDirectory{}, RouteRequest{Language: "EN"}, "(EN)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewService(testRoster(t), &fakeStore{claim: claimAnna}, nil)
			s.Directory = tt.dir
			tt.req.Call, tt.req.Loop = "c", "1"
			d, err := s.Route(context.Background(), tt.req)
			if err != nil || d.CallerName != tt.wantName {
				t.Fatalf("caller name %q (%v), want %q", d.CallerName, err, tt.wantName)
			}
		})
		if f, ok := tt.dir.(directoryFunc); ok {
			t.Run(tt.name+", lookup started before the claim", func(t *testing.T) {
				var steps []string
				claim := func(r ClaimRequest) (Claim, error) {
					steps = append(steps, "claim")
					return claimAnna(r)
				}
				s := NewService(testRoster(t), &fakeStore{claim: claim}, nil)
				s.Directory = &startedDirectory{f: f, steps: &steps}
				tt.req.Call, tt.req.Loop = "c", "1"
				d, err := s.Route(context.Background(), tt.req)
				if err != nil || d.CallerName != tt.wantName {
					t.Fatalf("caller name %q (%v), want %q", d.CallerName, err, tt.wantName)
				}
				if want := "start claim answer"; strings.Join(steps, " ") != want {
					t.Fatalf("steps %q, want %q", steps, want)
				}
			})
		}
	}
}

// startedDirectory is a DirectoryStarter that records when its lookup is
// started and when its answer is taken.
type startedDirectory struct {
	f     directoryFunc
	steps *[]string
}

func (d *startedDirectory) CallerName(ctx context.Context, n string) (string, error) {
	return d.f.CallerName(ctx, n)
}

func (d *startedDirectory) StartCallerName(_ context.Context, n string) func() (string, error) {
	*d.steps = append(*d.steps, "start")
	return func() (string, error) {
		*d.steps = append(*d.steps, "answer")
		return d.f(n)
	}
}
