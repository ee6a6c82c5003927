package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics and always answers either a
// usable configuration or problems that point into the file. The seed corpus
// in testdata/fuzz/FuzzParse holds the example and broken variants of it.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(example); err == nil {
		f.Add(data)
	}
	f.Add([]byte(base))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("f.yaml", data)
		if err == nil {
			if cfg == nil || cfg.Roster() == nil {
				t.Fatal("no error and no roster")
			}
			_ = cfg.Summary().String()
			for _, l := range cfg.Loops {
				if len(l.Members) == 0 || len(l.Members) != len(l.Membership) {
					t.Fatalf("loop %s: %d members, %d memberships", l.ID, len(l.Members), len(l.Membership))
				}
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) || len(ce.Problems) == 0 {
			t.Fatalf("error %T %v, want *Error with problems", err, err)
		}
		lines := countBreaks(utf8Text(data)) + 1
		for _, p := range ce.Problems {
			if p.File != "f.yaml" || p.Line < 0 || p.Line > lines || p.Msg == "" {
				t.Fatalf("problem %+v outside a file of %d lines", p, lines)
			}
		}
	})
}
