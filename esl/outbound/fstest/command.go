package fstest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Command is one command a client sent on the event socket.
type Command struct {
	Name    string // "connect", "myevents", "sendmsg", "api" …
	Arg     string // the rest of the first line ("uuid_break <uuid> all")
	Headers map[string]string
	Body    string
	Raw     []byte // the bytes as sent, from the first line to the body's end
}

// Limits for a command; FreeSWITCH's are in the same range.
const (
	maxLine    = 64 << 10
	maxHeaders = 256
	maxBody    = 1 << 20
)

// ErrCommand reports bytes that are not an event-socket command.
var ErrCommand = errors.New("malformed event socket command")

// ReadCommand reads one command: a line, header lines, a blank line, then
// content-length bytes of body. Header names are lowercased; "\r\n" is
// accepted as a line end. A client that closes between commands gives io.EOF.
func ReadCommand(r *bufio.Reader) (Command, error) {
	var c Command
	for {
		line, raw, err := readLine(r)
		if c.Name != "" {
			c.Raw = append(c.Raw, raw...)
		}
		if err != nil {
			if errors.Is(err, io.EOF) && c.Name == "" && line == "" {
				return c, io.EOF
			}
			if errors.Is(err, io.EOF) {
				return c, io.ErrUnexpectedEOF
			}
			return c, err
		}
		if line == "" {
			if c.Name == "" {
				continue // stray blank line between commands
			}
			break
		}
		if c.Name == "" {
			c.Name, c.Arg, _ = strings.Cut(line, " ")
			c.Headers = map[string]string{}
			c.Raw = append(c.Raw, raw...)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			return c, fmt.Errorf("%w: header %q", ErrCommand, trim(line))
		}
		if len(c.Headers) == maxHeaders {
			return c, fmt.Errorf("%w: too many headers", ErrCommand)
		}
		c.Headers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimLeft(v, " ")
	}
	if cl, ok := c.Headers["content-length"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 || n > maxBody {
			return c, fmt.Errorf("%w: content-length %q", ErrCommand, trim(cl))
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return c, io.ErrUnexpectedEOF
		}
		c.Body = string(b)
		c.Raw = append(c.Raw, b...)
	}
	return c, nil
}

// readLine reads one line; line is without its end, raw with it.
func readLine(r *bufio.Reader) (line string, raw []byte, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		raw = append(raw, chunk...)
		if len(raw) > maxLine {
			return "", nil, fmt.Errorf("%w: line too long", ErrCommand)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r"), raw, err
		}
	}
}

func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
