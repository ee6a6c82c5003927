package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Server holds the service's own settings.
type Server struct {
	// AGIListen is where the FastAGI server listens, loopback by default.
	AGIListen string
	// RedisAddr is one Redis server, host:port or a redis://, rediss:// or
	// unix:// URL without password.
	RedisAddr string
	// RedisAddrs are Cluster seed addresses, or Sentinel addresses when
	// RedisSentinelMaster is set.
	RedisAddrs          []string
	RedisSentinelMaster string
	// RedisPasswordFile holds the Redis password; a relative path in the file
	// is taken relative to the configuration file's directory.
	RedisPasswordFile string
	// Namespace is the Redis hash tag every key carries, so that all keys of
	// a deployment land in one Cluster slot and Lua scripts run unchanged.
	Namespace string
	// DecisionBudget is how long a routing decision may take before the
	// dialplan gets "error" and uses the loop's fallback.
	DecisionBudget time.Duration

	passwordFileLine int
}

// RedisMode says which kind of Redis client to build.
type RedisMode string

// Redis modes, decided as go-redis's UniversalClient decides.
const (
	RedisEmbedded RedisMode = "embedded" // nothing configured: an in-process server
	RedisSingle   RedisMode = "single"   // redis_addr, or one entry in redis_addrs
	RedisCluster  RedisMode = "cluster"  // several redis_addrs
	RedisSentinel RedisMode = "sentinel" // redis_sentinel_master with redis_addrs
)

// RedisMode reports which Redis the settings describe.
func (s Server) RedisMode() RedisMode {
	switch {
	case s.RedisSentinelMaster != "":
		return RedisSentinel
	case len(s.RedisAddrs) > 1:
		return RedisCluster
	case s.RedisAddr != "" || len(s.RedisAddrs) == 1:
		return RedisSingle
	}
	return RedisEmbedded
}

// RedisPassword returns the Redis password from EnvRedisPassword or, when
// that is unset, from RedisPasswordFile without its trailing newline; "" when
// neither is set.
func (s Server) RedisPassword() (string, error) {
	if p := os.Getenv(EnvRedisPassword); p != "" {
		return p, nil
	}
	if s.RedisPasswordFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(s.RedisPasswordFile)
	if err != nil {
		return "", fmt.Errorf("redis password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// KeyPrefix is what every Redis key starts with: "{sb}:".
func (s Server) KeyPrefix() string { return "{" + s.Namespace + "}:" }

var namespaceSyntax = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

var errCredentials = errors.New("a password does not belong in the configuration: set " + EnvRedisPassword +
	" in the environment or point redis_password_file at a file only the service can read")

func (c *checker) server() {
	raw := c.raw.Server
	s := Server{AGIListen: DefaultAGIListen, Namespace: DefaultNamespace, passwordFileLine: raw.RedisPasswordFile.Line}
	if f := raw.AGIListen; f.Val != "" {
		if err := checkHostPort(f.Val, 0); err != nil {
			c.ps.add(f.Line, "server.agi_listen", "invalid address %q: %v", f.Val, err)
		} else {
			s.AGIListen = f.Val
		}
	}
	if f := raw.RedisAddr; f.Val != "" {
		if err := checkRedisAddr(f.Val); err != nil {
			c.ps.add(f.Line, "server.redis_addr", "%v", err)
		} else {
			s.RedisAddr = f.Val
		}
	}
	for i, f := range raw.RedisAddrs.Items {
		path := fmt.Sprintf("server.redis_addrs[%d]", i)
		switch err := checkHostPort(f.Val, 1); {
		case strings.Contains(f.Val, "@"):
			c.ps.add(f.Line, path, "%v", errCredentials)
		case err != nil:
			c.ps.add(lineOr(f.Line, raw.RedisAddrs.Line), path, "invalid address %q: %v", f.Val, err)
		default:
			s.RedisAddrs = append(s.RedisAddrs, f.Val)
		}
	}
	master := raw.RedisSentinelMaster
	switch {
	case raw.RedisAddr.Val != "" && len(raw.RedisAddrs.Items) > 0:
		c.ps.add(raw.RedisAddrs.Line, "server.redis_addrs", "set either redis_addr (one server) or redis_addrs (Cluster or Sentinel), not both")
	case master.Val != "" && len(raw.RedisAddrs.Items) == 0:
		c.ps.add(master.Line, "server.redis_sentinel_master", "list the sentinels' host:port under redis_addrs")
	default:
		s.RedisSentinelMaster = master.Val
	}
	if p := raw.RedisPasswordFile.Val; p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(c.ps.file), p)
		}
		s.RedisPasswordFile = p
	}
	if f := raw.Namespace; f.Val != "" {
		if !namespaceSyntax.MatchString(f.Val) {
			c.ps.add(f.Line, "server.namespace", "invalid namespace %q: up to 32 letters, digits, \".\", \"-\" and \"_\"; it becomes the hash tag of every key, as in {sb}:", f.Val)
		} else {
			s.Namespace = f.Val
		}
	}
	s.DecisionBudget = c.duration(raw.DecisionBudget, "server.decision_budget", DefaultDecisionBudget, decisionBudgetSpan)
	c.cfg.Server = s
}

// checkHostPort accepts host:port with a port from minPort to 65535.
func checkHostPort(s string, minPort int) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New(`want host:port, e.g. "127.0.0.1:6379"`)
	}
	if n, err := strconv.Atoi(port); err != nil || n < minPort || n > 65535 {
		return fmt.Errorf("invalid port %q", port)
	}
	return nil
}

// checkRedisAddr accepts host:port or a redis://, rediss:// or unix:// URL,
// and refuses any password. Its messages never repeat the address: it may
// hold the very password being refused.
func checkRedisAddr(s string) error {
	if !strings.Contains(s, "://") {
		if strings.Contains(s, "@") {
			return errCredentials
		}
		if err := checkHostPort(s, 1); err != nil {
			return fmt.Errorf("invalid address %q: %v", s, err)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil && strings.Contains(s, "@") {
		return errCredentials
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("invalid URL: %v", err)
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		return errCredentials
	}
	switch u.Scheme {
	case "redis", "rediss":
		if u.Host == "" {
			return errors.New("invalid URL: no host")
		}
	case "unix":
		if u.Path == "" {
			return errors.New("invalid URL: no socket path")
		}
	default:
		return fmt.Errorf("invalid URL scheme %q: want redis://, rediss:// or unix://", u.Scheme)
	}
	return nil
}
