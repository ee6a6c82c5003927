package presence

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// The claim reads the hash the route asks for in its own script, whatever
// the claim's outcome: an agent, a place in line or nobody free.
func TestClaimReadsAHashAlong(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	entry := s.Key("memberphone:90595313")
	if err := s.c.HSet(ctx, entry, "12345", "Kari Nordmann").Err(); err != nil {
		t.Fatal(err)
	}
	req := func(call, loop string, wait bool, read string) routing.ClaimRequest {
		return routing.ClaimRequest{Call: routing.CallID(call), Loop: routing.LoopID(loop), TTL: 30 * time.Second,
			WrapUp: 10 * time.Second, Actor: routing.Actor{Source: routing.SourceAGI, Name: call},
			Enqueue: wait, Lease: 5 * time.Second, Read: read}
	}
	want := map[string]string{"12345": "Kari Nordmann"}

	c, err := s.ClaimLongestIdle(ctx, req("c1", "3", false, entry))
	if err != nil || c.Agent == "" || !reflect.DeepEqual(c.Read, want) {
		t.Fatalf("claim with read = %+v, %v; want an agent and %v", c, err, want)
	}
	if c, err := s.ClaimLongestIdle(ctx, req("c2", "3", false, s.Key("memberphone:00000000"))); err != nil || c.Agent == "" || len(c.Read) != 0 {
		t.Fatalf("claim reading a missing hash = %+v, %v; want an agent and nothing read", c, err)
	}
	// Loop 3 (e, f) is taken now.
	c, err = s.ClaimLongestIdle(ctx, req("c3", "3", false, entry))
	if !errors.Is(err, routing.ErrNoAgentAvailable) || !reflect.DeepEqual(c.Read, want) {
		t.Fatalf("nobody free = %+v, %v; want ErrNoAgentAvailable with %v", c, err, want)
	}
	c, err = s.ClaimLongestIdle(ctx, req("c4", "3", true, entry))
	if err != nil || c.Agent != "" || c.Position != 1 || !reflect.DeepEqual(c.Read, want) {
		t.Fatalf("waiting = %+v, %v; want place 1 with %v", c, err, want)
	}
	if c, err := s.ClaimLongestIdle(ctx, req("c5", "1", false, "")); err != nil || c.Agent == "" || c.Read != nil {
		t.Fatalf("claim without read = %+v, %v; want an agent and no read", c, err)
	}
}

func TestClaimRefusesToReadOutsideItsNamespace(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	_, err := s.ClaimLongestIdle(ctx, routing.ClaimRequest{Call: "c1", Loop: "1", TTL: 30 * time.Second,
		Actor: routing.Actor{Source: routing.SourceAGI, Name: "c1"}, Read: "{other}:memberphone:90595313"})
	if err == nil || !strings.Contains(err.Error(), "{other}:memberphone:90595313") {
		t.Fatalf("err = %v, want the key outside the namespace named", err)
	}
	if n, err := s.c.HLen(ctx, s.Key("call:c1")).Result(); err != nil || n != 0 {
		t.Fatalf("refused read left a call record (%d fields, %v)", n, err)
	}
}

func TestHashOf(t *testing.T) {
	if h, err := hashOf([]any{"12345", "Kari", "23456", "Ola"}); err != nil || !reflect.DeepEqual(h, map[string]string{"12345": "Kari", "23456": "Ola"}) {
		t.Fatalf("hashOf = %v, %v", h, err)
	}
	if h, err := hashOf([]any{}); err != nil || len(h) != 0 {
		t.Fatalf("empty hash = %v, %v", h, err)
	}
	for _, bad := range []any{nil, "x", []any{"12345"}, []any{"12345", int64(1)}} {
		if _, err := hashOf(bad); err == nil || !strings.Contains(err.Error(), "unexpected hash") {
			t.Errorf("hashOf(%v) err = %v, want unexpected hash", bad, err)
		}
	}
}
