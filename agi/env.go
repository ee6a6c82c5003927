package agi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Limits on the environment block. Asterisk sends 22 keys plus one per
// argument (at most 128); anything far beyond is not Asterisk.
const (
	maxEnvLines = 256
	maxEnvBytes = 64 << 10
)

// errNoEnv: the peer closed the connection before sending a byte. Port probes
// and health checks do this; it is not a malformed request.
var errNoEnv = errors.New("connection closed before the agi environment")

// Env is the environment block Asterisk sends at the start of a session.
type Env struct {
	UniqueID string // agi_uniqueid: the call id
	Channel  string // agi_channel
	// Request is the path of the AGI URL without its leading '/' and without
	// the query: "route" for agi://host:4573/route?loop=1. Empty when the
	// URL has no path (Asterisk then sends no agi_network_script).
	Request string
	Query   url.Values // the URL's query: loop=1
	// Args are agi_arg_1…N in order; an empty last argument is kept.
	Args []string
	// CallerID and CallerIDName are "" when Asterisk says "unknown".
	CallerID     string
	CallerIDName string
	Language     string
	Context      string
	Extension    string
	// Raw holds every key as sent, for anything not lifted into a field.
	Raw map[string]string

	// block is the block as read, "key: value\n" lines, whose substrings
	// the fields are; a session builds Raw from it when asked for Env.
	block string
}

// Arg returns agi_arg_n (counting from 1), or "" when absent.
func (e Env) Arg(n int) string { return e.arg(n) }

// Param returns the query parameter name when present, else agi_arg_n, so a
// dialplan may write either /route?loop=1 or /route,1.
func (e Env) Param(name string, n int) string { return e.param(name, n) }

// arg and param are Arg and Param without the copy of e.
func (e *Env) arg(n int) string {
	if n < 1 || n > len(e.Args) {
		return ""
	}
	return e.Args[n-1]
}

func (e *Env) param(name string, n int) string {
	if v, ok := e.Query[name]; ok && len(v) > 0 {
		return v[0]
	}
	return e.arg(n)
}

// readEnv reads the environment block: "key: value" lines ended by a blank
// line. The block must be complete; a stream that ends early, a line that is
// not "key: value", a repeated key or a block beyond the limits is ErrBadEnv.
// Errors never quote the block, as it holds caller numbers.
func readEnv(r *bufio.Reader) (Env, error) {
	var e Env
	if err := scanEnv(r, &e); err != nil {
		return Env{}, err
	}
	e.Raw = rawOf(e.block)
	return e, nil
}

// scanEnv is readEnv into e, without Raw. The lines are gathered in a pooled
// buffer and copied into one string, which every field points into. e is
// left as it was on an error.
func scanEnv(r *bufio.Reader, e *Env) error {
	sc := envScratchPool.Get().(*envScratch)
	defer sc.release()
	total := 0
	for n := 1; ; n++ {
		if n > maxEnvLines+1 {
			return envError("more than %d lines", maxEnvLines)
		}
		start := len(sc.text)
		text, err := appendLine(sc.text, r, maxLineBytes)
		sc.text = text
		if err != nil {
			return envReadError(err, n)
		}
		line := text[start:]
		if total += len(line) + 1; total > maxEnvBytes {
			return envError("more than %d bytes", maxEnvBytes)
		}
		if len(line) == 0 {
			break
		}
		colon, ok := envKeyEnd(line)
		if !ok {
			return envError("line %d is not \"key: value\"", n)
		}
		if sc.has(line[:colon]) {
			return envError("line %d repeats key %s", n, line[:colon])
		}
		sc.lines = append(sc.lines, envLine{start: int32(start), colon: int32(start + colon), end: int32(len(text))})
		sc.text = append(sc.text, '\n')
	}
	b := envBlock{text: string(sc.text), lines: sc.lines}
	return newEnv(&b, e)
}

// envError is an ErrBadEnv.
func envError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadEnv}, args...)...)
}

// envReadError is the error of reading line n of the block.
func envReadError(err error, n int) error {
	switch {
	case errors.Is(err, io.EOF) && n == 1:
		return errNoEnv
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return envError("truncated at line %d", n)
	case errors.Is(err, errLineTooLong):
		return envError("line %d too long", n)
	}
	return fmt.Errorf("read env: %w", err)
}

