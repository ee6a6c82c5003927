package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/internal/ops"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// Environment of the status board's optional basic auth.
const (
	EnvBoardUser     = "SENTRALBORD_BOARD_USER"
	EnvBoardPassword = "SENTRALBORD_BOARD_PASSWORD"
	// EnvProfiling set to 1 serves Go's profiler under /debug/pprof/.
	EnvProfiling = "SENTRALBORD_PPROF"
)

// opsServer builds the HTTP side: metrics of svc's decisions, health, and
// the status board, all read from the same Redis as the routing.
func opsServer(cfg *config.Config, m *ops.Metrics, svc *routing.Service, client redis.UniversalClient,
	store *presence.Store, cal *calendar.Store, log *slog.Logger) *ops.Server {
	src := &ops.Source{Service: svc, Client: client, Key: store.Key}
	col := &ops.Collector{Source: src}
	if len(cfg.Calendar.Sources) > 0 {
		col.Calendars = cal
		for _, s := range cfg.Calendar.Sources {
			col.Agents = append(col.Agents, s.Agent)
		}
	}
	ready := []ops.Check{{Name: "redis", Fn: func(ctx context.Context) error { return client.Ping(ctx).Err() }}}
	if len(cfg.FreeSWITCH.Nodes) > 0 {
		col.Nodes = store.NodeStatuses
		ready = append(ready, ops.Check{Name: "esl", Fn: func(ctx context.Context) error {
			return eslConnected(ctx, store, len(cfg.FreeSWITCH.Nodes))
		}})
	}
	m.Registry.MustRegister(col)
	return &ops.Server{
		Metrics: m,
		Board:   &ops.Board{Source: src, Log: log.With("component", "board")},
		Ready:   ready,
		// Secrets come from the environment only.
		BoardUser: os.Getenv(EnvBoardUser), BoardPassword: os.Getenv(EnvBoardPassword),
		Profiling: os.Getenv(EnvProfiling) == "1",
		Log:       log,
	}
}

// eslConnected is ready when every configured node reports a connected
// event socket.
func eslConnected(ctx context.Context, store *presence.Store, want int) error {
	nodes, err := store.NodeStatuses(ctx)
	if err != nil {
		return err
	}
	var down []string
	up := 0
	for name, b := range nodes {
		var st esl.NodeStatus
		if json.Unmarshal(b, &st) == nil && st.Connected && time.Since(st.At) < time.Minute {
			up++
			continue
		}
		down = append(down, name)
	}
	if up < want {
		return fmt.Errorf("%d of %d FreeSWITCH nodes connected (not: %v)", up, want, down)
	}
	return nil
}
