package config

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestParseReportsYAMLShapeProblems(t *testing.T) {
	runProblems(t, []problemCase{
		{
			name: "base is valid",
		},
		{
			name: "syntax error on a later line names that line",
			edit: []string{"    tag: \"111\"\n", "    tag: [111\n"},
			want: []string{`t.yaml:14: invalid YAML: did not find expected ',' or ']'`},
		},
		{
			name: "syntax error on the first line names line 1",
			doc:  "switchboard: sb: x\n",
			want: []string{`t.yaml:1: invalid YAML: mapping values are not allowed in this context`},
		},
		{
			name: "block entry where a key belongs names its line",
			edit: []string{"english_key: \"9\"\n", "english_key: \"9\"\n- x\n"},
			want: []string{`t.yaml:3: invalid YAML: did not find expected key`},
		},
		{
			name: "tab indentation names its line",
			edit: []string{"    name: Lønn\n", "\tname: Lønn\n"},
			want: []string{`t.yaml:13: invalid YAML: found character that cannot start any token`},
		},
		{
			name: "unknown anchor names the line using it",
			edit: []string{"overflow: sb", "overflow: *sb"},
			want: []string{`t.yaml:15: invalid YAML: unknown anchor 'sb' referenced`},
		},
		{
			name: "invalid UTF-8 names its line",
			edit: []string{"name: Lønn", "name: L\xffnn"},
			want: []string{`t.yaml:13: invalid YAML: invalid leading UTF-8 octet`},
		},
		{
			name: "blank file is refused",
			doc:  "\n\n",
			want: []string{`t.yaml: empty configuration`},
		},
		{
			name: "comments only is empty",
			doc:  "# nothing yet\n",
			want: []string{`t.yaml: empty configuration`},
		},
		{
			name: "top level list is refused",
			doc:  "- switchboard: sb\n",
			want: []string{`t.yaml:1: expected a mapping (key: value), found a list`},
		},
		{
			name: "second document is refused",
			doc:  base + "---\nswitchboard: x\n",
			want: []string{`t.yaml:22: a second YAML document (---); keep the whole configuration in one`},
		},
		{
			name: "unknown top-level key suggests the right one",
			edit: []string{"english_key:", "englsh_key: \"8\"\nenglish_key:"},
			want: []string{`t.yaml:2: englsh_key: unknown field (did you mean "english_key"?)`},
		},
		{
			name: "unknown loop key suggests the right one",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    ring_timout: 20s\n"},
			want: []string{`t.yaml:15: loops[0].ring_timout: unknown field (did you mean "ring_timeout"?)`},
		},
		{
			name: "unknown key far from any gets no suggestion",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    colour: red\n"},
			want: []string{`t.yaml:15: loops[0].colour: unknown field`},
		},
		{
			name: "repeated key names the first",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    tag: \"112\"\n"},
			want: []string{`t.yaml:15: loops[0].tag: repeated key (first at line 14)`},
		},
		{
			name: "scalar where a list belongs",
			edit: []string{"members: [Jenny]", "members: Jenny"},
			want: []string{`t.yaml:16: loops[0].members: expected a list, found a single value`},
		},
		{
			name: "list where a value belongs",
			edit: []string{`tag: "111"`, `tag: [1, 1, 1]`},
			want: []string{`t.yaml:14: loops[0].tag: expected a single value, found a list`},
		},
		{
			name: "agent that is not a mapping is reported with its index",
			edit: []string{"  - {id: kari", "  - kari\n  - {id: kari"},
			want: []string{`t.yaml:8: agents[1]: expected a mapping (key: value), found a single value`},
		},
		{
			name: "complex key is refused",
			edit: []string{"english_key:", "? [a]\n: b\nenglish_key:"},
			want: []string{`t.yaml:2: a key must be a single word, not a list`},
		},
		{
			name: "merge key from a non-mapping is refused",
			edit: []string{"    tag: \"111\"\n", "    tag: \"111\"\n    <<: [1]\n"},
			want: []string{`t.yaml:15: loops[0]: << merges mappings, found a single value`},
		},
	})
}

func TestParseReadsUTF16(t *testing.T) {
	for name, order := range map[string]binary.ByteOrder{"big endian": binary.BigEndian, "little endian": binary.LittleEndian} {
		t.Run(name, func(t *testing.T) {
			units := utf16.Encode([]rune("\uFEFF" + strings.Replace(base, "members: [Jenny]", "members: [Jeny]", 1)))
			data := make([]byte, 2*len(units))
			for i, u := range units {
				order.PutUint16(data[2*i:], u)
			}
			_, err := Parse("t.yaml", data)
			if want := `t.yaml:16: loops[0].members[0]: unknown agent "Jeny" (did you mean "Jenny"?)`; err == nil || err.Error() != want {
				t.Errorf("error = %v, want %s", err, want)
			}
		})
	}
}

func TestParseRefusesEmptyInput(t *testing.T) {
	for _, data := range [][]byte{nil, {}} {
		if _, err := Parse("t.yaml", data); err == nil || err.Error() != "t.yaml: empty configuration" {
			t.Errorf("Parse(%q) error = %v, want empty configuration", data, err)
		}
	}
}

func TestParseFollowsAliasesAndMergeKeys(t *testing.T) {
	doc := `switchboard: sb
english_key: "9"
roles: [{id: ds, name: DS}]
agents:
  - {id: jenny, name: Jenny, roles: &r [ds], extension: "2101"}
  - {id: kari, name: Kari, roles: *r, extension: "2102"}
loops:
  - &slow
    id: "1"
    name: Lønn
    tag: "111"
    ring_timeout: 30s
    max_wait: 5m
    roles: [ds]
  - <<: *slow
    id: sb
    tag: "999"
    max_wait: 1m
`
	cfg := mustParse(t, doc)
	sb, _ := cfg.Loop("sb")
	if sb.Name != "Lønn" || sb.RingTimeout.String() != "30s" || sb.MaxWait.String() != "1m0s" || sb.Tag != "999" {
		t.Errorf("merged loop = %+v", sb.Loop)
	}
	if len(sb.Members) != 2 {
		t.Errorf("members through aliased roles = %v, want jenny and kari", sb.Members)
	}
}

func TestParseKeepsNumbersAsWritten(t *testing.T) {
	cfg := mustParse(t, `switchboard: sb
english_key: 9
roles: []
agents: [{id: a, name: A, extension: 0123}]
loops: [{id: sb, name: S, tag: 011, digit: 0, members: [a]}]
`)
	l := cfg.Loops[0]
	if l.Tag != "011" || l.Digit != "0" || cfg.Agents[0].Extension != "0123" || cfg.EnglishKey != "9" {
		t.Errorf("tag %q digit %q extension %q english_key %q; want the digits as written",
			l.Tag, l.Digit, cfg.Agents[0].Extension, cfg.EnglishKey)
	}
}

func TestSyntaxErrorAtEndOfInputNamesTheLastLine(t *testing.T) {
	for doc, want := range map[string]string{
		"{":                        "t.yaml:1: invalid YAML: did not find expected node content",
		"switchboard: sb\nx: [1\n": "t.yaml:2: invalid YAML: did not find expected ',' or ']'",
	} {
		if _, err := Parse("t.yaml", []byte(doc)); err == nil || err.Error() != want {
			t.Errorf("Parse(%q) = %v, want %s", doc, err, want)
		}
	}
}
