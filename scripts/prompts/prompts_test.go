package main

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sentralbord/sentralbord/esl/outbound"
	"github.com/sentralbord/sentralbord/routing"
)

func loadTexts(t *testing.T) []Prompt {
	t.Helper()
	f, err := os.Open("../prompts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ps, err := ParseTexts(f)
	if err != nil {
		t.Fatalf("scripts/prompts.tsv: %v", err)
	}
	return ps
}

// Where prompts are named: the dialplans' playing applications, and the
// service's own prompt constants (a name ending in "-" is a prefix completed
// by a status word).
var references = []struct {
	glob string
	re   *regexp.Regexp
}{
	{"../../dialplan/asterisk/*.conf", regexp.MustCompile(`(?:Playback|Background)\(sentralbord/([a-z0-9-]+)`)},
	{"../../dialplan/asterisk/*.conf", regexp.MustCompile(`Read\([^,]*,sentralbord/([a-z0-9-]+)`)},
	{"../../dialplan/freeswitch/*.xml", regexp.MustCompile(`sentralbord/([a-z0-9-]+)\.wav`)},
	{"../../agi/*.go", regexp.MustCompile(`"sentralbord/([a-z0-9-]+)"`)},
	{"../../esl/outbound/*.go", regexp.MustCompile(`"sentralbord/([a-z0-9-]+)\.wav"`)},
}

// referenced returns every prompt name played anywhere, with where.
func referenced(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range references {
		files, err := filepath.Glob(r.glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no files (%v)", r.glob, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range r.re.FindAllStringSubmatch(string(b), -1) {
				name := m[1]
				if !strings.HasSuffix(name, "-") {
					out[name] = f
					continue
				}
				for _, st := range routing.Statuses {
					out[name+string(st)] = f
				}
			}
		}
	}
	// The place in line on FreeSWITCH is said with prompts named by number.
	for n := 1; n <= outbound.MaxAnnounced; n++ {
		for _, f := range outbound.NumberPrompts(n) {
			out[strings.TrimSuffix(strings.TrimPrefix(f, "sentralbord/"), ".wav")] = "esl/outbound.NumberPrompts"
		}
	}
	return out
}

func TestEveryPlayedPromptHasText(t *testing.T) {
	have := map[string]bool{}
	for _, p := range loadTexts(t) {
		have[p.Name] = true
	}
	refs := referenced(t)
	if len(refs) < 10 {
		t.Fatalf("found only %d prompt references; the patterns no longer match the dialplans", len(refs))
	}
	for name, where := range refs {
		if !have[name] {
			t.Errorf("%s plays sentralbord/%s, which scripts/prompts.tsv does not define", where, name)
		}
	}
	var unused []string
	for name := range have {
		if _, ok := refs[name]; !ok {
			unused = append(unused, name)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Errorf("scripts/prompts.tsv defines prompts nothing plays: %s", strings.Join(unused, ", "))
	}
}

func TestParseTextsRejects(t *testing.T) {
	for name, in := range map[string]string{
		"missing text":   "velkommen\tHei\t\n",
		"too few fields": "velkommen\tHei\n",
		"bad name":       "Velkommen!\tHei\tHello\n",
		"duplicate":      "a\tx\ty\na\tx\ty\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseTexts(strings.NewReader(in)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestGenerateWritesTelephoneWAV(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SENTRALBORD_REQUIRE_PROMPTS") == "1" {
				t.Fatalf("%s not installed and SENTRALBORD_REQUIRE_PROMPTS=1", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	prompts := loadTexts(t)
	out := t.TempDir()
	if err := Generate(context.Background(), prompts, out); err != nil {
		t.Fatal(err)
	}
	for _, layout := range Layouts {
		for _, l := range Languages {
			for _, p := range prompts {
				checkWAV(t, filepath.Join(out, layout, l.Dir, "sentralbord", p.Name+".wav"))
			}
		}
	}
}

// checkWAV asserts a RIFF/WAVE file of 16-bit PCM, 8000 Hz, mono, with sound.
func checkWAV(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Errorf("%s: not a WAV file", path)
		return
	}
	// Walk the chunks: sox may put others before "fmt ".
	var fmtOK bool
	var data int
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := b[off+8 : min(off+8+size, len(b))]
		switch id {
		case "fmt ":
			format, channels := binary.LittleEndian.Uint16(body[0:2]), binary.LittleEndian.Uint16(body[2:4])
			rate, bits := binary.LittleEndian.Uint32(body[4:8]), binary.LittleEndian.Uint16(body[14:16])
			if (format != 1 && format != 0xFFFE) || channels != 1 || rate != 8000 || bits != 16 {
				t.Errorf("%s: format %d, %d channels, %d Hz, %d bits; want PCM mono 8000 Hz 16 bits", path, format, channels, rate, bits)
			}
			fmtOK = true
		case "data":
			data = size
		}
		off += 8 + size + size%2
	}
	if !fmtOK {
		t.Errorf("%s: no fmt chunk", path)
	}
	if data < 8000 { // under half a second of sound
		t.Errorf("%s: only %d bytes of sound", path, data)
	}
}
