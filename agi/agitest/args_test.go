package agitest

import (
	"slices"
	"strings"
	"testing"
)

// Cases from the quoting transcripts: what Asterisk 20 stored for each line.
func TestParseArgsLikeAsterisk(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{`SET VARIABLE Q1 "hello world"`, []string{"SET", "VARIABLE", "Q1", "hello world"}},
		{`SET VARIABLE Q2 "say \"hi\" now"`, []string{"SET", "VARIABLE", "Q2", `say "hi" now`}},
		{`SET VARIABLE Q3 hello world`, []string{"SET", "VARIABLE", "Q3", "hello", "world"}},
		{`SET VARIABLE Q4 a"b c"d`, []string{"SET", "VARIABLE", "Q4", "ab cd"}},
		{`SET VARIABLE Q5 ""`, []string{"SET", "VARIABLE", "Q5", ""}},
		{`SET VARIABLE Q6 "back\\slash and \n"`, []string{"SET", "VARIABLE", "Q6", `back\slash and n`}},
		{`SET VARIABLE Q9 'single quoted'`, []string{"SET", "VARIABLE", "Q9", "'single", "quoted'"}},
		{`SET VARIABLE Q10 "unterminated value`, []string{"SET", "VARIABLE", "Q10", "unterminated value"}},
		{"SET VARIABLE Q11 \"tab\there utf8 h\xc3\xa9llo\"", []string{"SET", "VARIABLE", "Q11", "tab\there utf8 héllo"}},
		{`SET VARIABLE "Q 13" value13`, []string{"SET", "VARIABLE", "Q 13", "value13"}},
		{`SET VARIABLE Q14 \"escaped\ space\"`, []string{"SET", "VARIABLE", "Q14", `"escaped space"`}},
		{"GET VARIABLE Q1\r", []string{"GET", "VARIABLE", "Q1\r"}},
		{"  GET   VARIABLE   Q1  ", []string{"GET", "VARIABLE", "Q1"}},
		{"", nil},
		{`EXEC Set Q16=one two three`, []string{"EXEC", "Set", "Q16=one", "two", "three"}},
	}
	for _, tt := range tests {
		if got := ParseArgs(tt.line); !slices.Equal(got, tt.want) {
			t.Errorf("ParseArgs(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestParseArgsTruncates(t *testing.T) {
	line := strings.Repeat("w ", 200)
	if got := len(ParseArgs(line)); got != maxArgs-1 {
		t.Errorf("%d arguments, want %d", got, maxArgs-1)
	}
}

// FuzzParseArgs: never panics; without quotes or backslashes it is a plain
// split on spaces and tabs, truncated like Asterisk.
func FuzzParseArgs(f *testing.F) {
	f.Add(`SET VARIABLE Q4 a"b c"d`)
	f.Add(`SET VARIABLE Q14 \"escaped\ space\"`)
	f.Add("GET\tVARIABLE  X ")
	f.Fuzz(func(t *testing.T, line string) {
		got := ParseArgs(line)
		if strings.ContainsAny(line, "\"\\") {
			return
		}
		want := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(want) > maxArgs-1 {
			want = want[:maxArgs-1]
		}
		if !slices.Equal(got, want) {
			t.Fatalf("ParseArgs(%q) = %q, want %q", line, got, want)
		}
	})
}
