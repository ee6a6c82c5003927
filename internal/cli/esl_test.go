package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/esl/esltest"
)

// eslHarness runs the CLI against a real Redis and a fake FreeSWITCH node.
type eslHarness struct {
	*cliHarness
	config string
	fake   *esltest.Server
}

func newESLHarness(t *testing.T) *eslHarness {
	t.Helper()
	fake := esltest.Start(t)
	base, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(base) + "\nfreeswitch:\n  nodes:\n    - {name: fs1, addr: \"" + fake.Addr() + "\"}\n"
	path := filepath.Join(t.TempDir(), "sentralbord.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return &eslHarness{cliHarness: newHarness(t), config: path, fake: fake}
}

func (h *eslHarness) env(out, errb *bytes.Buffer, password string) Env {
	return Env{Stdout: out, Stderr: errb, User: "supervisor", Now: time.Now,
		Getenv: func(k string) string {
			switch k {
			case "SENTRALBORD_REDIS_ADDR":
				return h.redis
			case "SENTRALBORD_CONFIG":
				return h.config
			case "SENTRALBORD_ESL_PASSWORD":
				return password
			}
			return ""
		}}
}

func (h *eslHarness) cli(args ...string) (string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, h.env(&out, &errb, ""), "test")
	return out.String() + errb.String(), code
}

// listen starts `esl listen` and returns a function that stops it and
// returns its exit code and stderr.
func (h *eslHarness) listen(password string) func() (int, string) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"esl", "listen"}, h.env(&out, &errb, password), "test") }()
	stop := func() (int, string) { cancel(); return <-done, errb.String() }
	h.t.Cleanup(func() { cancel() })
	return stop
}

func (h *eslHarness) status() []eslRow {
	h.t.Helper()
	out, code := h.cli("esl", "status", "-o", "json")
	if code != 0 {
		h.t.Fatalf("esl status: exit %d: %s", code, out)
	}
	var rows []eslRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		h.t.Fatalf("esl status json: %v\n%s", err, out)
	}
	return rows
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestESLListenRecordsFeatureCodeAndStatusShowsTheLink(t *testing.T) {
	h := newESLHarness(t)
	if rows := h.status(); len(rows) != 1 || rows[0].Node != "fs1" || rows[0].Reporting {
		t.Fatalf("before listen: %+v, want fs1 not reporting", rows)
	}
	stop := h.listen("ClueCon")
	waitUntil(t, "fs1 connected", func() bool { r := h.status(); return r[0].Reporting && r[0].Connected })
	h.fake.Fire(esltest.Status("2301", "status", "lunch"))
	waitUntil(t, "mette-k at lunch", func() bool {
		out, _ := h.cli("audit", "--agent", "mette-k", "-o", "json")
		return strings.Contains(out, `"lunch"`) && strings.Contains(out, `"esl"`) && strings.Contains(out, `"fs1"`)
	})
	waitUntil(t, "an event counted", func() bool { return h.status()[0].Received > 0 })
	table, code := h.cli("esl", "status")
	if code != 0 || !strings.Contains(table, "fs1") || !strings.Contains(table, "connected") || !strings.Contains(table, "RECONNECTS") {
		t.Fatalf("esl status table (exit %d):\n%s", code, table)
	}
	if code, _ := stop(); code != 0 {
		t.Fatalf("listen exit %d after cancel", code)
	}
}

func TestESLListenWithoutPasswordIsAConfigError(t *testing.T) {
	h := newESLHarness(t)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"esl", "listen"}, h.env(&out, &errb, ""), "test")
	errOut := errb.String()
	if code != ExitConfig || !strings.Contains(errOut, "no password: set SENTRALBORD_ESL_PASSWORD") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestESLListenWithoutNodesIsAConfigError(t *testing.T) {
	h := newHarness(t)
	_, errOut, code := h.run("esl", "listen")
	if code != ExitConfig || !strings.Contains(errOut, "no FreeSWITCH nodes configured") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestESLListenLogLevelIsParsedBeforeAnythingRuns(t *testing.T) {
	if _, err := parseESLListen("loud"); ExitCode(err) != ExitUsage {
		t.Fatalf("err %v, want a usage error", err)
	}
	if o, err := parseESLListen("debug"); err != nil || o.logLevel.String() != "DEBUG" {
		t.Fatalf("%+v %v", o, err)
	}
}
