package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/routing"
)

func TestFreeSWITCHSection(t *testing.T) {
	doc := base + `freeswitch:
  nodes:
    - {name: fs1, addr: "10.0.0.5:8021", password_file: esl.secret, registrations: true}
    - name: fs-cc
      addr: "[::1]:8021"
      password_file: /run/secrets/esl
      callcenter: yes
      callcenter_logout_reason: ferie
`
	nodes := mustParse(t, doc).FreeSWITCH.Nodes
	want := []ESLNode{
		{Name: "fs1", Addr: "10.0.0.5:8021", PasswordFile: "esl.secret", Registrations: true, CallcenterLogout: routing.ReasonFri},
		{Name: "fs-cc", Addr: "[::1]:8021", PasswordFile: "/run/secrets/esl", Callcenter: true, CallcenterLogout: routing.ReasonFerie},
	}
	if len(nodes) != len(want) {
		t.Fatalf("nodes: %+v", nodes)
	}
	for i := range want {
		if nodes[i] != want[i] {
			t.Errorf("node %d: %+v, want %+v", i, nodes[i], want[i])
		}
	}
}

func TestFreeSWITCHAbsentMeansNoNodes(t *testing.T) {
	for _, doc := range []string{base, base + "freeswitch:\n", base + "freeswitch:\n  nodes: []\n"} {
		if n := mustParse(t, doc).FreeSWITCH.Nodes; len(n) != 0 {
			t.Errorf("nodes: %+v", n)
		}
	}
}

func TestFreeSWITCHProblems(t *testing.T) {
	fs := func(nodes string) []string { return []string{"loops:", "freeswitch:\n  nodes:\n" + nodes + "loops:"} }
	runProblems(t, []problemCase{
		{name: "password in the file", edit: fs("    - {name: fs1, addr: \"127.0.0.1:8021\", password: ClueCon}\n"), want: []string{
			`t.yaml:12: freeswitch.nodes[0].password: a password does not belong in the configuration: set SENTRALBORD_ESL_PASSWORD in the environment or point password_file at a file only the service can read`,
		}},
		{name: "missing name and addr", edit: fs("    - {registrations: true}\n"), want: []string{
			`t.yaml:12: freeswitch.nodes[0].name: required`,
			`t.yaml:12: freeswitch.nodes[0].addr: required`,
		}},
		{name: "bad values", edit: fs("    - {name: FS 1, addr: fs1, callcenter: maybe, callcenter_logout_reason: syk}\n"), want: []string{
			`t.yaml:12: freeswitch.nodes[0].name: invalid id "FS 1": use lower-case letters a-z, digits, "-" and "_", e.g. "fs-1"`,
			`t.yaml:12: freeswitch.nodes[0].addr: invalid address "fs1": want host:port, e.g. "127.0.0.1:6379"`,
			`t.yaml:12: freeswitch.nodes[0].callcenter: invalid value "maybe": true or false`,
			`t.yaml:12: freeswitch.nodes[0].callcenter_logout_reason: invalid reason "syk": ferie, fri or permisjon`,
		}},
		{name: "credentials in the address", edit: fs("    - {name: fs1, addr: \"u:p@fs:8021\"}\n"), want: []string{
			`t.yaml:12: freeswitch.nodes[0].addr: a password does not belong in the address: set SENTRALBORD_ESL_PASSWORD or password_file`,
		}},
		{name: "repeated name and address", edit: fs("    - {name: fs1, addr: \"fs:8021\"}\n    - {name: fs1, addr: \"fs:8021\"}\n"), want: []string{
			`t.yaml:13: freeswitch.nodes[1].name: node name "fs1" is already used by freeswitch.nodes[0] (line 12)`,
			`t.yaml:13: freeswitch.nodes[1].addr: address "fs:8021" is already used by freeswitch.nodes[0] (line 12)`,
		}},
		{name: "unknown key", edit: fs("    - {name: fs1, addr: \"fs:8021\", registration: true}\n"), want: []string{
			`t.yaml:12: freeswitch.nodes[0].registration: unknown field (did you mean "registrations"?)`,
		}},
		{name: "nodes not a list", edit: []string{"loops:", "freeswitch:\n  nodes: fs1\nloops:"}, want: []string{
			`t.yaml:11: freeswitch.nodes: expected a list, found a single value`,
		}},
	})
}

func TestESLPasswordSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "esl.secret")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvESLPassword {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		node    ESLNode
		env     string
		want    string
		wantErr string
	}{
		{name: "file wins over the environment", node: ESLNode{Name: "a", PasswordFile: file}, env: "fromenv", want: "s3cret"},
		{name: "environment without a file", node: ESLNode{Name: "a"}, env: "fromenv", want: "fromenv"},
		{name: "neither is a clear error", node: ESLNode{Name: "a"}, wantErr: "esl node a: no password: set SENTRALBORD_ESL_PASSWORD"},
		{name: "missing file", node: ESLNode{Name: "a", PasswordFile: filepath.Join(dir, "nope")}, env: "x", wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.node.Password(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
