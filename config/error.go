package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sentralbord/sentralbord/routing"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File string
	Line int    // 1-based; 0 when the problem concerns the whole file
	Path string // field path such as "loops[1].members[3]"; "" for the file
	Msg  string
}

// String formats the problem as "file:line: path: message", leaving out what
// is unknown, so editors can jump to it.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is an invalid configuration: every problem found, in file order.
type Error struct {
	Problems []Problem
}

// Error prints one problem per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects what is wrong while a file is decoded and checked.
type problems struct {
	file string
	list []Problem
}

func (ps *problems) add(line int, path, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: ps.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// err returns the collected problems sorted by line, duplicates dropped (an
// aliased node reports its problems once per use), or nil when there are none.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	list = slices.Compact(list)
	return &Error{Problems: list}
}

// suggest returns " (did you mean …?)" naming the candidates closest to
// query, or "" when none is close enough to be a plausible typo.
func suggest(query string, candidates []string) string {
	q := strings.ToLower(query)
	best, limit := []string(nil), maxTypos(q)
	for _, c := range candidates {
		d := routing.Levenshtein(q, strings.ToLower(c))
		switch {
		case d > limit || slices.ContainsFunc(best, func(b string) bool { return strings.EqualFold(b, c) }):
		case d < limit:
			best, limit = []string{c}, d
		default:
			best = append(best, c)
		}
	}
	if len(best) == 0 {
		return ""
	}
	if len(best) > 3 {
		best = best[:3]
	}
	quoted := make([]string, len(best))
	for i, s := range best {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return " (did you mean " + strings.Join(quoted, " or ") + "?)"
}

// maxTypos is the largest edit distance still taken for a typo. Short names
// are close to many others ("Liv", "Lill", "Lisa"), so they get fewer edits.
func maxTypos(q string) int {
	switch n := len([]rune(q)); {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	default:
		return 2
	}
}
