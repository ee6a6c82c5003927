package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withServer appends a server section to base; its first key is on line 23.
func withServer(lines ...string) []string {
	return []string{"    roles: [sentralbord]\n", "    roles: [sentralbord]\nserver:\n  " + strings.Join(lines, "\n  ") + "\n"}
}

func TestParseReportsServerProblems(t *testing.T) {
	refusal := "a password does not belong in the configuration: set SENTRALBORD_REDIS_PASSWORD in the environment or point redis_password_file at a file only the service can read"
	runProblems(t, []problemCase{
		{
			name: "password in a redis URL is refused",
			edit: withServer("redis_addr: redis://:hunter2@redis.internal:6379/0"),
			want: []string{`t.yaml:23: server.redis_addr: ` + refusal},
		},
		{
			name: "user and password in a redis URL are refused",
			edit: withServer("redis_addr: rediss://sb:hunter2@redis.internal:6380"),
			want: []string{`t.yaml:23: server.redis_addr: ` + refusal},
		},
		{
			name: "password in a URL query is refused",
			edit: withServer("redis_addr: redis://redis.internal:6379?password=hunter2"),
			want: []string{`t.yaml:23: server.redis_addr: ` + refusal},
		},
		{
			name: "password in an unparsable URL is refused",
			edit: withServer("redis_addr: redis://:hun ter2@redis.internal:6379"),
			want: []string{`t.yaml:23: server.redis_addr: ` + refusal},
		},
		{
			name: "credentials before host:port are refused",
			edit: withServer("redis_addr: hunter2@redis.internal:6379"),
			want: []string{`t.yaml:23: server.redis_addr: ` + refusal},
		},
		{
			name: "credentials in a cluster address are refused",
			edit: withServer("redis_addrs: [a:6379, ':hunter2@b:6379']"),
			want: []string{`t.yaml:23: server.redis_addrs[1]: ` + refusal},
		},
		{
			name: "a redis_password key is refused",
			edit: withServer("redis_password: hunter2"),
			want: []string{`t.yaml:23: server.redis_password: ` + refusal},
		},
		{
			name: "redis address without port",
			edit: withServer("redis_addr: redis.internal"),
			want: []string{`t.yaml:23: server.redis_addr: invalid address "redis.internal": want host:port, e.g. "127.0.0.1:6379"`},
		},
		{
			name: "redis URL of another scheme",
			edit: withServer("redis_addr: http://redis.internal:6379"),
			want: []string{`t.yaml:23: server.redis_addr: invalid URL scheme "http": want redis://, rediss:// or unix://`},
		},
		{
			name: "redis URL with a bad port",
			edit: withServer("redis_addr: redis://redis.internal:63x9"),
			want: []string{`t.yaml:23: server.redis_addr: invalid URL: invalid port ":63x9" after host`},
		},
		{
			name: "both redis_addr and redis_addrs",
			edit: withServer("redis_addr: a:6379", "redis_addrs: [b:6379, c:6379]"),
			want: []string{`t.yaml:24: server.redis_addrs: set either redis_addr (one server) or redis_addrs (Cluster or Sentinel), not both`},
		},
		{
			name: "sentinel master without sentinels",
			edit: withServer("redis_sentinel_master: mymaster"),
			want: []string{`t.yaml:23: server.redis_sentinel_master: list the sentinels' host:port under redis_addrs`},
		},
		{
			name: "cluster address with port 0",
			edit: withServer("redis_addrs: [a:0]"),
			want: []string{`t.yaml:23: server.redis_addrs[0]: invalid address "a:0": invalid port "0"`},
		},
		{
			name: "agi_listen without port",
			edit: withServer("agi_listen: localhost"),
			want: []string{`t.yaml:23: server.agi_listen: invalid address "localhost": want host:port, e.g. "127.0.0.1:6379"`},
		},
		{
			name: "namespace with braces",
			edit: withServer("namespace: '{sb}'"),
			want: []string{`t.yaml:23: server.namespace: invalid namespace "{sb}": up to 32 letters, digits, ".", "-" and "_"; it becomes the hash tag of every key, as in {sb}:`},
		},
		{
			name: "decision budget too long",
			edit: withServer("decision_budget: 10s"),
			want: []string{`t.yaml:23: server.decision_budget: 10s is outside 50ms–5s`},
		},
		{
			name: "server that is a list",
			edit: []string{"    roles: [sentralbord]\n", "    roles: [sentralbord]\nserver: [x]\n"},
			want: []string{`t.yaml:22: server: expected a mapping (key: value), found a list`},
		},
	})
}

