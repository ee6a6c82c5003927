package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// base is a small valid configuration the problem tables edit. Line numbers
// in expected messages refer to it.
const base = `switchboard: sb
english_key: "9"
roles:
  - {id: ds, name: Distriktssekretær}
  - {id: sentralbord, name: Sentralbord}
agents:
  - {id: jenny, name: Jenny, roles: [ds], extension: "2101"}
  - {id: kari, name: Kari, roles: [ds], extension: "2102"}
  - {id: liv, name: Liv, roles: [sentralbord], extension: "2103"}
loops:
  - id: "1"
    digit: "1"
    name: Lønn
    tag: "111"
    overflow: sb
    members: [Jenny]
    roles: [ds]
  - id: sb
    name: Sentralbord
    tag: "999"
    roles: [sentralbord]
`

// problemCase edits base (pairs of old, new; each old must occur) or replaces
// it with doc, and expects exactly the problems in want.
type problemCase struct {
	name string
	edit []string
	doc  string
	want []string
}

func (pc problemCase) text(t *testing.T) string {
	t.Helper()
	if pc.doc != "" {
		return pc.doc
	}
	s := base
	for i := 0; i+1 < len(pc.edit); i += 2 {
		if !strings.Contains(s, pc.edit[i]) {
			t.Fatalf("edit %q: not in base", pc.edit[i])
		}
		s = strings.Replace(s, pc.edit[i], pc.edit[i+1], 1)
	}
	return s
}

func runProblems(t *testing.T, cases []problemCase) {
	t.Helper()
	for _, pc := range cases {
		t.Run(pc.name, func(t *testing.T) {
			got := problemsOf(t, pc.text(t))
			if !slices.Equal(got, pc.want) {
				t.Errorf("problems:\n got: %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(pc.want, "\n      "))
			}
		})
	}
}

// problemsOf parses doc as t.yaml and returns its problems as printed.
func problemsOf(t *testing.T, doc string) []string {
	t.Helper()
	cfg, err := Parse("t.yaml", []byte(doc))
	if err == nil {
		if cfg == nil || cfg.Roster() == nil {
			t.Fatal("Parse returned neither an error nor a usable config")
		}
		return nil
	}
	if cfg != nil {
		t.Error("Parse returned a config together with an error")
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error is %T, want *Error: %v", err, err)
	}
	if err.Error() != strings.Join(linesOf(ce), "\n") {
		t.Errorf("Error() is not one problem per line:\n%s", err)
	}
	return linesOf(ce)
}

func linesOf(e *Error) []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p.String()
	}
	return out
}

func mustParse(t *testing.T, doc string) *Config {
	t.Helper()
	cfg, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}
