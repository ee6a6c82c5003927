package esl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sentralbord/sentralbord/routing"
)

// Event is one FreeSWITCH event with its header values decoded. Keys are in
// canonical MIME form ("Unique-Id", "Cc-Agent", "From-User"), so lookups
// are case-insensitive through Get.
type Event struct {
	Headers map[string]string
	Body    string
}

// Get returns a header's value ("" when absent).
func (e Event) Get(name string) string {
	if v, ok := e.Headers[name]; ok { // already canonical, as every name this package asks for
		return v
	}
	return e.Headers[textproto.CanonicalMIMEHeaderKey(name)]
}

// Name is Event-Name; for CUSTOM events it is "CUSTOM".
func (e Event) Name() string { return e.Get("Event-Name") }

// Subclass is Event-Subclass ("sofia::register").
func (e Event) Subclass() string { return e.Get("Event-Subclass") }

// Order is where the event stands in its node's history.
func (e Event) Order() routing.EventOrder {
	o := routing.EventOrder{Core: e.Get("Core-Uuid")}
	o.Seq, _ = strconv.ParseUint(e.Get("Event-Sequence"), 10, 64)
	if us, err := strconv.ParseInt(e.Get("Event-Date-Timestamp"), 10, 64); err == nil && us > 0 {
		o.Time = time.UnixMicro(us)
	}
	return o
}

func (e *Event) set(k, v string) {
	if _, dup := e.Headers[k]; !dup { // CHANNEL_HANGUP_COMPLETE repeats Hangup-Cause: keep the first
		e.Headers[k] = v
	}
}

// eventParser reads event bodies, plain (here) or JSON (eventjson.go).
// With names set it remembers the canonical form of the header names it
// meets, which FreeSWITCH spells otherwise ("Core-UUID",
// "variable_sip_from_user") and repeats in every event; with keep set it
// keeps only the headers keep names, and decodes no other value; with
// headers set, every event it returns holds that map, emptied, so an event
// is valid only until the next parse. A listener uses one per connection,
// from one goroutine, and is done with each event before it reads the next.
type eventParser struct {
	keep    map[string]bool
	names   map[string]headerName
	headers map[string]string
}

type headerName struct {
	canon string
	keep  bool
}

// maxNames bounds the names a parser remembers, so a peer sending ever
// new names costs an allocation per name, not memory.
const maxNames = 4096

// name returns a header name's canonical form and whether to keep the
// header; ok is false for a name a frame may not have (empty, or with a
// space or tab), which is never remembered.
func (p *eventParser) name(raw string) (canon string, keep, ok bool) {
	if h, hit := p.names[raw]; hit {
		return h.canon, h.keep, true
	}
	if raw == "" || strings.ContainsAny(raw, " \t") {
		return "", false, false
	}
	c := textproto.CanonicalMIMEHeaderKey(raw)
	keep = p.keep == nil || p.keep[c]
	if p.names != nil && len(p.names) < maxNames {
		c = strings.Clone(c) // raw and c are parts of one event's body
		p.names[strings.Clone(raw)] = headerName{c, keep}
	}
	return c, keep, true
}

// ParsePlainEvent parses the body of a text/event-plain frame: header lines
// with URL-encoded values (%XX; "+" is literal), a blank line, then an
// optional body of Content-Length bytes.
func ParsePlainEvent(body []byte) (Event, error) {
	var p eventParser
	return p.parse(body)
}

// parse reads the body as ReadFrame reads a frame, with one copy of it:
// every name and value is a part of that copy, decoded only when it holds
// a '%'.
func (p *eventParser) parse(body []byte) (Event, error) {
	var e Event
	if p.headers != nil {
		clear(p.headers)
		e.Headers = p.headers
	} else {
		e.Headers = make(map[string]string, min(bytes.Count(body, []byte{'\n'}), maxHeaders))
	}
	s := string(body)
	n, started := 0, false
	cl, clSeen := "", false
	for {
		if s == "" {
			if !started {
				return e, fmt.Errorf("plain event: %w", io.EOF)
			}
			return e, fmt.Errorf("plain event: %w", io.ErrUnexpectedEOF)
		}
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = strings.TrimSuffix(s[:i], "\r"), s[i+1:]
		} else {
			s = ""
		}
		if len(line) > maxHeaderLine {
			return e, fmt.Errorf("plain event: %w: header line longer than %d bytes", ErrFrame, maxHeaderLine)
		}
		if line == "" {
			if !started {
				continue // stray blank line before the headers
			}
			break
		}
		started = true
		name, value, found := strings.Cut(line, ":")
		canon, keep, ok := p.name(name)
		if !found || !ok {
			return e, fmt.Errorf("plain event: %w: header line %q", ErrFrame, short(line))
		}
		if n == maxHeaders {
			return e, fmt.Errorf("plain event: %w: more than %d headers", ErrFrame, maxHeaders)
		}
		n++
		value = strings.TrimLeft(value, " ")
		if !clSeen && len(name) == len("Content-Length") && strings.EqualFold(name, "Content-Length") {
			cl, clSeen = value, true
		}
		if !keep {
			continue
		}
		if strings.IndexByte(value, '%') >= 0 {
			if v, err := url.PathUnescape(value); err == nil {
				value = v
			} // else a stray '%' is kept as sent
		}
		e.set(canon, value)
	}
	if cl != "" {
		size, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || size < 0 || size > maxBody {
			return e, fmt.Errorf("plain event: %w: Content-Length %q", ErrFrame, short(cl))
		}
		if len(s) < size {
			return e, fmt.Errorf("plain event: %w", io.ErrUnexpectedEOF)
		}
		e.Body = s[:size]
	}
	return e, nil
}

// ParseJSONEvent parses the body of a text/event-json frame: one object of
// string values, not URL-encoded; "_body" holds the event's body.
func ParseJSONEvent(body []byte) (Event, error) {
	e := Event{Headers: make(map[string]string, 48)}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return e, fmt.Errorf("json event: %w: not an object", ErrFrame)
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return e, fmt.Errorf("json event: %w", err)
		}
		k, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e, fmt.Errorf("json event: %w", err)
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			v = strings.Trim(string(raw), `"`) // numbers or arrays: keep the text
		}
		if k == "_body" {
			e.Body = v
			continue
		}
		e.set(textproto.CanonicalMIMEHeaderKey(k), v)
	}
	if _, err := dec.Token(); err != nil {
		return e, fmt.Errorf("json event: %w", err)
	}
	return e, nil
}

// ParseEventFrame parses an event frame of either format.
func ParseEventFrame(f Frame) (Event, error) {
	switch f.Type() {
	case TypeEventPlain:
		return ParsePlainEvent(f.Body)
	case TypeEventJSON:
		return ParseJSONEvent(f.Body)
	default:
		return Event{}, fmt.Errorf("%w: not an event: %q", ErrFrame, short(f.Type()))
	}
}
