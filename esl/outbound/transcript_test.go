package outbound_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sentralbord/sentralbord/esl"
	"github.com/sentralbord/sentralbord/esl/outbound/fstest"
)

// A transcript is a recorded outbound socket conversation as the test bed's
// relay writes it (dialplan/freeswitch/testdata/real-*.txt): "#-- FS>SB
// t=<s> <n> bytes" or "#-- SB>FS …", then exactly those bytes; "… EOF (…)"
// when a side closed; other lines starting with # are notes.

// step is one thing that happened, in the order the relay saw it: a whole
// frame FreeSWITCH sent, a whole command the service sent, or a side
// closing.
type step struct {
	fromFS  bool
	eof     bool
	frame   esl.Frame      // fromFS
	command fstest.Command // !fromFS
}

var chunkLine = regexp.MustCompile(`^#-- (FS>SB|SB>FS) t=[0-9.]+ (?:(\d+) bytes|EOF .*)$`)

// readTranscript splits a transcript into steps. A frame or command split
// over chunks is placed where its last byte arrived.
func readTranscript(b []byte) ([]step, error) {
	var steps []step
	var fs, sb []byte // bytes of each side not yet making a whole frame
	for len(b) > 0 {
		end := bytes.IndexByte(b, '\n')
		if end < 0 {
			return nil, errors.New("transcript ends inside a line")
		}
		line := string(b[:end])
		b = b[end+1:]
		m := chunkLine.FindStringSubmatch(line)
		if m == nil {
			if !strings.HasPrefix(line, "#") {
				return nil, fmt.Errorf("not a marker or note: %q", line)
			}
			continue
		}
		fromFS := m[1] == "FS>SB"
		if m[2] == "" {
			steps = append(steps, step{fromFS: fromFS, eof: true})
			continue
		}
		n, _ := strconv.Atoi(m[2])
		if n > len(b) {
			return nil, fmt.Errorf("%s: %d bytes announced, %d left", line, n, len(b))
		}
		chunk := b[:n]
		b = bytes.TrimPrefix(b[n:], []byte("\n#-- (no newline at end of chunk)\n"))
		var err error
		if fromFS {
			fs = append(fs, chunk...)
			fs, steps, err = fsFrames(fs, steps)
		} else {
			sb = append(sb, chunk...)
			sb, steps, err = sbCommands(sb, steps)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(bytes.TrimSpace(fs)) > 0 || len(bytes.TrimSpace(sb)) > 0 {
		return nil, errors.New("transcript ends inside a frame or command")
	}
	return steps, nil
}

// fsFrames takes the whole frames off the front of buf.
func fsFrames(buf []byte, steps []step) ([]byte, []step, error) {
	for len(buf) > 0 {
		br := bytes.NewReader(buf)
		r := bufio.NewReader(br)
		f, err := esl.ReadFrame(r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, steps, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("FreeSWITCH's side: %w", err)
		}
		steps = append(steps, step{fromFS: true, frame: f})
		buf = buf[len(buf)-br.Len()-r.Buffered():]
	}
	return buf, steps, nil
}

// sbCommands takes the whole commands off the front of buf. eslgo ends a
// command with a blank line, so a command is whole once one follows it.
func sbCommands(buf []byte, steps []step) ([]byte, []step, error) {
	for {
		trimmed := bytes.TrimLeft(buf, "\r\n")
		if len(trimmed) == 0 {
			return buf, steps, nil
		}
		br := bytes.NewReader(trimmed)
		r := bufio.NewReader(br)
		c, err := fstest.ReadCommand(r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return buf, steps, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("the service's side: %w", err)
		}
		steps = append(steps, step{command: c})
		buf = trimmed[len(trimmed)-br.Len()-r.Buffered():]
	}
}

// FreeSWITCH's defaults, which a command may state or leave out.
var commandDefaults = map[string]string{"loops": "1"}

// normalized is a command as compared: its first line (a sendmsg's
// optional uuid dropped when it is the channel's, "myevents" with its
// default format), then its header lines with lowercase names, sorted, and
// its body. Event-UUID values go through ids, which maps each recorded
// value to the one the service chose instead.
func normalized(c fstest.Command, channel string, ids func(string) string) string {
	first := c.Name
	switch arg := strings.TrimSpace(c.Arg); {
	case c.Name == "sendmsg" && arg == channel:
	case c.Name == "myevents" && arg == "":
		first += " plain"
	case arg != "":
		first += " " + arg
	}
	var lines []string
	for k, v := range c.Headers {
		switch {
		case k == "content-length":
			continue
		case commandDefaults[k] == v:
			continue
		case k == "event-uuid":
			v = ids(v)
		}
		lines = append(lines, k+": "+v)
	}
	slices.Sort(lines)
	return strings.Join(append([]string{first}, lines...), "\n") + "\n\n" + c.Body
}
