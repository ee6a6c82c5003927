package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sentralbord/sentralbord/calendar"
	"github.com/sentralbord/sentralbord/config"
	"github.com/sentralbord/sentralbord/internal/app"
	"github.com/sentralbord/sentralbord/presence"
	"github.com/sentralbord/sentralbord/routing"
)

// configCandidates are tried in order when neither --config nor
// $SENTRALBORD_CONFIG names a file.
var configCandidates = []string{"sentralbord.yaml", "/etc/sentralbord/sentralbord.yaml", "examples/sentralbord.yaml"}

func (g *globals) configPath() (string, error) {
	if g.config != "" {
		return g.config, nil
	}
	if p := g.env.Getenv("SENTRALBORD_CONFIG"); p != "" {
		return p, nil
	}
	for _, p := range configCandidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", configError{fmt.Errorf("no configuration file: give --config or set SENTRALBORD_CONFIG (looked for %s)", strings.Join(configCandidates, ", "))}
}

func (g *globals) loadConfig() (*config.Config, error) {
	path, err := g.configPath()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) || errors.Is(err, fs.ErrNotExist) {
			return nil, configError{err}
		}
		return nil, configError{err}
	}
	return cfg, nil
}

func (g *globals) redisConfig(cfg *config.Config) (app.RedisConfig, error) {
	s := cfg.Server
	rc, err := app.ResolveRedis(g.redisAddr, g.env.Getenv(app.EnvRedisAddr), s.RedisAddr, s.RedisAddrs,
		s.RedisSentinelMaster, s.RedisPasswordFile, g.env.Getenv(app.EnvRedisPassword))
	if err != nil {
		return app.RedisConfig{}, usage(err)
	}
	return rc, nil
}

func (g *globals) namespaceFor(cfg *config.Config) string {
	if g.namespace != "" {
		return g.namespace
	}
	return cfg.Server.Namespace
}

// session is what the supervisor verbs work with.
type session struct {
	cfg     *config.Config
	client  redis.UniversalClient
	store   *presence.Store
	cal     *calendar.Store
	service *routing.Service
	actor   routing.Actor
}

func (s *session) Close() { _ = s.client.Close() }

// open loads the configuration and connects to Redis, failing fast with a
// hint when nothing answers.
func (g *globals) open(ctx context.Context) (*session, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	rc, err := g.redisConfig(cfg)
	if err != nil {
		return nil, err
	}
	client := rc.Client(2 * time.Second)
	if err := app.Ping(ctx, client, 2*time.Second); err != nil {
		_ = client.Close()
		hint := ""
		if rc.Embedded {
			hint = " (no Redis configured, so this is the embedded server of `sentralbord serve`: is it running?)"
		}
		return nil, unavailableError{fmt.Errorf("redis %s: %w%s", rc, err, hint)}
	}
	store := presence.New(client, g.namespaceFor(cfg), cfg.Roster())
	svc := routing.NewService(cfg.Roster(), store, nil)
	cal, _ := app.Calendars(ctx, cfg, client, g.namespaceFor(cfg), nil)
	cal.Now = g.env.Now
	if len(cfg.Calendar.Sources) > 0 {
		svc.Calendar = cal
	}
	svc.Now = g.env.Now
	store.Now = g.env.Now
	return &session{cfg: cfg, client: client, store: store, service: svc, cal: cal,
		actor: routing.Actor{Source: routing.SourceCLI, Name: g.env.User}}, nil
}
