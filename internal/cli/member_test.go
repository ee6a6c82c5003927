package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sentralbord/sentralbord/members"
)

// deskRun runs the command line with the member key in the environment and
// stdin as given; every output is kept for the fødselsnummer scan.
func (h *cliHarness) deskRun(stdin string, args ...string) (string, string, int) {
	h.t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdout: &out, Stderr: &errb, User: "kari",
		Now: func() time.Time { return h.now },
		Getenv: func(k string) string {
			switch k {
			case "SENTRALBORD_REDIS_ADDR":
				return h.redis
			case "SENTRALBORD_CONFIG":
				return exampleConfig
			case "SENTRALBORD_MEMBER_KEY":
				return "cli-test-key-0123456789"
			}
			return ""
		},
	}
	root := NewRoot(env, "test")
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	err := root.ExecuteContext(context.Background())
	if err != nil {
		errb.WriteString("sentralbord: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), ExitCode(err)
}

func demoRecords(t *testing.T) []members.Record {
	t.Helper()
	f, err := os.Open("../../examples/members-demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := members.ReadRecords(f)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestMemberDesk(t *testing.T) {
	h := newHarness(t)
	recs := demoRecords(t)
	var seen strings.Builder
	steps := []struct {
		stdin    string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"", []string{"member", "check", "1000001"}, ExitNotFound, ""}, // nothing imported yet
		{"", []string{"member", "import"}, 0, "imported 40 members"},
		{"", []string{"member", "check", "+47 0100 0001"}, 0, "0 to check"},
		{"", []string{"member", "check", "1000002"}, 0, "no e-mail address"},
		{"", []string{"member", "check", "1000003"}, 0, "bladretur: post came back; verify the address (Prøvegata"},
		{"", []string{"member", "check", "1000004"}, 0, "placeholder personal number 00100"},
		{"", []string{"member", "check", "1000005"}, 0, "check digit is wrong"},
		{"", []string{"member", "check", "1000001", "--caller", "01000042"}, 0, "calling from 01000042, registered 01000001"},
		{"", []string{"member", "check", "01000007"}, ExitNotFound, ""},
		{"", []string{"member", "check", "1000007"}, 0, "EN: greet in English"},
		{"", []string{"member", "update", "1000003", "--address", "Prøvegata 9, 9999 Eksempelby"}, 0, "bladretur cleared"},
		{"", []string{"member", "update", "1000003", "--address", "Prøvegata 9, 9999 Eksempelby"}, 0, "already has these details"},
		{"", []string{"member", "update", "1000003"}, ExitUsage, ""},
		{"", []string{"member", "check", "1000003"}, 0, "no bladretur"},
		{recs[0].Fnr + "\n", []string{"member", "verify", "--member-no", "1000001", "--fnr", "-"}, 0, "MATCHES member 1000001 Kari Nordmann"},
		{recs[9].Fnr + "\n", []string{"member", "verify", "--member-no", "1000001", "--fnr", "-"}, ExitMismatch, "does NOT match"},
		{"", []string{"member", "verify", "--member-no", "1000004", "--fnr", recs[3].Fnr}, ExitMismatch, "registered number is placeholder"},
		{"", []string{"member", "kid", "10000016"}, 0, "KID valid (MOD10): member 1000001 Kari Nordmann"},
		{"", []string{"member", "kid", "10000017"}, ExitUsage, ""},
		{"", []string{"member", "kid", members.WithCheckDigit(members.MOD10, "9999999")}, ExitNotFound, ""},
	}
	for _, s := range steps {
		out, errOut, code := h.deskRun(s.stdin, s.args...)
		seen.WriteString(out + errOut)
		if code != s.wantCode || !strings.Contains(out, s.wantOut) {
			t.Fatalf("%v: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", s.args, code, s.wantCode, out, errOut, s.wantOut)
		}
	}
	out, _, code := h.deskRun("", "member", "check", "1000004", "-o", "json")
	seen.WriteString(out)
	var cl members.Checklist
	if code != 0 || json.Unmarshal([]byte(out), &cl) != nil || cl.Member.FnrStatus != members.FnrPlaceholder || cl.Todo() != 1 {
		t.Fatalf("json checklist (exit %d): %s", code, out)
	}
	assertNoFnr(t, seen.String(), recs)
}

// assertNoFnr fails when any demo member's fødselsnummer appears in text.
func assertNoFnr(t *testing.T, text string, recs []members.Record) {
	t.Helper()
	for _, r := range recs {
		if len(r.Fnr) == 11 && strings.Contains(text, r.Fnr) {
			t.Fatalf("the fødselsnummer of member %s reached the output", r.No)
		}
	}
}

func TestMessagesCLI(t *testing.T) {
	h := newHarness(t)
	out, errOut, code := h.deskRun("", "message", "send", "--to", "faktura", "--member", "1000002", "--text", "Ring tilbake om faktura", "--confirm")
	if code != 0 || !strings.Contains(out, "sent faktura/") {
		t.Fatalf("send: %d %s %s", code, out, errOut)
	}
	id := strings.Fields(strings.TrimPrefix(out, "sent "))[0]
	id = strings.TrimSuffix(id, ";")
	for _, s := range []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"message", "send", "--to", "lonn", "--text", "x"}, ExitNotFound, ""},
		{[]string{"message", "send", "--to", "faktura"}, ExitUsage, ""},
		{[]string{"message", "list", "--mine"}, 0, "waiting for confirmation"},
		{[]string{"message", "list", "--dept", "faktura", "--open"}, 0, "new"},
		{[]string{"message", "take", "--dept", "faktura"}, 0, id},
		{[]string{"message", "list", "--dept", "faktura", "--open"}, 0, "with kari (delivered 1×)"},
		{[]string{"message", "done", id, "--note", "Ringt opp"}, 0, id + " done"},
		{[]string{"message", "done", id}, 0, "already done"},
		{[]string{"message", "done", "faktura/1-0"}, ExitNotFound, ""},
		{[]string{"message", "list", "--mine"}, 0, "confirmed: done by kari"},
		{[]string{"message", "list"}, ExitUsage, ""},
	} {
		out, errOut, code := h.deskRun("", s.args...)
		if code != s.wantCode || !strings.Contains(out, s.wantOut) {
			t.Fatalf("%v: exit %d (want %d)\nstdout: %s\nstderr: %s\nwant %q", s.args, code, s.wantCode, out, errOut, s.wantOut)
		}
	}
	if out, _, _ := h.deskRun("", "message", "list", "--dept", "faktura", "--open"); strings.Contains(out, id) {
		t.Fatalf("done message still open:\n%s", out)
	}
}
