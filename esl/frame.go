package esl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Content types FreeSWITCH's event socket sends.
const (
	TypeAuthRequest = "auth/request"
	TypeReply       = "command/reply"
	TypeAPIResponse = "api/response"
	TypeEventPlain  = "text/event-plain"
	TypeEventJSON   = "text/event-json"
	TypeDisconnect  = "text/disconnect-notice"
)

// Limits that keep a broken or hostile peer from exhausting memory.
const (
	maxHeaderLine = 64 << 10
	maxHeaders    = 1024
	maxBody       = 16 << 20
)

// ErrFrame reports bytes that are not an event-socket frame.
var ErrFrame = errors.New("malformed event socket frame")

// Header is one "Name: value" line; the order of a frame's headers varies
// between FreeSWITCH versions, so nothing may depend on it.
type Header struct{ Name, Value string }

// Frame is one message on the event socket: header lines, a blank line, then
// exactly Content-Length bytes of body when that header is present.
type Frame struct {
	Headers []Header
	Body    []byte
}

// Get returns the first value of name (case-insensitive), raw.
func (f Frame) Get(name string) string {
	for _, h := range f.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// Type is the frame's Content-Type.
func (f Frame) Type() string { return f.Get("Content-Type") }

// Reply is the Reply-Text of a command/reply, else the body (api/response).
func (f Frame) Reply() string {
	if r := f.Get("Reply-Text"); r != "" {
		return r
	}
	return strings.TrimRight(string(f.Body), "\n")
}

// Bytes encodes the frame as it goes on the wire.
func (f Frame) Bytes() []byte {
	var b bytes.Buffer
	for _, h := range f.Headers {
		b.WriteString(h.Name)
		b.WriteString(": ")
		b.WriteString(h.Value)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(f.Body)
	return b.Bytes()
}

// ReadFrame reads one frame. A peer that closes between frames gives io.EOF;
// one that closes inside a frame gives io.ErrUnexpectedEOF.
func ReadFrame(r *bufio.Reader) (Frame, error) {
	var f Frame
	for first := true; ; {
		line, err := readLine(r)
		if err != nil {
			if first && errors.Is(err, io.EOF) && line == "" {
				return f, io.EOF
			}
			if errors.Is(err, io.EOF) {
				return f, io.ErrUnexpectedEOF
			}
			return f, err
		}
		if line == "" {
			if len(f.Headers) == 0 {
				first = true // stray blank line between frames
				continue
			}
			break
		}
		first = false
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return f, fmt.Errorf("%w: header line %q", ErrFrame, short(line))
		}
		if len(f.Headers) == maxHeaders {
			return f, fmt.Errorf("%w: more than %d headers", ErrFrame, maxHeaders)
		}
		if f.Headers == nil {
			f.Headers = make([]Header, 0, 4) // an event frame has two, a reply three
		}
		f.Headers = append(f.Headers, Header{Name: name, Value: strings.TrimLeft(value, " ")})
	}
	if cl := f.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 || n > maxBody {
			return f, fmt.Errorf("%w: Content-Length %q", ErrFrame, short(cl))
		}
		f.Body = make([]byte, n)
		if _, err := io.ReadFull(r, f.Body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return f, err
		}
	}
	return f, nil
}

// readLine reads one line without its "\n" (and a "\r" before it).
func readLine(r *bufio.Reader) (string, error) {
	chunk, isPrefix, err := r.ReadLine()
	if err != nil || !isPrefix { // the line fits the buffer: one copy
		return string(chunk), err
	}
	b := append([]byte(nil), chunk...)
	for isPrefix {
		chunk, isPrefix, err = r.ReadLine()
		b = append(b, chunk...)
		if err != nil {
			return string(b), err
		}
		if len(b) > maxHeaderLine {
			return "", fmt.Errorf("%w: header line longer than %d bytes", ErrFrame, maxHeaderLine)
		}
	}
	return string(b), nil
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
