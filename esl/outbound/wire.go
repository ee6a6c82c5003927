package outbound

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits for a command eslgo writes; ours are far smaller.
const (
	maxCommandLine = 64 << 10
	maxCommandBody = 1 << 20
)

// libCommand is one command eslgo wrote, as it wrote it: the relay passes
// raw on to FreeSWITCH unchanged and only looks at name.
type libCommand struct {
	name string // "connect", "myevents", "sendmsg", "api", "exit" …
	raw  []byte
}

// readCommand reads one command: its first line, header lines up to a
// blank line, then Content-Length bytes of body. eslgo ends each command
// with "\r\n\r\n" even after a body; those stray line ends come first in
// the next command's raw bytes, so the stream FreeSWITCH gets is exactly
// the one eslgo wrote.
func readCommand(r *bufio.Reader) (libCommand, error) {
	var c libCommand
	body := -1
	for {
		line, err := readRawLine(r)
		c.raw = append(c.raw, line...)
		if err != nil {
			if errors.Is(err, io.EOF) && len(c.raw) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return c, err
		}
		text := strings.TrimRight(string(line), "\r\n")
		switch {
		case text == "" && c.name == "":
			continue
		case text == "":
			if body > 0 {
				b := make([]byte, body)
				if _, err := io.ReadFull(r, b); err != nil {
					return c, io.ErrUnexpectedEOF
				}
				c.raw = append(c.raw, b...)
			}
			return c, nil
		case c.name == "":
			c.name, _, _ = strings.Cut(text, " ")
		default:
			k, v, ok := strings.Cut(text, ":")
			if ok && strings.EqualFold(strings.TrimSpace(k), "Content-Length") {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || n < 0 || n > maxCommandBody {
					return c, fmt.Errorf("%w: command body length %q", ErrProtocol, short(v))
				}
				body = n
			}
		}
	}
}

// readRawLine reads one line with its line end.
func readRawLine(r *bufio.Reader) ([]byte, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > maxCommandLine {
			return nil, fmt.Errorf("%w: command line too long", ErrProtocol)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return b, err
		}
	}
}
