package outbound_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

func TestWaitingCallerHearsTheirPlaceInLine(t *testing.T) {
	r := &router{
		route: func(context.Context, routing.RouteRequest) (routing.Decision, error) {
			return routing.Decision{Result: routing.ResultWait, Loop: routing.Loop{ID: "1", Announce: 150 * time.Millisecond}, Position: 3}, nil
		},
		wait: func(ctx context.Context, progress routing.Progress) (routing.Decision, error) {
			progress("1", 2)
			select {
			case <-time.After(400 * time.Millisecond):
				return agentDecision(), nil
			case <-ctx.Done():
				return routing.Decision{Result: routing.ResultError, Err: ctx.Err()}, ctx.Err()
			}
		},
	}
	c := runBridgedCall(t, r, "u-announce", func(string) fstest.Outcome { return fstest.Outcome{Answer: true, Talk: 10 * time.Millisecond} })
	apps := c.Apps()
	moh := "playback " + outbound.DefaultMusic
	say := "playback file_string://" + outbound.PromptPlace + "!sentralbord/tall-2.wav"
	i := slices.Index(apps, say)
	if i < 1 || apps[i-1] != moh || i+1 >= len(apps) || apps[i+1] != moh {
		t.Fatalf("no announcement between the music: %q", apps)
	}
	if !c.Bridged() || !slices.Contains(apps[len(apps)-1:], "bridge "+outbound.BridgeArg(agentDecision())) {
		t.Fatalf("not bridged after the wait: %q", apps)
	}
}

func TestPlaceAnnouncementSaysTheNumberWithPrompts(t *testing.T) {
	for n, want := range map[int]string{
		1:  "sentralbord/plass-i-ko.wav!sentralbord/tall-1.wav",
		19: "sentralbord/plass-i-ko.wav!sentralbord/tall-19.wav",
		20: "sentralbord/plass-i-ko.wav!sentralbord/tall-20.wav",
		23: "sentralbord/plass-i-ko.wav!sentralbord/tall-20.wav!sentralbord/tall-3.wav",
		99: "sentralbord/plass-i-ko.wav!sentralbord/tall-90.wav!sentralbord/tall-9.wav",
	} {
		if got, ok := outbound.PlaceAnnouncement(n); !ok || got != "file_string://"+want {
			t.Errorf("place %d: %q %v", n, got, ok)
		}
	}
	for _, n := range []int{0, -1, outbound.MaxAnnounced + 1} {
		if got, ok := outbound.PlaceAnnouncement(n); ok {
			t.Errorf("place %d announced as %q", n, got)
		}
	}
}
