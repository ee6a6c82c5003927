package agi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/agi/agitest"
)

// Transcripts that hold a full environment block.
var envTranscripts = []string{
	"agi-001-route", "agi-002-routeclose", "agi-003-route", "agi-004-route", "agi-005-hold",
	"agi-006-hold", "agi-007-hold", "agi-008-selfhangup", "agi-010-closeafterenv",
	"agi-011-closepartial", "agi-012-closemidexec", "agi-013-rst", "agi-014-silent",
	"agi-015-quoting-pipelined", "agi-016-quoting", "agi-017-sip-run1", "agi-018-sip-run2",
	"agi-019-sip", "agi-020-route", "agi-021-nopath", "agi-022-route", "agi-023-sip",
}

func TestEnvFromTranscripts(t *testing.T) {
	for _, name := range envTranscripts {
		t.Run(name, func(t *testing.T) {
			tr := readTranscript(t, name)
			chunks := tr.EnvChunks()
			if len(chunks) < 2 {
				t.Fatalf("env in %d chunks; the transcripts show several", len(chunks))
			}
			env, err := readEnv(bufio.NewReaderSize(&segReader{chunks: chunks}, 16))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(env.Raw, tr.EnvVars) {
				t.Errorf("raw env\n got %v\nwant %v", env.Raw, tr.EnvVars)
			}
			script := tr.EnvVars["agi_network_script"]
			if want, _, _ := strings.Cut(script, "?"); env.Request != want {
				t.Errorf("Request = %q, want %q", env.Request, want)
			}
			if env.UniqueID != tr.EnvVars["agi_uniqueid"] || env.Channel != tr.EnvVars["agi_channel"] {
				t.Errorf("UniqueID, Channel = %q, %q", env.UniqueID, env.Channel)
			}
			if cid := tr.EnvVars["agi_callerid"]; (cid == "unknown") != (env.CallerID == "") {
				t.Errorf("CallerID = %q from %q", env.CallerID, cid)
			}
		})
	}
}

