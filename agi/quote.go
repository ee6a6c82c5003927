package agi

import (
	"fmt"
	"strings"
)

// quote makes s a single AGI argument the way Asterisk's argument parser
// reads it back: wrapped in '"', with '\' and '"' escaped by '\'. Inside the
// quotes spaces, tabs and UTF-8 pass unchanged. A line ends at '\n' and a
// '\r' before it would become part of the value, and Asterisk keeps C strings,
// so CR, LF and NUL cannot be sent: each becomes a space.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r', '\n', 0:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// sendable is what quote turns s into once Asterisk has parsed it back.
// Bytes other than CR, LF and NUL pass unchanged, valid UTF-8 or not.
func sendable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' || c == 0 {
			b[i] = ' '
		}
	}
	return string(b)
}

// quoteName renders a variable or function name ("SB_RESULT",
// "CALLERID(num)"). Names go bare, as in Asterisk's own examples, unless
// they hold a character the parser would split or eat. Unlike values, a name
// with CR, LF or NUL is refused: changing it would set another variable.
func quoteName(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "\r\n\x00") {
		return "", fmt.Errorf("%w: variable name %q", ErrBadArgument, name)
	}
	if strings.ContainsAny(name, " \t\"\\") {
		return quote(name), nil
	}
	return name, nil
}
