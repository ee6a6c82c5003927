// Command prompts speaks every prompt of scripts/prompts.tsv with espeak-ng,
// converts it with sox to 8 kHz mono 16-bit WAV, and writes it where each
// PBX looks for it:
//
//	go run ./scripts/prompts -texts scripts/prompts.tsv -out sounds
//
//	sounds/asterisk/<lang>/sentralbord/<name>.wav    (astdatadir/sounds)
//	sounds/freeswitch/<lang>/sentralbord/<name>.wav  (sound_prefix = …/<lang>)
//
// The languages are "no" (Norwegian bokmål, espeak-ng voice nb) and "en".
package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Prompt is one line of the texts file.
type Prompt struct {
	Name string
	Text map[string]string // by language directory: "no", "en"
}

// Languages are the language directories, in the texts file's column order,
// with the espeak-ng voice for each.
var Languages = []struct{ Dir, Voice string }{
	{"no", "nb"},
	{"en", "en-gb"},
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ParseTexts reads the tab-separated texts file: name, then one text per
// language; blank lines and lines starting with # are skipped.
func ParseTexts(r io.Reader) ([]Prompt, error) {
	var out []Prompt
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 1+len(Languages) {
			return nil, fmt.Errorf("line %d: %d fields, want name and %d texts separated by tabs", n, len(f), len(Languages))
		}
		p := Prompt{Name: f[0], Text: map[string]string{}}
		if !validName.MatchString(p.Name) {
			return nil, fmt.Errorf("line %d: prompt name %q: use lowercase letters, digits and -", n, p.Name)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("line %d: prompt %q appears twice", n, p.Name)
		}
		seen[p.Name] = true
		for i, l := range Languages {
			t := strings.TrimSpace(f[1+i])
			if t == "" {
				return nil, fmt.Errorf("line %d: prompt %q has no %s text", n, p.Name, l.Dir)
			}
			p.Text[l.Dir] = t
		}
		out = append(out, p)
	}
	return out, sc.Err()
}
