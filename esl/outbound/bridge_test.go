package outbound_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
	"github.com/sentralbord/sentralbord/routing"
)

// dialRouter offers agents in turn and records each dial result.
type dialRouter struct {
	router
	mu      sync.Mutex
	agents  []routing.AgentID
	results []routing.DialStatus
}

func (r *dialRouter) DialResultFrom(_ context.Context, _ routing.Source, _ routing.CallID, _ routing.AgentID, st routing.DialStatus) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, st)
	return nil
}

// A bridge's outcome is in the variables of its own CHANNEL_EXECUTE_COMPLETE
// only: FreeSWITCH answers _none_ for every bridge, and the next bridge's
// CHANNEL_EXECUTE (and any event while it rings) still carries the last
// outcome, or INVALIDARGS. The service must report busy for the second
// agent, not the first one's NOANSWER.
func TestBridgeOutcomeIsReadFromItsOwnCompletion(t *testing.T) {
	r := &dialRouter{agents: []routing.AgentID{"anna", "bo", "cid", "dina"}}
	r.route = func(context.Context, routing.RouteRequest) (routing.Decision, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		a := r.agents[0]
		r.agents = r.agents[1:]
		return routing.Decision{Result: routing.ResultOK, Loop: routing.Loop{ID: "1", RingTimeout: 5 * time.Second},
			Agent: routing.Agent{ID: a, FreeSWITCHDial: "user/" + string(a)}}, nil
	}
	runBridgedCall(t, r, "u-outcomes", func(arg string) fstest.Outcome {
		switch {
		case strings.HasSuffix(arg, "user/anna"):
			return fstest.Outcome{Ring: 30 * time.Millisecond}
		case strings.HasSuffix(arg, "user/bo"):
			return fstest.Outcome{DialStatus: "BUSY", Disposition: "USER_BUSY"}
		case strings.HasSuffix(arg, "user/cid"):
			// Other causes: DIALSTATUS is the cause itself.
			return fstest.Outcome{DialStatus: "USER_NOT_REGISTERED", Disposition: "USER_NOT_REGISTERED"}
		}
		return fstest.Outcome{Answer: true, Talk: 20 * time.Millisecond}
	})
	want := []routing.DialStatus{routing.DialNoAnswer, routing.DialBusy, routing.DialChanUnavail, routing.DialAnswer}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Equal(r.results, want) {
		t.Fatalf("dial results %v, want %v", r.results, want)
	}
}