func TestServerDefaults(t *testing.T) {
	s := mustParse(t, base).Server
	if s.AGIListen != "127.0.0.1:4573" || s.Namespace != "sb" || s.DecisionBudget != 500*time.Millisecond ||
		s.RedisMode() != RedisEmbedded || s.KeyPrefix() != "{sb}:" {
		t.Errorf("defaults = %+v, mode %s, prefix %s", s, s.RedisMode(), s.KeyPrefix())
	}
}

func TestRedisModeFollowsTheAddresses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines []string
		want  RedisMode
	}{
		{"nothing is embedded", nil, RedisEmbedded},
		{"one address is single", []string{"redis_addr: redis://r:6379/2"}, RedisSingle},
		{"one entry in redis_addrs is single", []string{"redis_addrs: [r:6379]"}, RedisSingle},
		{"several addresses are a cluster", []string{"redis_addrs: [a:6379, b:6379, c:6379]"}, RedisCluster},
		{"a master name makes sentinels", []string{"redis_sentinel_master: m", "redis_addrs: [a:26379]"}, RedisSentinel},
		{"a unix socket is single", []string{"redis_addr: unix:///run/redis.sock"}, RedisSingle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := base
			if tc.lines != nil {
				e := withServer(tc.lines...)
				doc = strings.Replace(base, e[0], e[1], 1)
			}
			if got := mustParse(t, doc).Server.RedisMode(); got != tc.want {
				t.Errorf("RedisMode() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRedisPasswordComesFromEnvironmentOrFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "redis.pw"), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := withServer("redis_addr: r:6379", "redis_password_file: redis.pw")
	path := filepath.Join(dir, "sentralbord.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(base, e[0], e[1], 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "redis.pw"); cfg.Server.RedisPasswordFile != want {
		t.Errorf("password file = %q, want %q (relative to the config file)", cfg.Server.RedisPasswordFile, want)
	}
	t.Setenv(EnvRedisPassword, "")
	if pw, err := cfg.Server.RedisPassword(); pw != "from-file" || err != nil {
		t.Errorf("from file: %q, %v", pw, err)
	}
	t.Setenv(EnvRedisPassword, "from-env")
	if pw, err := cfg.Server.RedisPassword(); pw != "from-env" || err != nil {
		t.Errorf("from environment: %q, %v", pw, err)
	}
}

func TestLoadReportsMissingPasswordFile(t *testing.T) {
	dir := t.TempDir()
	e := withServer("redis_password_file: /nonexistent/redis.pw")
	path := filepath.Join(dir, "sentralbord.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(base, e[0], e[1], 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + ":23: server.redis_password_file: cannot use /nonexistent/redis.pw: no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("Load error = %v, want %s", err, want)
	}
}

func TestRefusedPasswordNeverAppearsInMessages(t *testing.T) {
	for _, addr := range []string{
		"redis://:hunter2@r:6379", "redis://u:hunter2@r:6379", "redis://:hun ter2@r:6379",
		"hunter2@r:6379", "redis://r:6379?password=hunter2", "redis://:hunter2@r:bad",
	} {
		e := withServer("redis_addr: '" + addr + "'")
		_, err := Parse("t.yaml", []byte(strings.Replace(base, e[0], e[1], 1)))
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("redis_addr %q: error %v", addr, err)
		}
	}
}