func TestEnvDetails(t *testing.T) {
	load := func(name string) Env {
		env, err := readEnv(bufio.NewReader(bytes.NewReader(readTranscript(t, name).Env())))
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	t.Run("no path, empty last arg", func(t *testing.T) {
		env := load("agi-021-nopath")
		if env.Request != "" || len(env.Query) != 0 {
			t.Errorf("Request %q Query %v, want empty", env.Request, env.Query)
		}
		if want := []string{"arg one", "quoted, arg", ""}; !slicesEqual(env.Args, want) {
			t.Errorf("Args = %q, want %q", env.Args, want)
		}
		if env.CallerID != "" || env.CallerIDName != "" {
			t.Errorf("unknown caller id not mapped to empty: %q %q", env.CallerID, env.CallerIDName)
		}
	})
	t.Run("query and args", func(t *testing.T) {
		env := load("agi-003-route")
		if env.Request != "route" || env.Query.Get("loop") != "1" || env.Query.Get("digit") != "2" {
			t.Errorf("Request %q Query %v", env.Request, env.Query)
		}
		if env.Param("loop", 1) != "1" || env.Param("nope", 2) != "second arg" || env.Arg(3) != "" {
			t.Errorf("Param/Arg wrong: %q %q", env.Param("loop", 1), env.Param("nope", 2))
		}
		if env.CallerID != "+15551230002" || env.CallerIDName != "IVR Caller" || env.Language != "en" ||
			env.Context != "ivr" || env.Extension != "s" {
			t.Errorf("fields: %+v", env)
		}
	})
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReplyLinesFromTranscripts(t *testing.T) {
	tests := []struct {
		name, stream string
		want         []frame
	}{
		{"value with parentheses", "200 result=1 (paren (x) and ) end)\n",
			[]frame{{reply: Reply{Status: 200, Result: 1, Value: "paren (x) and ) end"}}}},
		{"unset variable", "200 result=0\n", []frame{{reply: Reply{Status: 200}}}},
		{"empty value", "200 result=1 ()\n", []frame{{reply: Reply{Status: 200, Result: 1}}}},
		{"quotes and backslash", "200 result=1 (back\\slash and n)\n200 result=1 (say \"hi\" now)\n",
			[]frame{{reply: Reply{Status: 200, Result: 1, Value: `back\slash and n`}},
				{reply: Reply{Status: 200, Result: 1, Value: `say "hi" now`}}}},
		{"utf8 and tab", "200 result=1 (tab\there utf8 h\xc3\xa9llo \xe2\x98\x8e)\n",
			[]frame{{reply: Reply{Status: 200, Result: 1, Value: "tab\there utf8 héllo ☎"}}}},
		{"unknown app", "200 result=-2\n", []frame{{reply: Reply{Status: 200, Result: -2}}}},
		{"510", "510 Invalid or unknown command\n",
			[]frame{{reply: Reply{Status: 510, Value: "Invalid or unknown command"}}}},
		{"511", "511 Command Not Permitted on a dead channel or intercept routine\n",
			[]frame{{reply: Reply{Status: 511, Value: "Command Not Permitted on a dead channel or intercept routine"}}}},
		{"520 block", "520-Invalid command syntax.  Proper usage follows:\nSets a variable to the current channel.\n520 End of proper usage.\n",
			[]frame{{reply: Reply{Status: 520, Value: "Sets a variable to the current channel."}}}},
		{"inline hangups after a reply", "200 result=-1\nHANGUP\nHANGUP\n",
			[]frame{{reply: Reply{Status: 200, Result: -1}}, {hangup: true}, {hangup: true}}},
		{"pipelined with a 520 behind a value", "200 result=1 (${CALLERID(num)} lit)\n520-Invalid command syntax.  Proper usage follows:\nSets a variable to the current channel.\n520 End of proper usage.\n",
			[]frame{{reply: Reply{Status: 200, Result: 1, Value: "${CALLERID(num)} lit"}},
				{reply: Reply{Status: 520, Value: "Sets a variable to the current channel."}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read: every split point between segments.
			var chunks [][]byte
			for i := 0; i < len(tt.stream); i++ {
				chunks = append(chunks, []byte{tt.stream[i]})
			}
			f := &framer{r: bufio.NewReaderSize(&segReader{chunks: chunks}, 16)}
			for i, want := range tt.want {
				got, err := f.next()
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if got != want {
					t.Errorf("frame %d = %+v, want %+v", i, got, want)
				}
			}
			if _, err := f.next(); !errors.Is(err, io.EOF) {
				t.Errorf("after the frames: %v, want EOF", err)
			}
		})
	}
}

// TestFramesFromTranscripts runs every transcript's replies, in their
// recorded segments, through the framer. Every reply, single-line or block,
// has exactly one line starting "NNN " (a block ends "520 End of proper
// usage."), which gives the expected count independently of the framer.
var replyEnd = regexp.MustCompile(`(?m)^[1-9][0-9][0-9] `)

func TestFramesFromTranscripts(t *testing.T) {
	for _, name := range append(envTranscripts, "agi-024-music-idle", "agi-025-music-idle-hangup", "agi-026-device-state") {
		t.Run(name, func(t *testing.T) {
			tr := readTranscript(t, name)
			var chunks [][]byte
			for _, e := range tr.AfterEnv() {
				if e.Dir == "A>P" {
					chunks = append(chunks, e.Data)
				}
			}
			stream := bytes.Join(chunks, nil)
			answered := len(replyEnd.FindAll(stream, -1))
			hangups := bytes.Count(stream, []byte("HANGUP\n"))
			f := &framer{r: bufio.NewReaderSize(&segReader{chunks: chunks}, 16)}
			replies, frames := 0, 0
			for {
				fr, err := f.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("after %d replies: %v", replies, err)
				}
				if fr.hangup {
					frames++
				} else {
					replies++
				}
			}
			if replies != answered || frames != hangups {
				t.Errorf("got %d replies and %d hangups, want %d and %d", replies, frames, answered, hangups)
			}
		})
	}
}

// oracle is an independent reading of a reply, for checking the session:
// the first line of a step that is not HANGUP.
var oracle200 = regexp.MustCompile(`^200 result=(-?\d+)(?: \((.*)\))?$`)

func expectReply(t *testing.T, replies []byte) (Reply, error) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(replies), "\n"), "\n")
	var rest []string
	for _, l := range lines {
		if l != "HANGUP" {
			rest = append(rest, l)
		}
	}
	if len(rest) == 0 {
		t.Fatalf("no reply in %q", replies)
	}
	first := rest[0]
	switch {
	case strings.HasPrefix(first, "510 "):
		return Reply{Status: 510, Value: first[4:]}, ErrInvalidCommand
	case strings.HasPrefix(first, "511 "):
		return Reply{Status: 511, Value: first[4:]}, ErrDeadChannel
	case strings.HasPrefix(first, "520-"):
		usage := strings.Join(rest[1:len(rest)-1], " ")
		return Reply{Status: 520, Value: usage}, &UsageError{Usage: usage}
	}
	m := oracle200.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("oracle cannot read %q", first)
	}
	n, _ := strconv.Atoi(m[1])
	return Reply{Status: 200, Result: n, Value: m[2]}, nil
}

// step is one command of a transcript with what Asterisk sent after it.
type step struct {
	cmd     []byte
	replies [][]byte
	eof     bool // Asterisk closed after the replies
}

// steps groups a transcript's events after the environment, up to the
// recording tool's own end (half-close or close).
func steps(tr *agitest.Transcript) []step {
	var out []step
	for _, e := range tr.AfterEnv() {
		switch {
		case e.Dir == "P>A":
			out = append(out, step{cmd: e.Data})
		case e.Dir == "A>P" && len(out) > 0:
			out[len(out)-1].replies = append(out[len(out)-1].replies, e.Data)
		case strings.Contains(e.Note, "A>P EOF") && len(out) > 0:
			out[len(out)-1].eof = true // later commands find the connection gone
		case strings.Contains(e.Note, "shutdown(SHUT_WR)"), strings.Contains(e.Note, "close()"):
			return out
		}
	}
	return out
}
