package cli

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
)

func TestDoctorSaysWhatIsDown(t *testing.T) {
	h := newHarness(t)
	// Nothing listens on the AGI address: a port that was free a moment ago.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	out, _, code := h.run("doctor", "--agi", closed, "--http", "off")
	if code != ExitFailure {
		t.Errorf("exit %d, want %d", code, ExitFailure)
	}
	for _, want := range []string{
		"ok    config    ../../examples/sentralbord.yaml: 34 agents",
		"ok    redis",
		"fail  agi       nothing accepts FastAGI connections on " + closed,
		"is `sentralbord serve` running?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "http") {
		t.Errorf("--http off still checked http:\n%s", out)
	}
}

func TestDoctorPassesWhenAllAnswer(t *testing.T) {
	h := newHarness(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	out, errOut, code := h.run("doctor", "--agi", l.Addr().String(), "--http", "off", "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	var fs []finding
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(fs) != 3 {
		t.Errorf("findings: %+v", fs)
	}
	for _, f := range fs {
		if f.Level != "ok" {
			t.Errorf("%s: %s %s", f.Check, f.Level, f.Detail)
		}
	}
}

func TestDoctorWithoutConfiguration(t *testing.T) {
	h := newHarness(t)
	out, _, code := h.run("doctor", "--config", "testdata/missing.yaml", "--http", "off")
	if code != ExitFailure || !strings.Contains(out, "fail  config") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
