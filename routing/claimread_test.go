package routing

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// readingStore is a fakeStore whose claims read ClaimRequest.Read from
// hashes, as a ClaimReader does.
type readingStore struct {
	fakeStore
	hashes  map[string]map[string]string
	readErr error    // given as Claim.ReadErr when set
	reads   []string // ClaimRequest.Read of each claim
}

func (r *readingStore) ReadsWithClaim() bool { return true }

func (r *readingStore) ClaimLongestIdle(ctx context.Context, req ClaimRequest) (Claim, error) {
	r.reads = append(r.reads, req.Read)
	c, err := r.fakeStore.ClaimLongestIdle(ctx, req)
	if req.Read != "" {
		c.Read, c.ReadErr = r.hashes[req.Read], r.readErr
	}
	return c, err
}

// keyedDirectory is a KeyedDirectory. Its own lookup answers with own;
// without own, a test that calls it fails (the claim should have read the
// entry).
type keyedDirectory struct {
	t   *testing.T
	own directoryFunc
}

func (d keyedDirectory) CallerName(_ context.Context, n string) (string, error) {
	if d.own == nil {
		d.t.Error("the directory was asked on its own; the claim should have read its entry")
		return "", nil
	}
	return d.own(n)
}

func (keyedDirectory) CallerNameKey(number string) (string, bool) {
	if strings.HasPrefix(number, "9") {
		return "phone:" + number, true
	}
	return "", false
}

func (keyedDirectory) CallerNameIn(h map[string]string) string {
	if len(h) > 1 {
		return "several"
	}
	for _, name := range h {
		return name
	}
	return ""
}

func TestClaimReadsTheCallersEntry(t *testing.T) {
	hashes := map[string]map[string]string{
		"phone:90595313": {"12345": "Kari Nordmann"},
		"phone:90000007": {"1": "Ola", "2": "Per"},
	}
	claimAnna := func(r ClaimRequest) (Claim, error) { return Claim{Agent: "anna", Call: r.Call}, nil }
	nobody := func(ClaimRequest) (Claim, error) { return Claim{}, ErrNoAgentAvailable }
	tests := []struct {
		name       string
		claim      func(ClaimRequest) (Claim, error)
		req        RouteRequest
		wantName   string
		wantRead   string
		wantResult Result
	}{
		{"member", claimAnna, RouteRequest{CallerNumber: "90595313", CallerName: "PBX"}, "Kari Nordmann", "phone:90595313", ResultOK},
		{"two members", claimAnna, RouteRequest{CallerNumber: "90000007"}, "several", "phone:90000007", ResultOK},
		{"no entry keeps the PBX's name", claimAnna, RouteRequest{CallerNumber: "91111111", CallerName: "Foo AS"}, "Foo AS", "phone:91111111", ResultOK},
		{"not a member's number: nothing read", claimAnna, RouteRequest{CallerNumber: "+4412345", CallerName: "Foo AS"}, "Foo AS", "", ResultOK},
		{"nobody free still names the caller", nobody, RouteRequest{CallerNumber: "90595313"}, "Kari Nordmann", "phone:90595313", ResultNone},
		{"English caller is marked", claimAnna, RouteRequest{CallerNumber: "90595313", Language: "en"}, "(EN) Kari Nordmann", "phone:90595313", ResultOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &readingStore{fakeStore: fakeStore{claim: tt.claim}, hashes: hashes}
			s := NewService(testRoster(t), st, nil)
			s.Directory = keyedDirectory{t: t}
			tt.req.Call, tt.req.Loop = "c", "1"
			d, err := s.Route(context.Background(), tt.req)
			if err != nil || d.Result != tt.wantResult || d.CallerName != tt.wantName {
				t.Fatalf("route = %s, caller name %q (%v); want %s, %q", d.Result, d.CallerName, err, tt.wantResult, tt.wantName)
			}
			if len(st.reads) != 1 || st.reads[0] != tt.wantRead {
				t.Fatalf("claims read %q, want one reading %q", st.reads, tt.wantRead)
			}
		})
	}
}

// A claimed agent a hook turns down is claimed again without reading the
// entry twice, and the name from the first claim stays.
func TestClaimReadsOnceWhenAHookRejects(t *testing.T) {
	st := &readingStore{hashes: map[string]map[string]string{"phone:90595313": {"12345": "Kari Nordmann"}}}
	st.claim = func(r ClaimRequest) (Claim, error) {
		if len(r.Exclude) == 0 {
			return Claim{Agent: "anna", Call: r.Call}, nil
		}
		return Claim{Agent: "bente", Call: r.Call}, nil
	}
	s := NewService(testRoster(t), st, nil)
	s.Directory = keyedDirectory{t: t}
	s.Calendar = calendarFunc(func(a AgentID) Busy { return Busy{Busy: a == "anna", What: "møte"} })
	d, err := s.Route(context.Background(), RouteRequest{Call: "c", Loop: "1", CallerNumber: "90595313"})
	if err != nil || d.Agent.ID != "bente" || d.CallerName != "Kari Nordmann" {
		t.Fatalf("route = %+v, %v; want bente for Kari Nordmann", d, err)
	}
	if strings.Join(st.reads, ",") != "phone:90595313," {
		t.Fatalf("claims read %q, want the entry on the first claim only", st.reads)
	}
}

// A store that cannot read along leaves the lookup to the directory.
func TestClaimWithoutReaderAsksTheDirectory(t *testing.T) {
	st := &fakeStore{claim: func(r ClaimRequest) (Claim, error) {
		if r.Read != "" {
			return Claim{}, errors.New("read asked of a store that cannot")
		}
		return Claim{Agent: "anna", Call: r.Call}, nil
	}}
	s := NewService(testRoster(t), st, nil)
	s.Directory = keyedDirectory{t: t, own: func(string) (string, error) { return "Kari Nordmann", nil }}
	d, err := s.Route(context.Background(), RouteRequest{Call: "c", Loop: "1", CallerNumber: "90595313"})
	if err != nil || d.CallerName != "Kari Nordmann" {
		t.Fatalf("route = %+v, %v; want Kari Nordmann from the directory", d, err)
	}
}

// An entry the claim could not read costs the name, never the call, and
// the failure is logged.
func TestClaimReadFailureKeepsTheClaim(t *testing.T) {
	st := &readingStore{readErr: errors.New("unexpected hash [12345]")}
	st.claim = func(r ClaimRequest) (Claim, error) { return Claim{Agent: "anna", Call: r.Call}, nil }
	var logs strings.Builder
	s := NewService(testRoster(t), st, slog.New(slog.NewTextHandler(&logs, nil)))
	s.Directory = keyedDirectory{t: t}
	d, err := s.Route(context.Background(), RouteRequest{Call: "c", Loop: "1", CallerNumber: "90595313", CallerName: "Foo AS"})
	if err != nil || d.Result != ResultOK || d.Agent.ID != "anna" || d.CallerName != "Foo AS" {
		t.Fatalf("route = %+v, %v; want anna with the PBX's name", d, err)
	}
	if !strings.Contains(logs.String(), "caller lookup failed") || !strings.Contains(logs.String(), "unexpected hash") {
		t.Fatalf("log %q does not say the lookup failed", logs.String())
	}
}
