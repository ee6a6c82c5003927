package agi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits on what Asterisk may send. Real replies are far below them; they stop
// a broken or hostile peer from growing memory without bound.
const (
	maxLineBytes   = 16 << 10 // one line, env or reply
	maxUsageLines  = 64       // lines in one 520 block
	maxUsageBytes  = 16 << 10 // bytes in one 520 block
	hangupLine     = "HANGUP"
	usageEndPrefix = "520 "
)

var errLineTooLong = errors.New("line too long")

// Reply is one answer from Asterisk to one command.
type Reply struct {
	Status int // 200, or 510, 511, 520 for errors
	Result int // the result= number of a 200 reply
	// Value is the data of a 200 reply (the text in parentheses, up to the
	// last ')'), the message of a single-line error, or the usage text of a
	// 520 block with its lines joined by spaces.
	Value string
}

// line is the reply as one line in Asterisk's own shape, the normalised
// line the agi library is given to parse: "NNN result=N (value)". The value
// always goes into parentheses, so the library's trimming of one '(' and
// one ')' returns it unchanged; a 520 block's value is its joined usage text.
func (r Reply) line() string { return string(r.appendTo(nil)) }

// appendTo appends r.line() to b.
func (r Reply) appendTo(b []byte) []byte {
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, " result="...)
	b = strconv.AppendInt(b, int64(r.Result), 10)
	if r.Value != "" {
		b = append(b, " ("...)
		b = append(b, r.Value...)
		b = append(b, ')')
	}
	return b
}

// frame is one unit of Asterisk's stream: a reply or a HANGUP notice.
type frame struct {
	hangup bool
	reply  Reply
}

// framer splits Asterisk's byte stream into frames. It reads from a
// bufio.Reader that lives as long as the connection, so bytes that arrive in
// one segment with an earlier reply (a HANGUP behind a result) are never lost.
type framer struct {
	r *bufio.Reader
}

// next returns the next frame. A 520 block spread over several lines (and TCP
// segments) comes back as one reply.
func (f *framer) next() (frame, error) {
	line, err := readLine(f.r, maxLineBytes)
	if err != nil {
		return frame{}, err
	}
	// Asterisk ends lines with '\n' alone; a '\r' from something in
	// between is harmless here and dropped.
	line = strings.TrimRight(line, "\r")
	if line == hangupLine {
		return frame{hangup: true}, nil
	}
	if isBlockStart(line) {
		return f.block(line)
	}
	r, err := parseReply(line)
	if err != nil {
		return frame{}, err
	}
	return frame{reply: r}, nil
}

// block collects a multi-line reply: "520-Invalid command syntax.  Proper
// usage follows:", the usage lines, then "520 End of proper usage.".
func (f *framer) block(first string) (frame, error) {
	status, _ := strconv.Atoi(first[:3])
	end := first[:3] + " "
	var usage []string
	size := 0
	for n := 0; ; n++ {
		if n >= maxUsageLines {
			return frame{}, fmt.Errorf("%w: %d block longer than %d lines", ErrProtocol, status, maxUsageLines)
		}
		line, err := readLine(f.r, maxLineBytes)
		if err != nil {
			return frame{}, err
		}
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, end) {
			break
		}
		if size += len(line); size > maxUsageBytes {
			return frame{}, fmt.Errorf("%w: %d block longer than %d bytes", ErrProtocol, status, maxUsageBytes)
		}
		if t := strings.TrimSpace(line); t != "" {
			usage = append(usage, t)
		}
	}
	value := strings.Join(usage, " ")
	if value == "" {
		value = strings.TrimSpace(first[4:])
	}
	return frame{reply: Reply{Status: status, Value: value}}, nil
}

// isBlockStart reports a "NNN-" line, the first of a multi-line reply.
func isBlockStart(line string) bool {
	return len(line) >= 4 && isStatus(line[:3]) && line[3] == '-'
}

// parseReply parses one single-line reply:
//
//	200 result=1 (value)      value runs to the last ')'
//	200 result=-2
//	510 Invalid or unknown command
//	511 Command Not Permitted on a dead channel or intercept routine
func parseReply(line string) (Reply, error) {
	if len(line) < 4 || !isStatus(line[:3]) || line[3] != ' ' {
		return Reply{}, fmt.Errorf("%w: not a reply line", ErrProtocol)
	}
	status, _ := strconv.Atoi(line[:3])
	rest := line[4:]
	if status != 200 {
		return Reply{Status: status, Value: strings.TrimSpace(rest)}, nil
	}
	rest, ok := strings.CutPrefix(rest, "result=")
	if !ok {
		return Reply{}, fmt.Errorf("%w: 200 reply without result", ErrProtocol)
	}
	num, data, _ := strings.Cut(rest, " ")
	result, err := strconv.ParseInt(num, 10, 32)
	if err != nil || num[0] == '+' {
		return Reply{}, fmt.Errorf("%w: bad result number", ErrProtocol)
	}
	return Reply{Status: status, Result: int(result), Value: replyValue(data)}, nil
}

// replyValue extracts the data of a 200 reply: the text between the first
// '(' and the last ')' when there are parentheses (a value may itself hold
// parentheses: "(paren (x) and ) end)"), else the bare text (endpos=1234).
func replyValue(data string) string {
	data = strings.TrimSpace(data)
	inner, ok := strings.CutPrefix(data, "(")
	if !ok {
		return data
	}
	if i := strings.LastIndexByte(inner, ')'); i >= 0 {
		return inner[:i]
	}
	return inner
}

// isStatus reports a three-digit status code ("200", "510").
func isStatus(s string) bool {
	return len(s) == 3 && s[0] >= '1' && s[0] <= '9' && isDigit(s[1]) && isDigit(s[2])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// appendLine is readLine appending the line (without its '\n') to dst. On
// an error dst comes back as it was.
func appendLine(dst []byte, r *bufio.Reader, max int) ([]byte, error) {
	start := len(dst)
	for {
		chunk, err := r.ReadSlice('\n')
		if len(dst)-start+len(chunk) > max+1 {
			return dst[:start], fmt.Errorf("%w: %w", ErrProtocol, errLineTooLong)
		}
		dst = append(dst, chunk...)
		switch {
		case err == nil:
			return dst[:len(dst)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(dst) > start:
			return dst[:start], io.ErrUnexpectedEOF
		default:
			return dst[:start], err
		}
	}
}

// readLine reads one '\n'-terminated line of at most max bytes and returns it
// without the '\n'. A line cut off by the end of the stream is
// io.ErrUnexpectedEOF: Asterisk always ends its lines.
func readLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if err == nil && buf == nil && len(chunk) <= max+1 {
			return string(chunk[:len(chunk)-1]), nil // the usual case: one copy
		}
		if len(buf)+len(chunk) > max+1 {
			return "", fmt.Errorf("%w: %w", ErrProtocol, errLineTooLong)
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return string(buf[:len(buf)-1]), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return "", io.ErrUnexpectedEOF
		default:
			return "", err
		}
	}
}
