package app

import (
	"log/slog"
	"os"

	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/presence"
)

// ESLListener builds the listener for the configuration's FreeSWITCH nodes,
// recording into store and publishing each node's health there for
// `sentralbord esl status`. It returns nil when no node is configured, and
// an error when a node's password cannot be read.
func ESLListener(cfg *config.Config, store *presence.Store, log *slog.Logger, getenv func(string) string) (*esl.Listener, error) {
	if len(cfg.FreeSWITCH.Nodes) == 0 {
		return nil, nil
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	var nodes []esl.Node
	for _, n := range cfg.FreeSWITCH.Nodes {
		pw, err := n.Password(getenv)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, esl.Node{
			Name: n.Name, Addr: n.Addr, Password: pw,
			Registrations: n.Registrations, Callcenter: n.Callcenter, CallcenterLogout: n.CallcenterLogout,
		})
	}
	return &esl.Listener{Nodes: nodes, Events: store, Roster: cfg.Roster(), Log: log.With("component", "esl"), Status: store}, nil
}
