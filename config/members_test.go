package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withMembers appends a members section to base; its first key is on line 23.
func withMembers(lines ...string) []string {
	return []string{"    roles: [sentralbord]\n", "    roles: [sentralbord]\nmembers:\n  " + strings.Join(lines, "\n  ") + "\n"}
}

func TestParseReportsMembersProblems(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "unknown KID algorithm", edit: withMembers("kid_algorithm: MOD12"),
			want: []string{`t.yaml:23: members.kid_algorithm: unknown algorithm "MOD12": want MOD10 or MOD11`}},
		{name: "positions backwards", edit: withMembers("kid_member_positions: 7-1"),
			want: []string{`t.yaml:23: members.kid_member_positions: want FROM-TO positions counted from 1, e.g. "1-7" (or "1-" for up to the check digit), got "7-1"`}},
		{name: "positions reach the check digit", edit: withMembers("kid_length: 8", "kid_member_positions: 1-8"),
			want: []string{`t.yaml:24: members.kid_member_positions: "1-8" reaches the check digit of a 8-digit KID`}},
		{name: "key in the file is refused", edit: withMembers("key: hunter2hunter2hunter2"),
			want: []string{`t.yaml:23: members.key: the key does not belong in the configuration: set SENTRALBORD_MEMBER_KEY in the environment or point key_file at a file only the service can read`}},
		{name: "department twice", edit: withMembers("departments: [faktura, faktura]"),
			want: []string{`t.yaml:23: members.departments[1]: department "faktura" listed twice`}},
	})
}

func TestMembersDefaultsAndKey(t *testing.T) {
	cfg := mustParse(t, base)
	if m := cfg.Members; m.KIDAlgorithm != "MOD10" || m.KIDMemberFrom != 1 || m.KIDMemberTo != 0 {
		t.Fatalf("defaults: %+v", m)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "member.key")
	if err := os.WriteFile(keyFile, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := Members{KeyFile: keyFile, Departments: []string{"faktura"}}
	noEnv := func(string) string { return "" }
	if k, err := m.Key(noEnv); err != nil || string(k) != "0123456789abcdef0123" {
		t.Fatalf("key from file: %q %v", k, err)
	}
	env := func(string) string { return "from-the-environment!" }
	if k, _ := m.Key(env); string(k) != "from-the-environment!" {
		t.Fatalf("environment first: %q", k)
	}
	if _, err := (Members{}).Key(noEnv); err == nil || !strings.Contains(err.Error(), EnvMemberKey) {
		t.Fatalf("no key: %v", err)
	}
	if _, err := m.Key(func(string) string { return "short" }); err == nil {
		t.Fatal("short key accepted")
	}
	if !m.Department("FAKTURA") || m.Department("lonn") {
		t.Fatal("Department")
	}
}
