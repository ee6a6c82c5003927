package outbound_test

import (
	"context"
	"log/slog"
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
			return routing.Decision{Result: routing.ResultWait, Loop: routing.Loop{ID: "1", Announce: 40 * time.Millisecond}, Position: 3}, nil
		},
		wait: func(ctx context.Context, progress routing.Progress) (routing.Decision, error) {
			progress("1", 2)
			select {
			case <-time.After(150 * time.Millisecond):
				return agentDecision(), nil
			case <-ctx.Done():
				return routing.Decision{Result: routing.ResultError, Err: ctx.Err()}, ctx.Err()
			}
		},
	}
	s := &outbound.Server{Handler: &outbound.Routes{Router: r}, Log: slog.New(slog.DiscardHandler)}
	addr, _, _ := serve(t, s)
	c := &fstest.Call{
		Channel: fstest.Channel{UUID: "u-announce", Name: "sofia/internal/x", CallerNumber: "40000001", Answered: true},
		Bridge:  func(string) fstest.Outcome { return fstest.Outcome{Answer: true, Talk: 10 * time.Millisecond} },
	}
	if err := c.Start(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	apps := c.Apps()
	moh := "playback " + outbound.DefaultMusic
	prompt := slices.Index(apps, "playback "+outbound.PromptPlace)
	if prompt < 1 || apps[prompt-1] != moh || prompt+2 >= len(apps) ||
		apps[prompt+1] != "say en number pronounced 2" || apps[prompt+2] != moh {
		t.Fatalf("no announcement between the music: %q", apps)
	}
	if !c.Bridged() || !slices.Contains(apps[len(apps)-1:], "bridge "+outbound.BridgeArg(agentDecision())) {
		t.Fatalf("not bridged after the wait: %q", apps)
	}
}
