package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/routing"
)

// DefaultFSListen is where FreeSWITCH's socket application finds the
// outbound event socket server (dialplan/freeswitch/sentralbord.xml).
const DefaultFSListen = "127.0.0.1:8084"

// FSServer opens the outbound event socket server for FreeSWITCH calls on
// addr; an empty addr means none (nil server and listener).
func FSServer(ctx context.Context, addr string, svc *routing.Service, budget, drain time.Duration,
	log *slog.Logger) (*outbound.Server, net.Listener, error) {
	if addr == "" {
		return nil, nil, nil
	}
	ln, err := Listen(ctx, addr)
	if err != nil {
		return nil, nil, fmt.Errorf("esl outbound listen: %w", err)
	}
	return &outbound.Server{
		// Like the AGI path: the decision gets 80% of the budget.
		Handler:  &outbound.Routes{Router: svc, DecisionBudget: budget - budget/5},
		Log:      log.With("pbx", "freeswitch"),
		MaxCalls: MaxSessions, DrainTimeout: drain,
	}, ln, nil
}

// addrOf is ln's address, nil without a listener.
func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}
