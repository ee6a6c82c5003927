package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/config"
)

// Calendars builds the calendar view routing asks and the syncer that fills
// it. The syncer is nil when no agent has a calendar. A missing Graph
// secret is logged and leaves those agents' calendars failing (stale).
func Calendars(ctx context.Context, cfg *config.Config, client redis.UniversalClient, namespace string, log *slog.Logger) (*calendar.Store, *calendar.Syncer) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cc := cfg.Calendar
	store := calendar.NewStore(client, namespace)
	store.MaxStale, store.Zone = cc.MaxStale, cc.Zone
	if len(cc.Sources) == 0 {
		return store, nil
	}
	y := &calendar.Syncer{
		Store: store, Sources: cc.Sources, Rules: cc.Rules, Log: log,
		HTTP:     &http.Client{Timeout: 30 * time.Second},
		Interval: cc.SyncInterval, Days: cc.Days, Workers: 16,
	}
	for _, s := range cc.Sources {
		if s.Kind != calendar.KindGraph {
			continue
		}
		secret, err := cc.Graph.ClientSecret()
		if err != nil {
			log.Error("Graph calendars cannot be read", "err", err)
			break
		}
		y.Graph = calendar.NewGraph(ctx, calendar.GraphConfig{
			Tenant: cc.Graph.Tenant, ClientID: cc.Graph.ClientID, ClientSecret: secret,
		}, cc.Rules)
		break
	}
	return store, y
}
