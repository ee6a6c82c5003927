package esl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
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
func (e Event) Get(name string) string { return e.Headers[textproto.CanonicalMIMEHeaderKey(name)] }

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
	k = textproto.CanonicalMIMEHeaderKey(k)
	if _, dup := e.Headers[k]; !dup { // CHANNEL_HANGUP_COMPLETE repeats Hangup-Cause: keep the first
		e.Headers[k] = v
	}
}

// ParsePlainEvent parses the body of a text/event-plain frame: header lines
// with URL-encoded values (%XX; "+" is literal), a blank line, then an
// optional body of Content-Length bytes.
func ParsePlainEvent(body []byte) (Event, error) {
	e := Event{Headers: make(map[string]string, 48)}
	r := bufio.NewReader(bytes.NewReader(body))
	f, err := ReadFrame(r)
	if err != nil {
		return e, fmt.Errorf("plain event: %w", err)
	}
	for _, h := range f.Headers {
		v, err := url.PathUnescape(h.Value)
		if err != nil {
			v = h.Value // a stray '%' is kept as sent
		}
		e.set(h.Name, v)
	}
	e.Body = string(f.Body)
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
		e.set(k, v)
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
