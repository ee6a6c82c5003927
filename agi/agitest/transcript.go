package agitest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Transcript is a recorded FastAGI conversation with a real Asterisk, in the
// format of the project's testdata: one event per line, "A>P" for bytes
// Asterisk sent (one recv() each) and "P>A" for bytes the server sent, as
// Python literals, plus notes ("shutdown(SHUT_WR)", "A>P EOF", "close()").
type Transcript struct {
	Name   string
	Events []Event
	// EnvVars is the environment as the recording tool decoded it (its
	// "ENV key = 'value'" lines), nil when the transcript has none.
	EnvVars map[string]string
}

// Event is one line of a transcript.
type Event struct {
	Dir  string // "A>P", "P>A", or "" for a note
	Data []byte // the exact bytes; commands written as text get their '\n'
	Idle bool   // A>P sent while the server was idle (an unsolicited HANGUP)
	Note string // the line, for notes
}

var (
	dataLine = regexp.MustCompile(`(A>P|P>A) +(\(while idle\) +)?(b?)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") *$`)
	envLine  = regexp.MustCompile(`ENV (\S+) = ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")$`)
)

// ReadTranscript parses a transcript file.
func ReadTranscript(path string) (*Transcript, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &Transcript{Name: strings.TrimSuffix(filepath.Base(path), ".txt")}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if m := envLine.FindStringSubmatch(line); m != nil {
			v, err := pyLiteral(m[2])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			if t.EnvVars == nil {
				t.EnvVars = map[string]string{}
			}
			t.EnvVars[m[1]] = string(v)
			continue
		}
		if m := dataLine.FindStringSubmatch(line); m != nil {
			v, err := pyLiteral(m[4])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
			if m[3] == "" { // text, not bytes: a command without its newline
				v = append(v, '\n')
			}
			t.Events = append(t.Events, Event{Dir: m[1], Data: v, Idle: m[2] != ""})
			continue
		}
		t.Events = append(t.Events, Event{Note: line})
	}
	return t, sc.Err()
}

// Env returns the environment block's bytes: Asterisk's first chunks up to
// and including the blank line, or nil when the transcript does not hold it.
func (t *Transcript) Env() []byte {
	var env []byte
	for _, e := range t.Events {
		if e.Dir != "A>P" {
			continue
		}
		env = append(env, e.Data...)
		if i := bytes.Index(env, []byte("\n\n")); i >= 0 {
			return env[:i+2]
		}
	}
	return nil
}

// EnvChunks returns the environment as Asterisk sent it, one chunk per recv().
func (t *Transcript) EnvChunks() [][]byte {
	var chunks [][]byte
	total := 0
	env := t.Env()
	for _, e := range t.Events {
		if e.Dir != "A>P" || total >= len(env) {
			continue
		}
		n := min(len(e.Data), len(env)-total)
		chunks = append(chunks, e.Data[:n])
		total += n
	}
	return chunks
}

// AfterEnv returns the events after the environment block (all events when
// the transcript does not hold the block).
func (t *Transcript) AfterEnv() []Event {
	env := t.Env()
	if env == nil {
		return t.Events
	}
	total := 0
	for i, e := range t.Events {
		if e.Dir != "A>P" {
			continue
		}
		total += len(e.Data)
		if total >= len(env) {
			rest := t.Events[i+1:]
			if extra := total - len(env); extra > 0 {
				tail := Event{Dir: "A>P", Data: e.Data[len(e.Data)-extra:]}
				rest = append([]Event{tail}, rest...)
			}
			return rest
		}
	}
	return nil
}

// pyLiteral decodes a Python str or bytes literal body with its quotes.
func pyLiteral(s string) ([]byte, error) {
	if len(s) < 2 {
		return nil, fmt.Errorf("bad literal %q", s)
	}
	s = s[1 : len(s)-1]
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("dangling backslash in %q", s)
		}
		switch s[i] {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case '0':
			out = append(out, 0)
		case '\\', '\'', '"':
			out = append(out, s[i])
		case 'x':
			if i+3 > len(s) {
				return nil, fmt.Errorf("short \\x escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad \\x escape in %q", s)
			}
			out = append(out, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return out, nil
}
