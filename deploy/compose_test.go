// Package deploy_test checks the deployment files: the compose stack is
// loaded with the Compose specification's own loader (no Docker engine is
// needed) and its services, ports and mounts are asserted.
package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "docker-compose.yml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  root,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: b}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("sentralbord", true) })
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t)
	for _, name := range []string{"redis", "sentralbord", "asterisk"} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %s (have %v)", name, p.ServiceNames())
			continue
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart %q, want unless-stopped", name, s.Restart)
		}
	}
	for _, name := range []string{"redis", "asterisk"} {
		if s := p.Services[name]; s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
			t.Errorf("%s: no health check", name)
		}
	}
	if dep, ok := p.Services["sentralbord"].DependsOn["redis"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("sentralbord must wait for a healthy redis: %+v", p.Services["sentralbord"].DependsOn)
	}
	if cmd := p.Services["redis"].Command; !slices.Contains(cmd, "--appendonly") {
		t.Errorf("redis without AOF: %v", cmd)
	}
}

// Every published port binds the host's loopback only.
func TestComposePortsOnLoopback(t *testing.T) {
	p := loadCompose(t)
	want := map[string][]string{
		"redis":       {"6379/tcp"},
		"sentralbord": {"4573/tcp", "9464/tcp"},
		"asterisk":    {"5060/udp", "10000/udp"},
	}
	for name, s := range p.Services {
		var got []string
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s: port %d/%s published on %q, want 127.0.0.1", name, port.Target, port.Protocol, port.HostIP)
			}
			got = append(got, portKey(port))
		}
		for _, w := range want[name] {
			if !slices.Contains(got, w) {
				t.Errorf("%s: port %s not published (have %v)", name, w, got)
			}
		}
	}
}

func portKey(p types.ServicePortConfig) string {
	proto := p.Protocol
	if proto == "" {
		proto = "tcp"
	}
	return strconv.Itoa(int(p.Target)) + "/" + proto
}

// The PBX gets the repository's dialplan, PJSIP sample and prompts, and the
// files it mounts exist (the prompts once scripts/prompts.sh has run).
func TestComposeMounts(t *testing.T) {
	p := loadCompose(t)
	root := p.WorkingDir
	mounts := map[string]string{}
	for _, v := range p.Services["asterisk"].Volumes {
		rel, err := filepath.Rel(root, v.Source)
		if err != nil {
			t.Fatal(err)
		}
		mounts[v.Target] = rel
		if !v.ReadOnly {
			t.Errorf("asterisk mounts %s writable", v.Target)
		}
	}
	for target, src := range map[string]string{
		"/etc/asterisk/extensions.conf":           "deploy/asterisk/extensions.conf",
		"/etc/asterisk/sentralbord":               "dialplan/asterisk",
		"/etc/asterisk/pjsip.conf":                "dialplan/asterisk/pjsip.conf.sample",
		"/var/lib/asterisk/sounds/no/sentralbord": "sounds/asterisk/no/sentralbord",
		"/var/lib/asterisk/sounds/en/sentralbord": "sounds/asterisk/en/sentralbord",
	} {
		got, ok := mounts[target]
		if !ok || got != src {
			t.Errorf("asterisk: %s mounted from %q, want %s", target, got, src)
			continue
		}
		if filepath.Dir(src) != "sounds/asterisk/no" && filepath.Dir(src) != "sounds/asterisk/en" {
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("asterisk mounts %s, which does not exist", src)
			}
		}
	}
	if v := p.Services["redis"].Volumes; len(v) != 1 || v[0].Type != types.VolumeTypeVolume || v[0].Target != "/data" {
		t.Errorf("redis data volume: %+v", v)
	}
	if s := p.Services["asterisk"].Secrets; len(s) != 1 || s[0].Source != "pjsip_auth" {
		t.Errorf("asterisk secrets: %+v", s)
	}
}
