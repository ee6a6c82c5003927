package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// EmbeddedAddr is where serve runs its embedded Redis-protocol server when no
// Redis is configured, and where the CLI looks when none is configured either.
const EmbeddedAddr = "127.0.0.1:16379"

// Environment variables read for Redis.
const (
	EnvRedisAddr     = "SENTRALBORD_REDIS_ADDR"
	EnvRedisPassword = "SENTRALBORD_REDIS_PASSWORD"
)

// RedisConfig says how to reach Redis. One address is a standalone server;
// several are a Cluster; with Master set they are Sentinels.
type RedisConfig struct {
	Addrs    []string
	Master   string
	Username string
	Password string
	DB       int
	TLS      bool
	// Embedded is set when nothing was configured: serve starts the embedded
	// server at EmbeddedAddr and the CLI connects there.
	Embedded bool
}

// ResolveRedis picks the Redis to use: the flag, then the environment, then
// the configuration file; nothing at all means the embedded server. A
// password is only taken from the environment or a file, never from an
// address, which may appear in argv or logs.
func ResolveRedis(flagAddr, envAddr, cfgAddr string, cfgAddrs []string, master, passwordFile, envPassword string) (RedisConfig, error) {
	rc := RedisConfig{Master: master}
	addr := firstNonEmpty(flagAddr, envAddr, cfgAddr)
	switch {
	case addr != "":
		if err := rc.parseAddr(addr); err != nil {
			return RedisConfig{}, err
		}
	case len(cfgAddrs) > 0:
		rc.Addrs = append(rc.Addrs, cfgAddrs...)
	default:
		rc.Embedded = true
		rc.Addrs = []string{EmbeddedAddr}
	}
	rc.Password = envPassword
	if rc.Password == "" && passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return RedisConfig{}, fmt.Errorf("redis password file: %w", err)
		}
		rc.Password = strings.TrimSpace(string(b))
	}
	return rc, nil
}

func (rc *RedisConfig) parseAddr(addr string) error {
	if !strings.Contains(addr, "://") {
		for _, a := range strings.Split(addr, ",") {
			a = strings.TrimSpace(a)
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fmt.Errorf("redis address %q: want host:port or redis://host:port: %w", a, err)
			}
			rc.Addrs = append(rc.Addrs, a)
		}
		return nil
	}
	u, err := url.Parse(addr)
	if err != nil {
		return fmt.Errorf("redis address: %w", err)
	}
	if _, set := u.User.Password(); set {
		return errors.New("redis address must not contain a password: set " + EnvRedisPassword + " or server.redis_password_file")
	}
	opt, err := redis.ParseURL(addr)
	if err != nil {
		return fmt.Errorf("redis address %q: %w", u.Redacted(), err)
	}
	rc.Addrs = []string{opt.Addr}
	rc.Username, rc.DB, rc.TLS = opt.Username, opt.DB, opt.TLSConfig != nil
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// String describes the target without secrets.
func (rc RedisConfig) String() string {
	s := strings.Join(rc.Addrs, ",")
	if rc.Master != "" {
		s = "sentinel " + rc.Master + "@" + s
	}
	if rc.Embedded {
		s = "embedded " + s
	}
	return s
}

// poolSize bounds the connections of one client (see Client).
const poolSize = 512

// Client returns a go-redis client whose every call respects the caller's
// context deadline and gives up quickly, so a dead or hung Redis turns into a
// routing error within the decision budget rather than a stuck call.
func (rc RedisConfig) Client(budget time.Duration) redis.UniversalClient {
	if budget <= 0 {
		budget = 500 * time.Millisecond
	}
	opt := &redis.UniversalOptions{
		Addrs:                 rc.Addrs,
		MasterName:            rc.Master,
		Username:              rc.Username,
		Password:              rc.Password,
		DB:                    rc.DB,
		DialTimeout:           budget,
		ReadTimeout:           budget,
		WriteTimeout:          budget,
		PoolTimeout:           budget,
		ContextTimeoutEnabled: true,
		MaxRetries:            1,
		DialerRetries:         1, // a refused connection fails the call's decision now, not after 5 dials
		MinRetryBackoff:       10 * time.Millisecond,
		MaxRetryBackoff:       50 * time.Millisecond,
		// Every decision in flight holds a connection until its goroutine
		// has run again to read the reply. With a thousand calls in flight
		// on two cores that wait is the run queue, not Redis: 64
		// connections carried 230 calls/s where 512 carried 1,100 (1,000
		// concurrent sessions, docs/BENCHMARKS.md). Connections are opened
		// as needed; small buffers keep 512 of them at 512 KB (go-redis
		// gives each 64 KiB by default): the commands and replies of a call
		// are a few hundred bytes, and longer ones (a sync, the status
		// board) are read and written in pieces.
		PoolSize:                poolSize,
		ReadBufferSize:          512,
		WriteBufferSize:         512,
		PipelineReadBufferSize:  32 << 10,
		PipelineWriteBufferSize: 32 << 10,
		// Maintenance notifications are a hand-over protocol of managed
		// Redis services; left on ("auto") the client tries it on every
		// connection and keeps a hand-over queue sized to the pool
		// (about 0.3 MB for 512 connections).
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
	if rc.TLS {
		opt.TLSConfig = tlsConfig()
	}
	return redis.NewUniversalClient(opt)
}

// quietLogger drops go-redis's own log lines (dial retries); failures reach
// the caller as errors and are logged there, once, with context.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quietLogger{}) }

// StartEmbedded runs the embedded Redis-protocol server on addr (loopback).
// Its data lives in memory only: use a real Redis with AOF in production.
func StartEmbedded(addr string) (*miniredis.Miniredis, error) {
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(addr); err != nil {
		return nil, fmt.Errorf("embedded redis on %s: %w", addr, err)
	}
	return m, nil
}

// Ping checks that Redis answers within d.
func Ping(ctx context.Context, c redis.UniversalClient, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return c.Ping(ctx).Err()
}
