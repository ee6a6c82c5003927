package config

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// utf8Text returns data as UTF-8. YAML files may also be UTF-16 with a byte
// order mark, as Windows Notepad saves "Unicode"; converting first keeps line
// numbers and byte positions meaningful. An odd number of bytes is left to
// the YAML parser to refuse.
func utf8Text(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case len(data)%2 != 0:
		return data
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	default:
		return data
	}
	units := make([]uint16, len(data)/2-1)
	for i := range units {
		units[i] = order.Uint16(data[2+2*i:])
	}
	return []byte(string(utf16.Decode(units)))
}

var syntaxLine = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)

// syntax reports a YAML syntax error at the line where it is. The YAML
// library counts lines from 0 in parser errors and from 1 in scanner errors,
// leaves the line out when it is the first, and has none for bad bytes or
// unknown anchors; this puts the right line back.
func (d *decoder) syntax(err error, data []byte) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserProblem(msg) {
			line++
		}
	} else {
		line = lineWithout(msg, data)
	}
	// Errors at the end of the input are marked on the line after the last.
	d.ps.add(min(line, lineCount(data)), "", "invalid YAML: %s", msg)
}

// lineCount is the number of the last line that is not blank.
func lineCount(data []byte) int {
	return 1 + countBreaks(bytes.TrimRight(data, " \t\r\n"))
}

// countBreaks counts line breaks as YAML does: \r\n, \r, \n, NEL, LS, PS.
func countBreaks(b []byte) int {
	n := 0
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\r':
			n++
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case b[i] == '\n':
			n++
		case b[i] == 0xC2 && i+1 < len(b) && b[i+1] == 0x85:
			n++
			i++
		case b[i] == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
			n++
			i += 2
		}
	}
	return n
}

// parserProblem tells the parser's messages from the scanner's.
func parserProblem(msg string) bool {
	for _, p := range []string{"did not find expected", "found duplicate %", "found incompatible YAML", "found undefined tag handle"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

var unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

// lineWithout finds the line of an error reported without one.
func lineWithout(msg string, data []byte) int {
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			return 1 + countBreaks(data[:i])
		}
		return 0
	}
	if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") || strings.Contains(msg, "Unicode character") {
		return badByteLine(data)
	}
	if strings.Contains(msg, "aliasing") || strings.Contains(msg, "contains itself") || strings.HasPrefix(msg, "cannot parse") {
		return 0
	}
	return 1 // a scanner or parser error on the first line
}

// badByteLine returns the line of the first byte that is not UTF-8 or is a
// control character YAML refuses.
func badByteLine(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return 1 + countBreaks(data[:i])
		}
		i += size
	}
	return 0
}