// envBlock is a complete, checked block: text holds its lines, each ended by
// '\n', and lines says where their keys and values are.
type envBlock struct {
	text  string
	lines []envLine
}

// get returns the value of key. Asterisk writes "%s: %s\n", so an empty
// value keeps its space ("agi_accountcode: "); the space is optional here.
func (b *envBlock) get(key string) (string, bool) {
	for _, l := range b.lines {
		if b.text[l.start:l.colon] == key {
			return strings.TrimPrefix(b.text[l.colon+1:l.end], " "), true
		}
	}
	return "", false
}

func (b *envBlock) value(key string) string {
	v, _ := b.get(key)
	return v
}

// rawOf is the map of a block's keys to their values.
func rawOf(block string) map[string]string {
	raw := make(map[string]string, strings.Count(block, "\n"))
	for line := range strings.Lines(block) {
		key, value, _ := strings.Cut(line[:len(line)-1], ":")
		raw[key] = strings.TrimPrefix(value, " ")
	}
	return raw
}

// envScratch holds the lines of an environment block while it is read.
type envScratch struct {
	text  []byte    // the lines read so far, each ended by '\n'
	lines []envLine // where each key and value is in text
}

// envLine is one "key: value" line: text[start:colon] is the key,
// text[colon+1:end] the value with its leading space. A block is at most
// maxEnvBytes long.
type envLine struct{ start, colon, end int32 }

var envScratchPool = sync.Pool{New: func() any {
	return &envScratch{text: make([]byte, 0, 1<<10), lines: make([]envLine, 0, 32)}
}}

// has reports whether key is already in the block.
func (sc *envScratch) has(key []byte) bool {
	for _, l := range sc.lines {
		if bytes.Equal(sc.text[l.start:l.colon], key) {
			return true
		}
	}
	return false
}

// release returns sc to the pool unless a block far beyond Asterisk's grew it.
func (sc *envScratch) release() {
	if cap(sc.text) > 8<<10 {
		return
	}
	sc.text, sc.lines = sc.text[:0], sc.lines[:0]
	envScratchPool.Put(sc)
}

// envKeyEnd returns the index of the ':' that ends a valid key.
func envKeyEnd(line []byte) (int, bool) {
	i := bytes.IndexByte(line, ':')
	if i < 0 || !validEnvKey(line[:i]) {
		return 0, false
	}
	return i, true
}

func validEnvKey(k []byte) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}

// newEnv lifts the fields of a complete block and checks what a session
// cannot do without: the request URL and the call's unique id.
func newEnv(b *envBlock, e *Env) error {
	if b.value("agi_request") == "" || b.value("agi_uniqueid") == "" {
		return envError("no agi_request or agi_uniqueid")
	}
	path, query, _ := strings.Cut(b.value("agi_network_script"), "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return envError("bad query in agi_network_script")
	}
	args, err := envArgs(b)
	if err != nil {
		return err
	}
	*e = Env{
		UniqueID:     b.value("agi_uniqueid"),
		Channel:      b.value("agi_channel"),
		Request:      path,
		Query:        q,
		Args:         args,
		CallerID:     known(b.value("agi_callerid")),
		CallerIDName: known(b.value("agi_calleridname")),
		Language:     b.value("agi_language"),
		Context:      b.value("agi_context"),
		Extension:    b.value("agi_extension"),
		block:        b.text,
	}
	return nil
}

// envArgs collects agi_arg_1…N, which must be numbered without gaps.
func envArgs(b *envBlock) ([]string, error) {
	count := 0
	for _, l := range b.lines {
		if strings.HasPrefix(b.text[l.start:l.colon], "agi_arg_") {
			count++
		}
	}
	args := make([]string, 0, count)
	for i := 1; i <= count; i++ {
		v, ok := b.get("agi_arg_" + strconv.Itoa(i))
		if !ok {
			return nil, envError("agi_arg_%d missing", i)
		}
		args = append(args, v)
	}
	return args, nil
}

// known maps Asterisk's "unknown" (no caller id) to "".
func known(s string) string {
	if s == "unknown" {
		return ""
	}
	return s
}
