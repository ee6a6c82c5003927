package agi

import (
	"bufio"
	"bytes"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	agilib "github.com/CyCoreSystems/agi"

	"github.com/sentralbord/sentralbord/agi/agitest"
)

// encodeEnv writes raw back as Asterisk would (key order aside).
func encodeEnv(raw map[string]string) []byte {
	var b bytes.Buffer
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		b.WriteString(k + ": " + raw[k] + "\n")
	}
	b.WriteString("\n")
	return b.Bytes()
}

// FuzzReadEnv: the parser never panics, stays within its limits, and what it
// accepts survives being written out and read again.
func FuzzReadEnv(f *testing.F) {
	f.Add([]byte("agi_request: agi://h/route?loop=1\nagi_uniqueid: 1.1\nagi_network_script: route?loop=1\nagi_arg_1: \n\n"))
	f.Add([]byte("agi_request: x\nagi_uniqueid: 1\nagi_arg_2: b\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := readEnv(bufio.NewReaderSize(bytes.NewReader(data), 16))
		if err != nil {
			return
		}
		if env.UniqueID == "" || len(env.Raw) > maxEnvLines {
			t.Fatalf("accepted %d keys, uniqueid %q", len(env.Raw), env.UniqueID)
		}
		if !bytes.Contains(data, []byte("\n\n")) {
			t.Fatalf("accepted a block without its blank line")
		}
		for i, a := range env.Args {
			if env.Arg(i+1) != a {
				t.Fatalf("Arg(%d) = %q, want %q", i+1, env.Arg(i+1), a)
			}
		}
		again, err := readEnv(bufio.NewReader(bytes.NewReader(encodeEnv(env.Raw))))
		if err != nil {
			t.Fatalf("re-reading accepted env: %v", err)
		}
		if !maps.Equal(again.Raw, env.Raw) || again.Request != env.Request || !slices.Equal(again.Args, env.Args) {
			t.Fatalf("round trip changed the env:\n%+v\n%+v", env, again)
		}
	})
}

// libParse gives line to the agi library, one line per read, and returns
// its Response.
func libParse(line string) *agilib.Response {
	a := agilib.New(&segReader{chunks: [][]byte{[]byte("\n"), []byte(line + "\n")}}, io.Discard)
	return a.Command("NOOP")
}

// FuzzFramer feeds arbitrary bytes, in arbitrary segments, through the reply
// framer. It must not panic, and every reply it emits, as the normalised
// line Command hands the agi library, must be read by the library as the
// same status, result and value.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("200 result=1 (paren (x) and ) end)\n"), uint8(3))
	f.Add([]byte("520-Invalid command syntax.  Proper usage follows:\nSets a variable to the current channel.\n520 End of proper usage.\n"), uint8(7))
	f.Add([]byte("200 result=-1\nHANGUP\nHANGUP\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, seg uint8) {
		size := int(seg%32) + 1
		var chunks [][]byte
		for i := 0; i < len(data); i += size {
			chunks = append(chunks, data[i:min(i+size, len(data))])
		}
		fr := &framer{r: bufio.NewReaderSize(&segReader{chunks: chunks}, 16)}
		for n := 0; n < 1000; n++ {
			got, err := fr.next()
			if err != nil {
				return
			}
			if got.hangup {
				continue
			}
			r := got.reply
			if r.Status < 100 || r.Status > 999 {
				t.Fatalf("status %d", r.Status)
			}
			line := r.line()
			if strings.ContainsAny(line, "\n") {
				t.Fatalf("normalised line has a newline: %q", line)
			}
			resp := libParse(line)
			if resp.Status != r.Status || resp.Result != r.Result || resp.Value != r.Value {
				t.Fatalf("library read %q as %d/%d/%q, framer had %+v", line, resp.Status, resp.Result, resp.Value, r)
			}
			if r.Status == 200 {
				if again, err := parseReply(line); err != nil || again != r {
					t.Fatalf("normalised line %q parses to %+v, %v; want %+v", line, again, err, r)
				}
			}
		}
	})
}

// FuzzQuote checks quoting against the fake Asterisk's copy of Asterisk's
// argument parser: a SET VARIABLE line carries exactly the name and the
// value (with CR, LF and NUL as spaces) as its third and fourth arguments.
func FuzzQuote(f *testing.F) {
	f.Add("SB_CALLERID_NAME", `Ola "Kåre" \ Nordmann`)
	f.Add("Q 13", "back\\slash and \\n")
	f.Add("CALLERID(num)", "")
	f.Fuzz(func(t *testing.T, name, value string) {
		n, err := quoteName(name)
		if err != nil {
			if name != "" && !strings.ContainsAny(name, "\r\n\x00") {
				t.Fatalf("name %q refused: %v", name, err)
			}
			return
		}
		line := "SET VARIABLE " + n + " " + quote(value)
		if strings.ContainsAny(line, "\r\n\x00") {
			t.Fatalf("line holds a line break or NUL: %q", line)
		}
		argv := agitest.ParseArgs(line)
		if len(argv) != 4 || argv[2] != name || argv[3] != sendable(value) {
			t.Fatalf("%q parsed as %q; want name %q value %q", line, argv, name, sendable(value))
		}
		if utf8.ValidString(value) && !utf8.ValidString(argv[3]) {
			t.Fatalf("quoting broke UTF-8: %q", argv[3])
		}
	})
}

// FuzzMask: masking never lets a run of five or more digits through.
func FuzzMask(f *testing.F) {
	f.Add("Local/90595313@out-0000001a;2")
	f.Add("SIP/+4790595313-00000004")
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{maskDigitRuns(s), short(s)} {
			run := 0
			for i := 0; i < len(out); i++ {
				if isDigit(out[i]) {
					if run++; run > 4 {
						t.Fatalf("%q masked to %q", s, out)
					}
				} else {
					run = 0
				}
			}
		}
		if m := MaskNumber(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) && utf8.ValidString(s) {
			t.Fatalf("MaskNumber(%q) = %q changes the length", s, m)
		}
		_ = maskChannel(s)
	})
}
