package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/internal/redistest"
)

const exampleConfig = "../../examples/sentralbord.yaml"

type cliHarness struct {
	t     *testing.T
	redis string
	now   time.Time
}

func newHarness(t *testing.T) *cliHarness {
	t.Helper()
	srv := redistest.Start(t)
	return &cliHarness{t: t, redis: srv.Addr, now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.Local)}
}

// run executes the command line like a supervisor would and returns stdout,
// stderr and the exit code.
func (h *cliHarness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdout: &out, Stderr: &errb, User: "supervisor",
		Now: func() time.Time { return h.now },
		Getenv: func(k string) string {
			switch k {
			case "SENTRALBORD_REDIS_ADDR":
				return h.redis
			case "SENTRALBORD_CONFIG":
				return exampleConfig
			}
			return ""
		},
	}
	code := Main(context.Background(), args, env, "test")
	return out.String(), errb.String(), code
}

func TestConfigCheckPrintsLoopsWithRoleMembers(t *testing.T) {
	h := &cliHarness{t: t}
	out, errOut, code := h.run("config", "check", exampleConfig)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`loop 1 "Forsikring og faktura"`, "May Tove", "Shabir", "by name",
		`loop 2 "`, "role ds", "roles ds, saksbehandler", "role anleggssekretaer",
		`loop 3 "Andre henvendelser"`, "Rose Thuy", "Mette K.",
		"loop sentralbord",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config check output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = h.run("config", "check", exampleConfig, "-o", "json")
	var doc struct {
		Loops []struct {
			ID      string `json:"id"`
			Members []struct {
				ByName bool     `json:"by_name"`
				Roles  []string `json:"by_roles"`
			} `json:"members"`
		} `json:"loops"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("json output (exit %d): %s", code, out)
	}
	counts := map[string]int{}
	for _, l := range doc.Loops {
		counts[l.ID] = len(l.Members)
		if l.ID == "2" {
			for _, m := range l.Members {
				if m.ByName || len(m.Roles) == 0 {
					t.Errorf("loop 2 member not resolved from roles: %+v", m)
				}
			}
		}
	}
	if counts["1"] != 12 || counts["3"] != 6 || counts["2"] < 4 {
		t.Errorf("member counts %v: want 12 in loop 1, 6 in loop 3, loop 2 from roles", counts)
	}
}

func TestConfigCheckRejectsBrokenFile(t *testing.T) {
	h := &cliHarness{t: t}
	_, errOut, code := h.run("config", "check", "testdata/broken.yaml")
	if code != ExitConfig {
		t.Fatalf("exit %d, want %d", code, ExitConfig)
	}
	if !strings.Contains(errOut, `testdata/broken.yaml:`) || !strings.Contains(errOut, `unknown agent "Jeny" (did you mean "Jenny"?)`) {
		t.Fatalf("error does not name file, line and suggestion:\n%s", errOut)
	}
}

func TestSupervisorVerbs(t *testing.T) {
	h := newHarness(t)
	steps := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"agent", "logout", "may tove", "--reason", "ferie", "--until", "2026-12-31"}, 0, "May Tove logged out (ferie)"},
		{[]string{"agent", "logout", "May Tove", "--reason", "ferie", "--until", "2026-12-31"}, 0, "already logged out"},
		{[]string{"agent", "logout", "May Tove", "--reason", "sick"}, ExitUsage, ""},
		{[]string{"agent", "logout", "May Tove"}, ExitUsage, ""},
		{[]string{"agent", "show", "may tove"}, 0, "no (ferie until 2026-12-31)"},
		{[]string{"agent", "login", "MAY TOVE"}, 0, "May Tove logged in"},
		{[]string{"agent", "login", "May Tove"}, 0, "already logged in"},
		{[]string{"agent", "status", "Jenny", "lunch"}, 0, "Jenny is now lunch"},
		{[]string{"agent", "status", "Jenny", "sleeping"}, ExitUsage, ""},
		{[]string{"agent", "status", "Jeny", "lunch"}, ExitNotFound, ""},
		{[]string{"agent", "list", "--loop", "1"}, 0, "no: status lunch"},
		{[]string{"loop", "show", "1"}, 0, "ORDER"},
		{[]string{"loop", "show", "7"}, ExitNotFound, ""},
		{[]string{"route", "--loop", "3", "--dry-run", "--caller", "90595313"}, 0, "90595313-333"},
		{[]string{"audit", "--agent", "may tove"}, 0, "logout"},
		{[]string{"agent", "list", "-o", "yaml"}, ExitUsage, ""},
	}
	for _, st := range steps {
		out, errOut, code := h.run(st.args...)
		if code != st.wantCode {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", st.args, code, st.wantCode, out, errOut)
		}
		if !strings.Contains(out, st.wantOut) {
			t.Fatalf("%v: output lacks %q:\n%s", st.args, st.wantOut, out)
		}
		if code != 0 && errOut == "" {
			t.Fatalf("%v: failed without a message", st.args)
		}
	}
}

func TestUnknownAndAmbiguousNamesListCandidates(t *testing.T) {
	h := newHarness(t)
	_, errOut, code := h.run("agent", "show", "Jeny")
	if code != ExitNotFound || !strings.Contains(errOut, `did you mean "Jenny"`) {
		t.Errorf("unknown: exit %d, %s", code, errOut)
	}
	_, errOut, code = h.run("agent", "show", "be") // Bente and Beate
	if code != ExitNotFound || !strings.Contains(errOut, "Bente") || !strings.Contains(errOut, "Beate") {
		t.Errorf("ambiguous: exit %d, %s", code, errOut)
	}
}

func TestUnreachableRedisIsReported(t *testing.T) {
	h := &cliHarness{t: t, redis: "127.0.0.1:1", now: time.Now()}
	_, errOut, code := h.run("agent", "list")
	if code != ExitUnavailable || !strings.Contains(errOut, "redis 127.0.0.1:1") {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
}
