package agi

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
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
}

// Arg returns agi_arg_n (counting from 1), or "" when absent.
func (e Env) Arg(n int) string {
	if n < 1 || n > len(e.Args) {
		return ""
	}
	return e.Args[n-1]
}

// Param returns the query parameter name when present, else agi_arg_n, so a
// dialplan may write either /route?loop=1 or /route,1.
func (e Env) Param(name string, n int) string {
	if v, ok := e.Query[name]; ok && len(v) > 0 {
		return v[0]
	}
	return e.Arg(n)
}

// readEnv reads the environment block: "key: value" lines ended by a blank
// line. The block must be complete; a stream that ends early, a line that is
// not "key: value", a repeated key or a block beyond the limits is ErrBadEnv.
// Errors never quote the block, as it holds caller numbers.
func readEnv(r *bufio.Reader) (Env, error) {
	raw := make(map[string]string, 32)
	total := 0
	for n := 1; ; n++ {
		if n > maxEnvLines+1 {
			return Env{}, fmt.Errorf("%w: more than %d lines", ErrBadEnv, maxEnvLines)
		}
		line, err := readLine(r, maxLineBytes)
		switch {
		case errors.Is(err, io.EOF) && n == 1:
			return Env{}, errNoEnv
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return Env{}, fmt.Errorf("%w: truncated at line %d", ErrBadEnv, n)
		case errors.Is(err, errLineTooLong):
			return Env{}, fmt.Errorf("%w: line %d too long", ErrBadEnv, n)
		case err != nil:
			return Env{}, fmt.Errorf("read env: %w", err)
		}
		if total += len(line) + 1; total > maxEnvBytes {
			return Env{}, fmt.Errorf("%w: more than %d bytes", ErrBadEnv, maxEnvBytes)
		}
		if line == "" {
			break
		}
		key, value, ok := parseEnvLine(line)
		if !ok {
			return Env{}, fmt.Errorf("%w: line %d is not \"key: value\"", ErrBadEnv, n)
		}
		if _, dup := raw[key]; dup {
			return Env{}, fmt.Errorf("%w: line %d repeats key %s", ErrBadEnv, n, key)
		}
		raw[key] = value
	}
	return newEnv(raw)
}

// parseEnvLine splits "key: value". Asterisk writes "%s: %s\n", so an empty
// value keeps its space ("agi_accountcode: "); the space is optional here.
func parseEnvLine(line string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(line, ":")
	if !ok || !validEnvKey(key) {
		return "", "", false
	}
	return key, strings.TrimPrefix(value, " "), true
}

func validEnvKey(k string) bool {
	if k == "" || len(k) > 64 {
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
func newEnv(raw map[string]string) (Env, error) {
	if raw["agi_request"] == "" || raw["agi_uniqueid"] == "" {
		return Env{}, fmt.Errorf("%w: no agi_request or agi_uniqueid", ErrBadEnv)
	}
	e := Env{
		UniqueID:     raw["agi_uniqueid"],
		Channel:      raw["agi_channel"],
		CallerID:     known(raw["agi_callerid"]),
		CallerIDName: known(raw["agi_calleridname"]),
		Language:     raw["agi_language"],
		Context:      raw["agi_context"],
		Extension:    raw["agi_extension"],
		Raw:          raw,
	}
	path, query, _ := strings.Cut(raw["agi_network_script"], "?")
	e.Request = path
	q, err := url.ParseQuery(query)
	if err != nil {
		return Env{}, fmt.Errorf("%w: bad query in agi_network_script", ErrBadEnv)
	}
	e.Query = q
	args, err := envArgs(raw)
	if err != nil {
		return Env{}, err
	}
	e.Args = args
	return e, nil
}

// envArgs collects agi_arg_1…N, which must be numbered without gaps.
func envArgs(raw map[string]string) ([]string, error) {
	count := 0
	for k := range raw {
		if _, ok := strings.CutPrefix(k, "agi_arg_"); ok {
			count++
		}
	}
	args := make([]string, 0, count)
	for i := 1; i <= count; i++ {
		v, ok := raw["agi_arg_"+strconv.Itoa(i)]
		if !ok {
			return nil, fmt.Errorf("%w: agi_arg_%d missing", ErrBadEnv, i)
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
